using Quiver.Node.Errors;

namespace Quiver.Node.Tests.Coordinator;

public class CatalogPartitionTests : CatalogHarness
{
    [Fact]
    public async Task CreateHasListDescribeDrop()
    {
        await Catalog.CreateCollectionAsync(null, Schema("docs"));
        await Catalog.CreateAliasAsync(null, "d", "docs");
        var p2024 = await Catalog.CreatePartitionAsync(null, "docs", "y2024");
        var p2025 = await Catalog.CreatePartitionAsync(null, "d", "y2025"); // through the alias
        Assert.Same(p2024, await Catalog.CreatePartitionAsync(null, "docs", "y2024")); // a repeat is success, as in Milvus
        Assert.True(p2025.Id > p2024.Id);
        Assert.True(await Catalog.HasPartitionAsync(null, "docs", "y2025"));
        Assert.False(await Catalog.HasPartitionAsync(null, "docs", "y2026"));
        Assert.Equal(["_default", "y2024", "y2025"], (await Catalog.ListPartitionsAsync(null, "docs")).Select(p => p.Name));
        Assert.Equal(p2024, await Catalog.DescribePartitionAsync(null, "docs", "y2024"));
        Assert.Equal(3, (await Catalog.DescribeCollectionAsync(null, "docs")).Partitions.Count);

        Assert.Equal(p2024, await Catalog.DropPartitionAsync(null, "docs", "y2024"));
        Assert.Null(await Catalog.DropPartitionAsync(null, "docs", "y2024"));
        Assert.Equal(["_default", "y2025"], (await Catalog.ListPartitionsAsync(null, "docs")).Select(p => p.Name));

        await ReopenAsync();
        Assert.Equal(["_default", "y2025"], (await Catalog.ListPartitionsAsync(null, "docs")).Select(p => p.Name));
        Assert.Equal(p2025, await Catalog.DescribePartitionAsync(null, "docs", "y2025"));
    }

    [Fact]
    public async Task ErrorsNameThePartitionAndCollection()
    {
        await Catalog.CreateCollectionAsync(null, Schema("docs"));
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.DropPartitionAsync(null, "docs", "_default"), "_default", "docs");
        await Fails(ErrorCode.PartitionNotFound, async () => await Catalog.DescribePartitionAsync(null, "docs", "gone"), "gone", "docs");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreatePartitionAsync(null, "docs", "no-dash"), "no-dash");
        await Fails(ErrorCode.CollectionNotFound, () => Catalog.CreatePartitionAsync(null, "nope", "p"), "nope");
        await Fails(ErrorCode.CollectionNotFound, () => Catalog.DropPartitionAsync(null, "nope", "p"), "nope");
        await Fails(ErrorCode.CollectionNotFound, async () => await Catalog.HasPartitionAsync(null, "nope", "p"), "nope");
        await Fails(ErrorCode.CollectionNotFound, async () => await Catalog.ListPartitionsAsync(null, "nope"), "nope");
    }

    [Fact]
    public async Task PartitionKeyCollectionsRefuseManualPartitions()
    {
        await Catalog.CreateCollectionAsync(null, PartitionKeySchema("tenants"), new() { NumPartitions = 4 });
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreatePartitionAsync(null, "tenants", "mine"), "mine", "tenants", "tenant");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.DropPartitionAsync(null, "tenants", "_default_0"), "_default_0", "tenants");
        Assert.Equal(4, (await Catalog.ListPartitionsAsync(null, "tenants")).Count);
    }
}
