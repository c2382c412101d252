using System.Text;
using System.Text.Json;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Coordinator;

public class CatalogPersistenceTests : CatalogHarness
{
    private static CollectionSchema RichSchema() => new("rich",
    [
        new FieldSchema("pk", FieldType.VarChar) { IsPrimaryKey = true, MaxLength = 36, Description = "uuid" },
        new FieldSchema("emb", FieldType.FloatVector) { Dim = 128 },
        new FieldSchema("half", FieldType.Float16Vector) { Dim = 16 },
        new FieldSchema("flag", FieldType.Bool) { DefaultValue = true },
        new FieldSchema("small", FieldType.Int8) { DefaultValue = -7L, Nullable = true },
        new FieldSchema("count", FieldType.Int64) { DefaultValue = long.MaxValue },
        new FieldSchema("score", FieldType.Float) { DefaultValue = 0.1 },
        new FieldSchema("ratio", FieldType.Double) { DefaultValue = double.NaN },
        new FieldSchema("big", FieldType.Double) { DefaultValue = double.NegativeInfinity },
        new FieldSchema("title", FieldType.VarChar) { MaxLength = 200, DefaultValue = "untitled \"é\" ✓" },
        new FieldSchema("tags", FieldType.Array) { ElementType = FieldType.VarChar, MaxLength = 20, MaxCapacity = 8 },
        new FieldSchema("meta", FieldType.Json) { Nullable = true },
        new FieldSchema("tenant", FieldType.Int64) { IsPartitionKey = true },
    ])
    {
        Description = "every kind of field",
        EnableDynamicField = true,
    };

    [Fact]
    public async Task EverythingSurvivesReopen()
    {
        await Catalog.CreateDatabaseAsync("shop", new Dictionary<string, string> { ["owner"] = "ops" });
        var rich = await Catalog.CreateCollectionAsync("shop", RichSchema(), new()
        {
            ShardsNum = 2,
            NumPartitions = 5,
            ConsistencyLevel = ConsistencyLevel.Session,
            Properties = new Dictionary<string, string> { ["mmap.enabled"] = "true" },
        });
        var docs = await Catalog.CreateCollectionAsync(null, Schema("docs"));
        await Catalog.CreatePartitionAsync(null, "docs", "recent");
        docs = await Catalog.DescribeCollectionAsync(null, "docs");
        var alias = await Catalog.CreateAliasAsync("shop", "products", "rich");
        var index = await Catalog.CreateIndexAsync("shop", "rich", new IndexSpec("emb", "HNSW", "IP", new Dictionary<string, string> { ["M"] = "8" }));
        var dbs = await Catalog.ListDatabasesAsync();

        await ReopenAsync();

        Assert.Equal(dbs.Select(d => (d.Id, d.Name, d.CreatedTs)), (await Catalog.ListDatabasesAsync()).Select(d => (d.Id, d.Name, d.CreatedTs)));
        Assert.Equal("ops", (await Catalog.DescribeDatabaseAsync("shop")).Properties["owner"]);
        AssertSameCollection(rich, await Catalog.DescribeCollectionAsync("shop", "rich"));
        AssertSameCollection(docs, await Catalog.DescribeCollectionAsync(null, "docs"));
        Assert.Equal(alias, await Catalog.DescribeAliasAsync("shop", "products"));
        Assert.Equal(rich.Id, (await Catalog.DescribeCollectionAsync("shop", "products")).Id);
        var reIndex = await Catalog.DescribeIndexAsync("shop", "rich", "emb");
        Assert.Equal(index with { Params = reIndex.Params }, reIndex);

        // Default values come back typed by the field's data type.
        var fields = (await Catalog.DescribeCollectionAsync("shop", "rich")).Schema.Fields;
        Assert.IsType<bool>(fields.Single(f => f.Name == "flag").DefaultValue);
        Assert.IsType<long>(fields.Single(f => f.Name == "small").DefaultValue);
        Assert.Equal(long.MaxValue, fields.Single(f => f.Name == "count").DefaultValue);
        Assert.Equal(0.1, fields.Single(f => f.Name == "score").DefaultValue);
        Assert.True(double.IsNaN((double)fields.Single(f => f.Name == "ratio").DefaultValue!));
        Assert.Equal(double.NegativeInfinity, fields.Single(f => f.Name == "big").DefaultValue);
        Assert.Equal("untitled \"é\" ✓", fields.Single(f => f.Name == "title").DefaultValue);
        Assert.Null(fields.Single(f => f.Name == "meta").DefaultValue);
        Assert.Equal(Enumerable.Range(0, 13).Select(i => 100L + i), fields.Select(f => f.FieldId));

        // Ids and timestamps handed out after the restart are new.
        var later = await Catalog.CreateCollectionAsync(null, Schema("later"));
        Assert.True(later.Id > rich.Partitions.Max(p => p.Id));
        Assert.True(later.CreatedTs > index.CreatedTs);
    }

    [Fact]
    public async Task RecordsAreVersionedJsonUnderTheCoordinatorPrefix()
    {
        var c = await Catalog.CreateCollectionAsync(null, Schema("docs"));
        string prefix = CoordinatorKeys.CatalogPrefix(Root);
        Assert.Equal("quiver/meta/coordinator/catalog/", prefix);
        var kv = await Meta.GetAsync($"{prefix}collections/1/{c.Id}");
        Assert.NotNull(kv);
        using var json = JsonDocument.Parse(kv.Value);
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal("docs", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(101, json.RootElement.GetProperty("schema").GetProperty("fields")[1].GetProperty("dataType").GetInt32());
        Assert.NotNull(await Meta.GetAsync($"{prefix}databases/1"));
        Assert.NotNull(await Meta.GetAsync($"{prefix}epoch"));
        Assert.NotNull(await Meta.GetAsync(CoordinatorKeys.Tso(Root)));
        Assert.NotNull(await Meta.GetAsync(CoordinatorKeys.Ids(Root)));
    }

    [Fact]
    public async Task DropCascadesToPartitionsAliasesAndIndexes()
    {
        var c = await Catalog.CreateCollectionAsync(null, Schema("docs"));
        await Catalog.CreatePartitionAsync(null, "docs", "p1");
        await Catalog.CreateAliasAsync(null, "a1", "docs");
        await Catalog.CreateAliasAsync(null, "a2", "docs");
        await Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "FLAT"));
        var keep = await Catalog.CreateCollectionAsync(null, Schema("keep"));
        await Catalog.CreateAliasAsync(null, "k", "keep");
        await Catalog.CreateIndexAsync(null, "keep", new IndexSpec("vec", "FLAT"));

        var dropped = await Catalog.DropCollectionAsync(null, "docs");
        Assert.Equal(["_default", "p1"], dropped!.Partitions.Select(p => p.Name));

        string prefix = CoordinatorKeys.CatalogPrefix(Root);
        Assert.Empty(await Meta.RangeAsync($"{prefix}aliases/{c.Id}/"));
        Assert.Empty(await Meta.RangeAsync($"{prefix}indexes/{c.Id}/"));
        Assert.Empty(await Meta.RangeAsync($"{prefix}collections/1/{c.Id}"));
        await Fails(ErrorCode.AliasNotFound, async () => await Catalog.DescribeAliasAsync(null, "a1"), "a1");
        Assert.Equal(["k"], (await Catalog.ListAliasesAsync(null)).Select(a => a.Alias));

        // A new collection of the same name starts clean, and the aliases' names are free.
        var again = await Catalog.CreateCollectionAsync(null, Schema("docs"));
        Assert.NotEqual(c.Id, again.Id);
        Assert.Empty(await Catalog.ListIndexesAsync(null, "docs"));
        await Catalog.CreateAliasAsync(null, "a1", "docs");

        await ReopenAsync();
        Assert.Equal(["a1", "k"], (await Catalog.ListAliasesAsync(null)).Select(a => a.Alias));
        Assert.Empty(await Catalog.ListIndexesAsync(null, "docs"));
        Assert.Single(await Catalog.ListIndexesAsync(null, "keep"));
        Assert.Equal(keep.Id, (await Catalog.DescribeCollectionAsync(null, "k")).Id);
    }

    [Fact]
    public async Task ASecondWriterIsNoticedByCompareAndSwap()
    {
        var other = await Catalog.OpenAsync(Meta, Root, Ids, Tso);
        await Catalog.CreateCollectionAsync(null, Schema("from_first"));
        // The second catalog's picture is stale: its transaction fails, it reloads and plans again.
        await other.CreateCollectionAsync(null, Schema("from_second"));
        Assert.Equal(["from_first", "from_second"], (await other.ListCollectionsAsync(null)).Select(c => c.Name));
        // A stale create of a name the other one took is judged against the fresh picture.
        await Catalog.CreateAliasAsync(null, "second", "from_first");
        await Fails(ErrorCode.AliasCollectionNameConflict, () => other.CreateCollectionAsync(null, Schema("second")), "second");
        await Fails(ErrorCode.AliasAlreadyExists, () => other.CreateAliasAsync(null, "second", "from_second"), "second");
    }

    [Fact]
    public async Task ARecordOfANewerVersionIsRefusedWithItsKey()
    {
        string key = $"{CoordinatorKeys.CatalogPrefix(Root)}databases/77";
        await Meta.PutAsync(key, Encoding.UTF8.GetBytes("""{"version":2,"id":77,"name":"future"}"""));
        var e = await Assert.ThrowsAsync<QuiverException>(ReopenAsync);
        Assert.Equal(ErrorCode.DataCorrupted, e.Code);
        Assert.Contains(key, e.Message);
        Assert.Contains("version 2", e.Message);
    }

    [Fact]
    public async Task DamagedJsonIsRefusedWithItsKey()
    {
        string key = $"{CoordinatorKeys.CatalogPrefix(Root)}collections/1/5";
        await Meta.PutAsync(key, "{\"version\":1,"u8.ToArray());
        var e = await Assert.ThrowsAsync<QuiverException>(ReopenAsync);
        Assert.Equal(ErrorCode.DataCorrupted, e.Code);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public async Task AWriteWhoseReplyWasLostIsSeenAfterwards()
    {
        var flaky = new LostReplyMetaStore(Meta);
        var catalog = await Catalog.OpenAsync(flaky, Root, Ids, Tso);
        flaky.LoseNextTxnReply();
        var e = await Assert.ThrowsAsync<QuiverException>(() => catalog.CreateCollectionAsync(null, Schema("docs")));
        Assert.Equal(ErrorCode.Unavailable, e.Code);
        Assert.True(e.Retriable);
        // The create landed: reads see it, and the client's retry is answered with it.
        var landed = await catalog.DescribeCollectionAsync(null, "docs");
        Assert.Same(landed, await catalog.CreateCollectionAsync(null, Schema("docs")));
        await catalog.CreatePartitionAsync(null, "docs", "p");
        await ReopenAsync();
        Assert.Equal(["_default", "p"], (await Catalog.ListPartitionsAsync(null, "docs")).Select(p => p.Name));
    }
}
