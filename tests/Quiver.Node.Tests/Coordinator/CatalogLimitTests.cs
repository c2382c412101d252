using Quiver.Node.Coordinator;
using Quiver.Node.Errors;

namespace Quiver.Node.Tests.Coordinator;

public class CatalogLimitTests : CatalogHarness
{
    protected override CatalogLimits Limits => new()
    {
        MaxDatabases = 3,
        MaxCollections = 2,
        MaxPartitionsPerCollection = 3,
        MaxShards = 4,
        DefaultPartitionKeyPartitions = 2,
        MaxProperties = 2,
    };

    [Fact]
    public void DefaultLimitsAreMilvussDefaults()
    {
        var d = CatalogLimits.Default;
        Assert.Equal((64, 65536, 1024, 16, 16), (d.MaxDatabases, d.MaxCollections, d.MaxPartitionsPerCollection, d.MaxShards, d.DefaultPartitionKeyPartitions));
    }

    [Fact]
    public async Task DatabaseLimitCountsDefault()
    {
        await Catalog.CreateDatabaseAsync("a");
        await Catalog.CreateDatabaseAsync("b");
        await Fails(ErrorCode.DatabaseNumLimitExceeded, () => Catalog.CreateDatabaseAsync("c"), "c");
    }

    [Fact]
    public async Task CollectionLimitIsAcrossDatabases()
    {
        await Catalog.CreateDatabaseAsync("a");
        await Catalog.CreateCollectionAsync(null, Schema("one"));
        await Catalog.CreateCollectionAsync("a", Schema("two"));
        await Fails(ErrorCode.CollectionNumLimitExceeded, () => Catalog.CreateCollectionAsync("a", Schema("three")), "three");
        await Catalog.DropCollectionAsync(null, "one");
        await Catalog.CreateCollectionAsync("a", Schema("three"));
    }

    [Fact]
    public async Task PartitionAndShardLimits()
    {
        await Catalog.CreateCollectionAsync(null, Schema("c"));
        await Catalog.CreatePartitionAsync(null, "c", "p1");
        await Catalog.CreatePartitionAsync(null, "c", "p2");
        await Fails(ErrorCode.ParameterTooLarge, () => Catalog.CreatePartitionAsync(null, "c", "p3"), "p3", "c");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, Schema("s"), new() { ShardsNum = 5 }), "s");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, PartitionKeySchema("k"), new() { NumPartitions = 4 }), "k", "tenant");
        var k = await Catalog.CreateCollectionAsync(null, PartitionKeySchema("k"));
        Assert.Equal(["_default_0", "_default_1"], k.Partitions.Select(p => p.Name));
    }

    [Fact]
    public async Task PropertyLimit()
    {
        var three = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" };
        await Fails(ErrorCode.ParameterTooLarge, () => Catalog.CreateCollectionAsync(null, Schema("c"), new() { Properties = three }), "c");
        await Catalog.CreateCollectionAsync(null, Schema("c"), new() { Properties = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } });
        await Fails(ErrorCode.ParameterTooLarge, () => Catalog.AlterCollectionPropertiesAsync(null, "c", new Dictionary<string, string> { ["z"] = "9" }), "c");
        var c = await Catalog.AlterCollectionPropertiesAsync(null, "c", new Dictionary<string, string> { ["z"] = "9" }, ["a"]);
        Assert.Equal(["b", "z"], c.Properties.Keys.Order());
    }
}
