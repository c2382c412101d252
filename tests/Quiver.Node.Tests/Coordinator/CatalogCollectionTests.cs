using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Coordinator;

public class CatalogCollectionTests : CatalogHarness
{
    [Fact]
    public async Task CreateAssignsFieldIdsVchannelsAndTheDefaultPartition()
    {
        var schema = Schema("docs", new FieldSchema("title", FieldType.VarChar) { MaxLength = 100 }) with { Description = "d", EnableDynamicField = true };
        var c = await Catalog.CreateCollectionAsync(null, schema, new() { ShardsNum = 3 });
        Assert.Equal("docs", c.Name);
        Assert.Equal(Catalog.DefaultDatabaseId, c.DbId);
        Assert.Equal([100L, 101L, 102L], c.Schema.Fields.Select(f => f.FieldId));
        Assert.Equal(["id", "vec", "title"], c.Schema.Fields.Select(f => f.Name));
        Assert.True(c.Schema.EnableDynamicField);
        Assert.Equal(3, c.ShardsNum);
        Assert.Equal([$"{c.Id}v0", $"{c.Id}v1", $"{c.Id}v2"], c.VirtualChannels);
        Assert.Equal(ConsistencyLevel.Bounded, c.ConsistencyLevel);
        Assert.Equal(CollectionState.Created, c.State);
        var p = Assert.Single(c.Partitions);
        Assert.Equal("_default", p.Name);
        Assert.NotEqual(c.Id, p.Id);
        Assert.False(c.HasPartitionKey);
        Assert.Equal(0, schema.Fields[0].FieldId); // the caller's schema is not changed

        var one = await Catalog.CreateCollectionAsync(null, Schema("single"));
        Assert.Equal(1, one.ShardsNum);
        Assert.Equal([$"{one.Id}v0"], one.VirtualChannels);
    }

    [Fact]
    public async Task DescribeHasAndListByNameAliasAndId()
    {
        var docs = await Catalog.CreateCollectionAsync(null, Schema("docs"), new() { ConsistencyLevel = ConsistencyLevel.Strong });
        var other = await Catalog.CreateCollectionAsync(null, Schema("other"));
        await Catalog.CreateAliasAsync(null, "latest", "docs");
        Assert.Same(docs, await Catalog.DescribeCollectionAsync(null, "docs"));
        Assert.Same(docs, await Catalog.DescribeCollectionAsync("default", "latest"));
        Assert.Same(docs, await Catalog.DescribeCollectionByIdAsync(docs.Id));
        Assert.Equal(ConsistencyLevel.Strong, docs.ConsistencyLevel);
        Assert.True(await Catalog.HasCollectionAsync(null, "docs"));
        Assert.True(await Catalog.HasCollectionAsync(null, "latest"));
        Assert.False(await Catalog.HasCollectionAsync(null, "nothing"));
        Assert.Equal(["docs", "other"], (await Catalog.ListCollectionsAsync(null)).Select(c => c.Name));
        Assert.Equal([docs.Id, other.Id], (await Catalog.ListAllCollectionsAsync()).Select(c => c.Id));

        var e = await Fails(ErrorCode.CollectionNotFound, async () => await Catalog.DescribeCollectionAsync(null, "nothing"), "nothing", "default");
        Assert.Equal("collection 'nothing' not found in database 'default'", e.Message);
        var byId = await Assert.ThrowsAsync<QuiverException>(async () => await Catalog.DescribeCollectionByIdAsync(987654));
        Assert.Equal(ErrorCode.CollectionNotFound, byId.Code);
        Assert.Contains("987654", byId.Message);
    }

    [Fact]
    public async Task SameNameInTwoDatabasesIsTwoCollections()
    {
        await Catalog.CreateDatabaseAsync("other");
        var a = await Catalog.CreateCollectionAsync(null, Schema("docs"));
        var b = await Catalog.CreateCollectionAsync("other", Schema("docs"));
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(["docs"], (await Catalog.ListCollectionsAsync("other")).Select(c => c.Name));
        Assert.NotNull(await Catalog.DropCollectionAsync("other", "docs"));
        Assert.Same(a, await Catalog.DescribeCollectionAsync(null, "docs"));
    }

    [Fact]
    public async Task CreatingAgainIsANoOpWithTheSameDefinitionAndAnErrorWithAnother()
    {
        var first = await Catalog.CreateCollectionAsync(null, Schema("docs"), new() { ShardsNum = 2 });
        var again = await Catalog.CreateCollectionAsync(null, Schema("docs"), new() { ShardsNum = 2 });
        Assert.Same(first, again);
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, Schema("docs")), "docs", "default");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null,
            Schema("docs", new FieldSchema("extra", FieldType.Int32)), new() { ShardsNum = 2 }), "docs");
        Assert.Single(await Catalog.ListCollectionsAsync(null));
    }

    [Fact]
    public async Task BadRequestsAreRefused()
    {
        var noVector = new CollectionSchema("bad", [new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true }]);
        await Fails(ErrorCode.IllegalSchema, () => Catalog.CreateCollectionAsync(null, noVector));
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, Schema("bad name")), "bad name");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, Schema("s"), new() { ShardsNum = 0 }), "s");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, Schema("s"), new() { ShardsNum = 17 }), "s");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, Schema("s"), new() { NumPartitions = 4 }), "s");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, Schema("s"), new() { ConsistencyLevel = (ConsistencyLevel)9 }), "s");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, PartitionKeySchema("k"), new() { NumPartitions = 1025 }), "k");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateCollectionAsync(null, PartitionKeySchema("k"), new() { NumPartitions = 0 }), "k");
        Assert.Empty(await Catalog.ListCollectionsAsync(null));
    }

    [Fact]
    public async Task PartitionKeyCollectionsGetTheirPartitions()
    {
        var k = await Catalog.CreateCollectionAsync(null, PartitionKeySchema("tenants"));
        Assert.True(k.HasPartitionKey);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => $"_default_{i}"), k.Partitions.Select(p => p.Name));
        Assert.Equal(16, k.Partitions.Select(p => p.Id).Distinct().Count());

        var big = await Catalog.CreateCollectionAsync(null, PartitionKeySchema("big"), new() { NumPartitions = 1024 });
        Assert.Equal(1024, big.Partitions.Count);
        Assert.Equal("_default_1023", big.Partitions[^1].Name);
        // Ids come in one block: the collection's, then its partitions' in order.
        Assert.Equal(Enumerable.Range(1, 1024).Select(i => big.Id + i), big.Partitions.Select(p => p.Id));

        await ReopenAsync();
        Assert.Equal(1024, (await Catalog.ListPartitionsAsync(null, "big")).Count);
    }

    [Fact]
    public async Task DropReturnsTheDroppedCollectionAndRefusesAnAlias()
    {
        var c = await Catalog.CreateCollectionAsync(null, Schema("docs"));
        await Catalog.CreateAliasAsync(null, "current", "docs");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.DropCollectionAsync(null, "current"), "current", "docs");
        var dropped = await Catalog.DropCollectionAsync(null, "docs");
        Assert.NotNull(dropped);
        Assert.Equal(CollectionState.Dropped, dropped.State);
        Assert.Equal(c.Id, dropped.Id);
        Assert.Equal(c.Partitions, dropped.Partitions);
        Assert.Null(await Catalog.DropCollectionAsync(null, "docs"));
        Assert.False(await Catalog.HasCollectionAsync(null, "docs"));
        Assert.Empty(await Catalog.ListCollectionsAsync(null));
    }

    [Fact]
    public async Task PropertiesAreKeptAndAltered()
    {
        var c = await Catalog.CreateCollectionAsync(null, Schema("docs"),
            new() { Properties = new Dictionary<string, string> { ["collection.ttl.seconds"] = "60", ["mmap.enabled"] = "true" } });
        Assert.Equal("60", c.Properties["collection.ttl.seconds"]);
        await Catalog.CreateAliasAsync(null, "a", "docs");
        var altered = await Catalog.AlterCollectionPropertiesAsync(null, "a",
            new Dictionary<string, string> { ["collection.ttl.seconds"] = "120" }, ["mmap.enabled", "not.there"]);
        Assert.Equal(new Dictionary<string, string> { ["collection.ttl.seconds"] = "120" }, altered.Properties);
        Assert.Same(altered, await Catalog.DescribeCollectionAsync(null, "docs"));
        await Fails(ErrorCode.CollectionNotFound, () => Catalog.AlterCollectionPropertiesAsync(null, "nope", null), "nope");

        await ReopenAsync();
        Assert.Equal(new Dictionary<string, string> { ["collection.ttl.seconds"] = "120" }, (await Catalog.DescribeCollectionAsync(null, "docs")).Properties);
    }

    [Fact]
    public async Task ConcurrentCreatesAllLand()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Catalog.CreateCollectionAsync(null, Schema($"c{i}")))));
        Assert.Equal(8, created.Select(c => c.Id).Distinct().Count());
        Assert.Equal(16, created.SelectMany(c => c.Partitions.Select(p => p.Id).Append(c.Id)).Distinct().Count());
        await ReopenAsync();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"c{i}").Order(), (await Catalog.ListCollectionsAsync(null)).Select(c => c.Name).Order());
    }
}
