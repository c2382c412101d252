using Quiver.Node.Errors;

namespace Quiver.Node.Tests.Coordinator;

public class CatalogAliasTests : CatalogHarness
{
    [Fact]
    public async Task CreateDescribeListAlterDrop()
    {
        var v1 = await Catalog.CreateCollectionAsync(null, Schema("docs_v1"));
        var v2 = await Catalog.CreateCollectionAsync(null, Schema("docs_v2"));
        var live = await Catalog.CreateAliasAsync(null, "live", "docs_v1");
        await Catalog.CreateAliasAsync(null, "archive", "docs_v1");
        Assert.Equal(("live", "default", v1.Id, "docs_v1"), (live.Alias, live.DatabaseName, live.CollectionId, live.CollectionName));
        Assert.Equal(live, await Catalog.DescribeAliasAsync(null, "live"));
        Assert.Equal(["archive", "live"], (await Catalog.ListAliasesAsync(null)).Select(a => a.Alias));
        Assert.Equal(["archive", "live"], (await Catalog.ListAliasesAsync(null, "docs_v1")).Select(a => a.Alias));
        Assert.Empty(await Catalog.ListAliasesAsync(null, "docs_v2"));

        var moved = await Catalog.AlterAliasAsync(null, "live", "docs_v2");
        Assert.Equal(v2.Id, moved.CollectionId);
        Assert.Same(v2, await Catalog.DescribeCollectionAsync(null, "live"));
        Assert.Equal(["live"], (await Catalog.ListAliasesAsync(null, "docs_v2")).Select(a => a.Alias));
        Assert.Equal(moved, await Catalog.AlterAliasAsync(null, "live", "docs_v2")); // already there: unchanged

        await ReopenAsync();
        Assert.Equal(moved, await Catalog.DescribeAliasAsync(null, "live"));
        Assert.Equal(v2.Id, (await Catalog.DescribeCollectionAsync(null, "live")).Id);

        Assert.True(await Catalog.DropAliasAsync(null, "live"));
        Assert.False(await Catalog.DropAliasAsync(null, "live"));
        await Fails(ErrorCode.AliasNotFound, async () => await Catalog.DescribeAliasAsync(null, "live"), "live", "default");
        await Fails(ErrorCode.CollectionNotFound, async () => await Catalog.DescribeCollectionAsync(null, "live"), "live");
        Assert.Equal(["archive"], (await Catalog.ListAliasesAsync(null)).Select(a => a.Alias));
    }

    [Fact]
    public async Task AliasesAreUniquePerDatabaseAndNeverEqualACollectionName()
    {
        await Catalog.CreateDatabaseAsync("other");
        await Catalog.CreateCollectionAsync(null, Schema("docs"));
        await Catalog.CreateCollectionAsync(null, Schema("more"));
        await Catalog.CreateCollectionAsync("other", Schema("docs"));
        await Catalog.CreateAliasAsync(null, "live", "docs");
        await Catalog.CreateAliasAsync("other", "live", "docs"); // same alias, another database

        await Fails(ErrorCode.AliasAlreadyExists, () => Catalog.CreateAliasAsync(null, "live", "more"), "live", "default", "docs");
        await Fails(ErrorCode.AliasAlreadyExists, () => Catalog.CreateAliasAsync(null, "live", "docs"), "live");
        await Fails(ErrorCode.AliasCollectionNameConflict, () => Catalog.CreateAliasAsync(null, "more", "docs"), "more");
        await Fails(ErrorCode.AliasCollectionNameConflict, () => Catalog.CreateCollectionAsync(null, Schema("live")), "live");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateAliasAsync(null, "second", "live"), "live", "docs"); // an alias of an alias
        await Fails(ErrorCode.CollectionNotFound, () => Catalog.CreateAliasAsync(null, "x", "nope"), "nope");
        await Fails(ErrorCode.AliasNotFound, () => Catalog.AlterAliasAsync(null, "nope", "docs"), "nope");
        await Fails(ErrorCode.CollectionNotFound, () => Catalog.AlterAliasAsync(null, "live", "nope"), "nope");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateAliasAsync(null, "bad alias", "docs"), "bad alias");
        await Fails(ErrorCode.CollectionNotFound, async () => await Catalog.ListAliasesAsync(null, "nope"), "nope");
    }
}
