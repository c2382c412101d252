using Milvus.Proto.Common;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using static Quiver.Server.Tests.MilvusServerHarness;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;

namespace Quiver.Server.Tests;

/// <summary>Query, count(*), delete, upsert, hybrid search, partitions, aliases, databases and describe over gRPC.</summary>
public sealed class DataFlowTests
{
    private static async Task<(MilvusServerHarness H, Dataset Data)> LoadedAsync(string name = "items", int rows = 200)
    {
        var h = await StartAsync();
        var data = new Dataset(rows, seed: 5);
        Ok(await h.Client.CreateCollectionAsync(Dataset.Create(name)));
        Ok((await h.Client.InsertAsync(data.Insert(name))).Status);
        Ok(await h.Client.CreateIndexAsync(IndexRequest(name, "vec", "FLAT", "L2")));
        Ok(await h.Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        return (h, data);
    }

    private static QueryRequest Query(string collection, string expr, params string[] output)
    {
        var r = new QueryRequest { CollectionName = collection, Expr = expr, UseDefaultConsistency = true };
        r.OutputFields.Add(output);
        return r;
    }

    private static async Task<long> CountAsync(MilvusService.MilvusServiceClient c, string collection, string expr = "")
    {
        var result = await c.QueryAsync(Query(collection, expr, "count(*)"));
        Ok(result.Status);
        var column = Assert.Single(result.FieldsData);
        Assert.Equal("count(*)", column.FieldName);
        Assert.Equal(DataType.Int64, column.Type);
        return Assert.Single(column.Scalars.LongData.Data);
    }

    [Fact]
    public async Task Query_count_delete_and_upsert()
    {
        var (h, data) = await LoadedAsync();
        await using var _ = h;
        var c = h.Client;

        Assert.Equal(200, await CountAsync(c, "items"));
        Assert.Equal(0, await CountAsync(c, "items", "id > 100000"));
        Assert.Equal(data.Scores.Count(s => s > 0.5), await CountAsync(c, "items", "score > 0.5"));

        var rows = await c.QueryAsync(Query("items", "id in [3, 4, 5]", "tag", "meta", "color"));
        Ok(rows.Status);
        var ids = Assert.Single(rows.FieldsData, f => f.FieldName == "id").Scalars.LongData.Data;
        Assert.Equal([3L, 4L, 5L], ids.Order());
        var tags = Assert.Single(rows.FieldsData, f => f.FieldName == "tag").Scalars.StringData.Data;
        var meta = Assert.Single(rows.FieldsData, f => f.FieldName == "meta").Scalars.JsonData.Data;
        var dynamic = Assert.Single(rows.FieldsData, f => f.FieldName == "$meta").Scalars.JsonData.Data;
        for (int i = 0; i < ids.Count; i++)
        {
            Assert.Equal(data.Tags[ids[i]], tags[i]);
            Assert.Contains($"\"n\":{ids[i]}", meta[i].ToStringUtf8());
            Assert.Equal($"{{\"color\":\"{(ids[i] % 3 == 0 ? "red" : "blue")}\"}}", dynamic[i].ToStringUtf8());
        }

        // Paging with limit/offset in query_params.
        var page = Query("items", "id >= 0", "id");
        page.QueryParams.Add(new KeyValuePair { Key = "limit", Value = "5" });
        page.QueryParams.Add(new KeyValuePair { Key = "offset", Value = "10" });
        var paged = await c.QueryAsync(page);
        Ok(paged.Status);
        Assert.Equal(5, Assert.Single(paged.FieldsData, f => f.FieldName == "id").Scalars.LongData.Data.Count);

        // Filter with a template value.
        var templated = Query("items", "id in {ids}", "id");
        templated.ExprTemplateValues["ids"] = new TemplateValue { ArrayVal = new TemplateArrayValue { LongData = new LongArray { Data = { 7, 8 } } } };
        var t = await c.QueryAsync(templated);
        Ok(t.Status);
        Assert.Equal([7L, 8L], t.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());

        var deleted = await c.DeleteAsync(new DeleteRequest { CollectionName = "items", Expr = "id in [1, 2, 3]" });
        Ok(deleted.Status);
        Assert.Equal(3, deleted.DeleteCnt);
        Assert.Equal(197, await CountAsync(c, "items"));
        Assert.Equal(0, await CountAsync(c, "items", "id in [1, 2, 3]"));

        var upsert = new UpsertRequest { CollectionName = "items", NumRows = 2 };
        upsert.FieldsData.Add(Longs("id", [4, 1000]));
        upsert.FieldsData.Add(Strings("tag", ["changed", "new"]));
        upsert.FieldsData.Add(Doubles("score", [0.25, 0.75]));
        upsert.FieldsData.Add(Json("meta", ["{}", "{}"]));
        upsert.FieldsData.Add(FloatVectors("vec", Dataset.Dim, Enumerable.Repeat(0.5f, 2 * Dataset.Dim)));
        upsert.FieldsData.Add(Json("$meta", ["{}", "{}"], dynamic: true));
        var upserted = await c.UpsertAsync(upsert);
        Ok(upserted.Status);
        Assert.Equal(2, upserted.UpsertCnt);
        Assert.Equal(198, await CountAsync(c, "items"));
        var after = await c.QueryAsync(Query("items", "id in [4, 1000]", "tag"));
        Ok(after.Status);
        var afterIds = after.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var afterTags = after.FieldsData.Single(f => f.FieldName == "tag").Scalars.StringData.Data;
        Assert.Equal("changed", afterTags[afterIds.IndexOf(4)]);
        Assert.Equal("new", afterTags[afterIds.IndexOf(1000)]);

        var compaction = await c.ManualCompactionAsync(new ManualCompactionRequest { CollectionName = "items" });
        Ok(compaction.Status);
        Assert.NotEqual(0, compaction.CompactionID);
        Assert.Equal(CompactionState.Completed, (await c.GetCompactionStateAsync(new GetCompactionStateRequest { CompactionID = compaction.CompactionID })).State);
        var ts = await c.AllocTimestampAsync(new AllocTimestampRequest());
        Ok(ts.Status);
        Assert.True(ts.Timestamp > upserted.Timestamp);
        var strong = Query("items", "id in [4]", "tag");
        strong.UseDefaultConsistency = false;
        strong.GuaranteeTimestamp = ts.Timestamp;
        Assert.Equal("changed", (await c.QueryAsync(strong)).FieldsData.Single(f => f.FieldName == "tag").Scalars.StringData.Data[0]);
        Assert.Equal(198, await CountAsync(c, "items"));

        var stats = await c.GetCollectionStatisticsAsync(new GetCollectionStatisticsRequest { CollectionName = "items" });
        Ok(stats.Status);
        Assert.Equal("198", stats.Stats.Single(s => s.Key == "row_count").Value);
    }

    [Fact]
    public async Task Hybrid_search_fuses_sub_searches()
    {
        var (h, data) = await LoadedAsync();
        await using var _ = h;
        var c = h.Client;
        var q = Dataset.Queries(2, seed: 9);
        var single = await c.SearchAsync(Search("items", "vec", q, 10, "L2", "", "{}", "id"));
        Ok(single.Status);

        var hybrid = new HybridSearchRequest { CollectionName = "items", UseDefaultConsistency = true, OutputFields = { "tag" } };
        hybrid.Requests.Add(Search("items", "vec", q, 10, "L2"));
        hybrid.Requests.Add(Search("items", "vec", q, 10, "L2"));
        hybrid.RankParams.Add(new KeyValuePair { Key = "strategy", Value = "rrf" });
        hybrid.RankParams.Add(new KeyValuePair { Key = "params", Value = "{\"k\":60}" });
        hybrid.RankParams.Add(new KeyValuePair { Key = "limit", Value = "10" });
        hybrid.RankParams.Add(new KeyValuePair { Key = "round_decimal", Value = "-1" });
        var fused = await c.HybridSearchAsync(hybrid);
        Ok(fused.Status);
        // Two identical lists fused by RRF keep their order.
        Assert.Equal(single.Results.Ids.IntId.Data, fused.Results.Ids.IntId.Data);
        Assert.Equal([10L, 10L], fused.Results.Topks);
        var tags = fused.Results.FieldsData.Single(f => f.FieldName == "tag").Scalars.StringData.Data;
        Assert.Equal(fused.Results.Ids.IntId.Data.Select(id => data.Tags[id]), tags);

        // Weighted ranking with a filter on one side: every hit of the fused list is a row of either side.
        var weighted = new HybridSearchRequest { CollectionName = "items", UseDefaultConsistency = true };
        weighted.Requests.Add(Search("items", "vec", [q[0]], 5, "L2", "score > 0.5"));
        weighted.Requests.Add(Search("items", "vec", [q[0]], 5, "L2", "score <= 0.5"));
        weighted.RankParams.Add(new KeyValuePair { Key = "strategy", Value = "weighted" });
        weighted.RankParams.Add(new KeyValuePair { Key = "params", Value = "{\"weights\":[0.5,0.5]}" });
        weighted.RankParams.Add(new KeyValuePair { Key = "limit", Value = "10" });
        var w = await c.HybridSearchAsync(weighted);
        Ok(w.Status);
        var expected = data.BruteForce("L2", q[0], 5, i => data.Scores[i] > 0.5).Concat(data.BruteForce("L2", q[0], 5, i => data.Scores[i] <= 0.5))
            .Select(e => e.Id).Order();
        Assert.Equal(expected, w.Results.Ids.IntId.Data.Order());
    }

    [Fact]
    public async Task Partitions_aliases_and_describe()
    {
        var (h, data) = await LoadedAsync();
        await using var _ = h;
        var c = h.Client;

        Ok(await c.CreatePartitionAsync(new CreatePartitionRequest { CollectionName = "items", PartitionName = "p1" }));
        Assert.True((await c.HasPartitionAsync(new HasPartitionRequest { CollectionName = "items", PartitionName = "p1" })).Value);
        Assert.False((await c.HasPartitionAsync(new HasPartitionRequest { CollectionName = "items", PartitionName = "p2" })).Value);
        var show = await c.ShowPartitionsAsync(new ShowPartitionsRequest { CollectionName = "items" });
        Ok(show.Status);
        Assert.Equal(["_default", "p1"], show.PartitionNames.Order());
        Assert.Equal(2, show.PartitionIDs.Count);

        var more = new Dataset(20, seed: 99, firstId: 5000);
        Ok((await c.InsertAsync(more.Insert("items", "p1"))).Status);
        Ok(await c.LoadPartitionsAsync(new LoadPartitionsRequest { CollectionName = "items", PartitionNames = { "p1" } }));
        var q = Dataset.Queries(1, seed: 1);
        var inP1 = Search("items", "vec", q, 30, "L2");
        inP1.PartitionNames.Add("p1");
        var p1 = await c.SearchAsync(inP1);
        Ok(p1.Status);
        Assert.Equal(more.BruteForce("L2", q[0], 20).Select(e => e.Id), p1.Results.Ids.IntId.Data);
        var pstats = await c.GetPartitionStatisticsAsync(new GetPartitionStatisticsRequest { CollectionName = "items", PartitionName = "p1" });
        Ok(pstats.Status);
        Assert.Equal("20", pstats.Stats.Single(s => s.Key == "row_count").Value);

        // Releasing _default leaves p1 searchable; naming a released partition is PartitionNotLoaded (201).
        Ok(await c.ReleasePartitionsAsync(new ReleasePartitionsRequest { CollectionName = "items", PartitionNames = { "_default" } }));
        var state = await c.GetLoadStateAsync(new GetLoadStateRequest { CollectionName = "items", PartitionNames = { "_default" } });
        Ok(state.Status);
        Assert.Equal(global::Milvus.Proto.Common.LoadState.NotLoad, state.State);
        Assert.Equal(global::Milvus.Proto.Common.LoadState.Loaded, (await c.GetLoadStateAsync(new GetLoadStateRequest { CollectionName = "items", PartitionNames = { "p1" } })).State);
        var everywhere = await c.SearchAsync(Search("items", "vec", q, 30, "L2"));
        Ok(everywhere.Status);
        Assert.Equal(more.BruteForce("L2", q[0], 20).Select(e => e.Id), everywhere.Results.Ids.IntId.Data);
        var inDefault = Search("items", "vec", q, 5, "L2");
        inDefault.PartitionNames.Add("_default");
        Failed((await c.SearchAsync(inDefault)).Status, 201, "not loaded");
        var partitionsShown = await c.ShowPartitionsAsync(new ShowPartitionsRequest { CollectionName = "items" });
        Assert.Equal([0L, 100L], partitionsShown.PartitionNames.Zip(partitionsShown.InMemoryPercentages).OrderBy(p => p.First).Select(p => p.Second));
        Ok(await c.LoadPartitionsAsync(new LoadPartitionsRequest { CollectionName = "items", PartitionNames = { "_default" } }));
        Ok((await c.SearchAsync(inDefault)).Status);

        // Aliases.
        Ok(await c.CreateAliasAsync(new CreateAliasRequest { CollectionName = "items", Alias = "current" }));
        var alias = await c.DescribeAliasAsync(new DescribeAliasRequest { Alias = "current" });
        Ok(alias.Status);
        Assert.Equal("items", alias.Collection);
        var list = await c.ListAliasesAsync(new ListAliasesRequest { CollectionName = "items" });
        Assert.Equal(["current"], list.Aliases);
        var viaAlias = await c.SearchAsync(Search("current", "vec", q, 3, "L2"));
        Ok(viaAlias.Status);
        Assert.Equal(3, viaAlias.Results.Ids.IntId.Data.Count);
        var described = await c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "items" });
        Ok(described.Status);
        Assert.Equal(["current"], described.Aliases);
        Assert.Equal(["id", "tag", "score", "meta", "vec"], described.Schema.Fields.Select(f => f.Name));
        Assert.Equal([100L, 101L, 102L, 103L, 104L], described.Schema.Fields.Select(f => f.FieldID));
        Assert.True(described.Schema.EnableDynamicField);
        Assert.Equal("8", described.Schema.Fields[4].TypeParams.Single(p => p.Key == "dim").Value);
        Assert.Equal("32", described.Schema.Fields[1].TypeParams.Single(p => p.Key == "max_length").Value);
        Assert.Equal(ConsistencyLevel.Strong, described.ConsistencyLevel);
        Assert.Equal(1, described.ShardsNum);
        Assert.NotEqual(0UL, described.CreatedTimestamp);
        Assert.NotEqual(0L, described.CollectionID);
        var byId = await c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionID = described.CollectionID });
        Ok(byId.Status);
        Assert.Equal("items", byId.CollectionName);

        Ok(await c.CreateCollectionAsync(Dataset.Create("other")));
        Ok(await c.AlterAliasAsync(new AlterAliasRequest { CollectionName = "other", Alias = "current" }));
        Assert.Equal("other", (await c.DescribeAliasAsync(new DescribeAliasRequest { Alias = "current" })).Collection);
        Ok(await c.DropAliasAsync(new DropAliasRequest { Alias = "current" }));
        Failed((await c.DescribeAliasAsync(new DescribeAliasRequest { Alias = "current" })).Status, 1600);

        var shown = await c.ShowCollectionsAsync(new ShowCollectionsRequest());
        Ok(shown.Status);
        Assert.Equal(["items", "other"], shown.CollectionNames.Order());
        Assert.Equal(2, shown.CreatedUtcTimestamps.Count);

        Ok(await c.AlterCollectionAsync(new AlterCollectionRequest { CollectionName = "items", Properties = { new KeyValuePair { Key = "collection.ttl.seconds", Value = "60" } } }));
        var altered = await c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "items" });
        Assert.Contains(altered.Properties, p => p.Key == "collection.ttl.seconds" && p.Value == "60");

        Ok(await c.ReleaseCollectionAsync(new ReleaseCollectionRequest { CollectionName = "items" }));
        Ok(await c.DropPartitionAsync(new DropPartitionRequest { CollectionName = "items", PartitionName = "p1" }));
        Assert.False((await c.HasPartitionAsync(new HasPartitionRequest { CollectionName = "items", PartitionName = "p1" })).Value);
        Ok(await c.DropIndexAsync(new DropIndexRequest { CollectionName = "items", FieldName = "vec" }));
        Failed((await c.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = "items" })).Status, 700);
    }

    [Fact]
    public async Task Databases_are_selected_by_request_or_dbname_metadata()
    {
        await using var h = await StartAsync();
        var c = h.Client;
        Ok(await c.CreateDatabaseAsync(new CreateDatabaseRequest { DbName = "analytics" }));
        var dbs = await c.ListDatabasesAsync(new ListDatabasesRequest());
        Ok(dbs.Status);
        Assert.Contains("analytics", dbs.DbNames);
        Assert.Contains("default", dbs.DbNames);

        var inDb = new Grpc.Core.Metadata { { "dbname", "analytics" } };
        Ok(await c.CreateCollectionAsync(Dataset.Create("events"), inDb));
        Assert.True((await c.HasCollectionAsync(new HasCollectionRequest { CollectionName = "events" }, inDb)).Value);
        Assert.True((await c.HasCollectionAsync(new HasCollectionRequest { CollectionName = "events", DbName = "analytics" })).Value);
        Assert.False((await c.HasCollectionAsync(new HasCollectionRequest { CollectionName = "events" })).Value);
        var described = await c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "events" }, inDb);
        Ok(described.Status);
        Assert.Equal("analytics", described.DbName);
        var describeDb = await c.DescribeDatabaseAsync(new DescribeDatabaseRequest { DbName = "analytics" });
        Ok(describeDb.Status);
        Assert.Equal("analytics", describeDb.DbName);

        Ok(await c.AlterDatabaseAsync(new AlterDatabaseRequest { DbName = "analytics", Properties = { new KeyValuePair { Key = "database.max.collections", Value = "10" } } }));
        var altered = await c.DescribeDatabaseAsync(new DescribeDatabaseRequest { DbName = "analytics" });
        Assert.Contains(altered.Properties, p => p.Key == "database.max.collections" && p.Value == "10");

        Ok(await c.DropCollectionAsync(new DropCollectionRequest { CollectionName = "events", DbName = "analytics" }));
        Ok(await c.DropDatabaseAsync(new DropDatabaseRequest { DbName = "analytics" }));
        Assert.DoesNotContain("analytics", (await c.ListDatabasesAsync(new ListDatabasesRequest())).DbNames);
    }

    [Fact]
    public async Task Version_health_and_nullable_columns()
    {
        await using var h = await StartAsync();
        var c = h.Client;
        var version = await c.GetVersionAsync(new GetVersionRequest());
        Ok(version.Status);
        Assert.StartsWith("v2.6", version.Version);
        var health = await c.CheckHealthAsync(new CheckHealthRequest());
        Ok(health.Status);
        Assert.True(health.IsHealthy);
        var states = await c.GetComponentStatesAsync(new GetComponentStatesRequest());
        Ok(states.Status);
        Assert.Equal(StateCode.Healthy, states.State.StateCode);

        Ok(await c.CreateCollectionAsync(CreateRequest("nulls", false,
            Field("pk", DataType.VarChar, pk: true, maxLength: 16),
            Field("n", DataType.Int32, nullable: true),
            Field("v", DataType.FloatVector, dim: 2))));
        var insert = new InsertRequest { CollectionName = "nulls", NumRows = 3 };
        insert.FieldsData.Add(Strings("pk", ["a", "b", "c"]));
        // Only the valid rows' values, as pymilvus sends nullable columns.
        var n = new FieldData { Type = DataType.Int32, FieldName = "n", Scalars = new ScalarField { IntData = new IntArray { Data = { 10, 30 } } } };
        n.ValidData.Add([true, false, true]);
        insert.FieldsData.Add(n);
        insert.FieldsData.Add(FloatVectors("v", 2, [1, 0, 0, 1, 1, 1]));
        var result = await c.InsertAsync(insert);
        Ok(result.Status);
        Assert.Equal(["a", "b", "c"], result.IDs.StrId.Data);
        Ok(await c.CreateIndexAsync(IndexRequest("nulls", "v", "FLAT", "IP")));
        Ok(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "nulls" }));
        var rows = await c.QueryAsync(new QueryRequest { CollectionName = "nulls", Expr = "pk in [\"a\", \"b\", \"c\"]", OutputFields = { "n" } });
        Ok(rows.Status);
        var pks = rows.FieldsData.Single(f => f.FieldName == "pk").Scalars.StringData.Data;
        var column = rows.FieldsData.Single(f => f.FieldName == "n");
        int b = pks.IndexOf("b"), a = pks.IndexOf("a");
        Assert.False(column.ValidData[b]);
        Assert.True(column.ValidData[a]);
        Assert.Equal(10, column.Scalars.IntData.Data[a]);
        var search = await c.SearchAsync(Search("nulls", "v", [[1f, 1f]], 3, "IP"));
        Ok(search.Status);
        Assert.Equal("c", search.Results.Ids.StrId.Data[0]);
    }

    [Fact]
    public async Task Range_search_and_partition_key_collections()
    {
        var (h, data) = await LoadedAsync();
        await using var _ = h;
        var c = h.Client;
        var q = Dataset.Queries(1, seed: 21);
        // L2 range search: range_filter <= distance < radius.
        var ring = await c.SearchAsync(Search("items", "vec", q, 100, "L2", "", "{\"radius\":2.0,\"range_filter\":1.0}"));
        Ok(ring.Status);
        var expected = data.BruteForce("L2", q[0], 300).Where(e => e.Score >= 1.0f && e.Score < 2.0f).Take(100).Select(e => e.Id).Order();
        Assert.NotEmpty(ring.Results.Scores);
        Assert.All(ring.Results.Scores, s => Assert.InRange(s, 1.0f, 2.0f));
        Assert.Equal(expected, ring.Results.Ids.IntId.Data.Order());

        var key = Field("tenant", DataType.Int64);
        key.IsPartitionKey = true;
        var create = CreateRequest("tenants", false, Field("id", DataType.Int64, pk: true), key, Field("v", DataType.FloatVector, dim: 2));
        create.NumPartitions = 4;
        Ok(await c.CreateCollectionAsync(create));
        var described = await c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "tenants" });
        Ok(described.Status);
        Assert.Equal(4, described.NumPartitions);
        Assert.True(described.Schema.Fields.Single(f => f.Name == "tenant").IsPartitionKey);
        Assert.Equal(4, (await c.ShowPartitionsAsync(new ShowPartitionsRequest { CollectionName = "tenants" })).PartitionNames.Count);
        var insert = new InsertRequest { CollectionName = "tenants", NumRows = 4 };
        insert.FieldsData.Add(Longs("id", [1, 2, 3, 4]));
        insert.FieldsData.Add(Longs("tenant", [7, 7, 8, 9]));
        insert.FieldsData.Add(FloatVectors("v", 2, [1, 0, 0, 1, 1, 1, 0.5f, 0.5f]));
        Ok((await c.InsertAsync(insert)).Status);
        Ok(await c.CreateIndexAsync(IndexRequest("tenants", "v", "FLAT", "IP")));
        Ok(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "tenants" }));
        var tenant7 = await c.SearchAsync(Search("tenants", "v", [[1f, 1f]], 10, "IP", "tenant == 7"));
        Ok(tenant7.Status);
        Assert.Equal([1L, 2L], tenant7.Results.Ids.IntId.Data.Order());
    }
}
