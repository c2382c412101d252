using Quiver.Node.Coordinator;
using Quiver.Node.Errors;

namespace Quiver.Node.Tests.Coordinator;

public class CatalogDatabaseTests : CatalogHarness
{
    [Fact]
    public async Task DefaultDatabaseExistsFromTheFirstOpenAndCannotBeDropped()
    {
        var dbs = await Catalog.ListDatabasesAsync();
        var db = Assert.Single(dbs);
        Assert.Equal((Catalog.DefaultDatabaseId, "default"), (db.Id, db.Name));
        Assert.True(db.CreatedTs > 0);
        Assert.Same(db, await Catalog.DescribeDatabaseAsync(null));
        Assert.Same(db, await Catalog.DescribeDatabaseAsync(""));
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.DropDatabaseAsync("default"), "default");

        await ReopenAsync();
        var again = Assert.Single(await Catalog.ListDatabasesAsync());
        Assert.Equal(db, again with { Properties = db.Properties });
    }

    [Fact]
    public async Task CreateListDescribeAlterDrop()
    {
        var a = await Catalog.CreateDatabaseAsync("analytics", new Dictionary<string, string> { ["database.max.collections"] = "10" });
        var b = await Catalog.CreateDatabaseAsync("b2");
        Assert.NotEqual(Catalog.DefaultDatabaseId, a.Id);
        Assert.NotEqual(a.Id, b.Id);
        Assert.True(b.CreatedTs > a.CreatedTs);
        Assert.Equal(["default", "analytics", "b2"], (await Catalog.ListDatabasesAsync()).Select(d => d.Name));
        Assert.Equal("10", (await Catalog.DescribeDatabaseAsync("analytics")).Properties["database.max.collections"]);

        var altered = await Catalog.AlterDatabasePropertiesAsync("analytics", new Dictionary<string, string> { ["k"] = "v" }, ["database.max.collections"]);
        Assert.Equal(new Dictionary<string, string> { ["k"] = "v" }, altered.Properties);

        Assert.True(await Catalog.DropDatabaseAsync("b2"));
        Assert.False(await Catalog.DropDatabaseAsync("b2")); // dropping what is not there is not an error (Milvus)
        await Fails(ErrorCode.DatabaseNotFound, async () => await Catalog.DescribeDatabaseAsync("b2"), "b2");

        await ReopenAsync();
        Assert.Equal(["default", "analytics"], (await Catalog.ListDatabasesAsync()).Select(d => d.Name));
        Assert.Equal(new Dictionary<string, string> { ["k"] = "v" }, (await Catalog.DescribeDatabaseAsync("analytics")).Properties);
    }

    [Fact]
    public async Task CreateErrorsNameTheDatabase()
    {
        await Catalog.CreateDatabaseAsync("sales");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateDatabaseAsync("sales"), "sales");
        await Fails(ErrorCode.DatabaseInvalidName, () => Catalog.CreateDatabaseAsync("9lives"), "9lives");
        await Fails(ErrorCode.DatabaseInvalidName, () => Catalog.CreateDatabaseAsync("a-b"), "a-b");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateDatabaseAsync("x", new Dictionary<string, string> { [""] = "v" }), "x");
    }

    [Fact]
    public async Task ANonEmptyDatabaseCannotBeDropped()
    {
        await Catalog.CreateDatabaseAsync("sales");
        await Catalog.CreateCollectionAsync("sales", Schema("orders"));
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.DropDatabaseAsync("sales"), "sales");
        await Catalog.DropCollectionAsync("sales", "orders");
        Assert.True(await Catalog.DropDatabaseAsync("sales"));
    }

    [Fact]
    public async Task OperationsInAMissingDatabaseFailWithItsName()
    {
        await Fails(ErrorCode.DatabaseNotFound, () => Catalog.CreateCollectionAsync("nope", Schema("c")), "nope");
        await Fails(ErrorCode.DatabaseNotFound, async () => await Catalog.ListCollectionsAsync("nope"), "nope");
        await Fails(ErrorCode.DatabaseNotFound, async () => await Catalog.HasCollectionAsync("nope", "c"), "nope");
        await Fails(ErrorCode.DatabaseNotFound, () => Catalog.DropCollectionAsync("nope", "c"), "nope");
        await Fails(ErrorCode.DatabaseNotFound, () => Catalog.CreateAliasAsync("nope", "a", "c"), "nope");
        await Fails(ErrorCode.DatabaseNotFound, () => Catalog.AlterDatabasePropertiesAsync("nope", null), "nope");
    }
}
