using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Kernel.Distance;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Client;

public class QuiverClientTests
{
    private const int Dim = 16;

    private static QuiverClientOptions Small => new() { WalPageSizeBits = 20, WalMemorySizeBits = 22, WalSegmentSizeBits = 24 };

    private static CollectionSchema Docs(bool autoId = false) => new("docs",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true, AutoId = autoId },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
        new FieldSchema("title", FieldType.VarChar) { MaxLength = 64, Nullable = true },
        new FieldSchema("year", FieldType.Int32) { DefaultValue = 2000L },
    ]);

    private static float[] Vectors(int n, int seed)
    {
        var r = new Random(seed);
        var v = new float[n * Dim];
        for (int i = 0; i < v.Length; i++) v[i] = (float)r.NextDouble();
        return v;
    }

    private static InsertData Rows(long firstId, float[] vectors)
    {
        int n = vectors.Length / Dim;
        return new InsertData(n)
            .Column("id", Enumerable.Range(0, n).Select(i => firstId + i).ToArray())
            .Column("vec", vectors)
            .Column("title", Enumerable.Range(0, n).Select(i => (firstId + i) % 3 == 0 ? null : $"doc {firstId + i}").ToArray())
            .Column("year", Enumerable.Range(0, n).Select(i => 1990 + (int)((firstId + i) % 30)).ToArray());
    }

    [Fact]
    public async Task SearchThroughTheEngineEqualsTheBareFlatIndex()
    {
        using var dir = new ScratchDirectory("client");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        await client.CreateCollectionAsync(Docs(), new CreateCollectionOptions { ShardsNum = 3 });
        var vectors = Vectors(3000, 1);
        for (int b = 0; b < 3; b++)
            await client.InsertAsync("docs", Rows(b * 1000, vectors.AsSpan(b * 1000 * Dim, 1000 * Dim).ToArray()));
        Assert.Equal(3000, await client.CountAsync("docs"));

        using var flat = FlatIndex.Create(Metric.L2, Dim);
        flat.AddRange(vectors);
        var queries = Vectors(20, 2);
        var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = queries, Limit = 10, Metric = "L2", OutputFields = ["title", "year"] });
        Assert.Equal(20, hits.Count);
        var ids = new int[10];
        var distances = new float[10];
        for (int q = 0; q < 20; q++)
        {
            flat.Search(queries.AsSpan(q * Dim, Dim), 10, ids, distances);
            Assert.Equal(ids.Select(i => (object)(long)i), hits[q].Select(h => h.Id));
            for (int i = 0; i < 10; i++) Assert.Equal(distances[i], hits[q][i].Distance, 4);
            var top = hits[q][0];
            long id = (long)top.Id;
            Assert.Equal(id % 3 == 0 ? null : $"doc {id}", top.Fields["title"]);
            Assert.Equal(1990 + (int)(id % 30), top.Fields["year"]);
        }

        // offset/limit page through the same ranking; round_decimal rounds.
        var page = await client.SearchAsync("docs", new SearchRequest { Vectors = queries[..Dim], Limit = 5, Offset = 5, Metric = "L2", RoundDecimal = 2 });
        flat.Search(queries.AsSpan(0, Dim), 10, ids, distances);
        Assert.Equal(ids[5..10].Select(i => (object)(long)i), page[0].Select(h => h.Id));
        Assert.Equal(MathF.Round(distances[5], 2), page[0][0].Distance, 5);
    }

    [Fact]
    public async Task DeletesAndUpsertsNeverReturnStaleRowsAcrossRestart()
    {
        using var dir = new ScratchDirectory("client");
        var vectors = Vectors(500, 3);
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(Docs(), new CreateCollectionOptions { ShardsNum = 2 });
            await client.InsertAsync("docs", Rows(0, vectors));
            await client.DeleteAsync("docs", Enumerable.Range(0, 100).Select(i => (long)i).ToArray());
            // Upsert ids 100..149 with new vectors and titles.
            var replaced = Rows(100, Vectors(50, 4)).Column("title", Enumerable.Range(0, 50).Select(i => (string?)"new").ToArray());
            var result = await client.UpsertAsync("docs", replaced);
            Assert.Equal(50, result.UpsertCount);
            await AssertState(client);
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
            await AssertState(client);

        async Task AssertState(QuiverClient client)
        {
            Assert.Equal(400, await client.CountAsync("docs"));
            Assert.Empty(await client.GetAsync("docs", new long[] { 0, 50, 99 }));
            var rows = await client.GetAsync("docs", new long[] { 100, 149, 150 }, ["id", "title"]);
            Assert.Equal(new object?[] { 100L, 149L, 150L }, rows.Select(r => r["id"]));
            Assert.Equal(new object?[] { "new", "new", null }, rows.Select(r => r["title"])); // 150 % 3 == 0: inserted without a title
            // Searching for a deleted row's vector never returns it; an upserted row comes back once, with its new value.
            var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = vectors[..(Dim * 5)], Limit = 20, Metric = "L2", OutputFields = ["title"] });
            foreach (var list in hits)
            {
                Assert.All(list, h => Assert.True((long)h.Id >= 100));
                Assert.Equal(list.Count, list.Select(h => h.Id).Distinct().Count());
                Assert.All(list.Where(h => (long)h.Id < 150), h => Assert.Equal("new", h.Fields["title"]));
            }
        }
    }

    [Fact]
    public async Task BadWritesChangeNothingAndNameTheProblem()
    {
        using var dir = new ScratchDirectory("client");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        await client.CreateCollectionAsync(Docs());
        await client.InsertAsync("docs", Rows(0, Vectors(10, 5)));
        var e = await Assert.ThrowsAsync<QuiverException>(() => client.InsertAsync("docs", Rows(10, new float[Dim * 3 - 1])));
        Assert.Equal(ErrorCode.ParameterInvalid, e.Code);
        Assert.Equal(10, await client.CountAsync("docs"));
        e = await Assert.ThrowsAsync<QuiverException>(() => client.InsertAsync("nope", Rows(0, Vectors(1, 1))));
        Assert.Equal(ErrorCode.CollectionNotFound, e.Code);
        e = await Assert.ThrowsAsync<QuiverException>(() => client.InsertAsync("docs", Rows(0, Vectors(1, 1)), partition: "p9"));
        Assert.Equal(ErrorCode.PartitionNotFound, e.Code);
        e = await Assert.ThrowsAsync<QuiverException>(() => client.SearchAsync("docs", new SearchRequest { Vectors = new float[Dim], Limit = 16000, Offset = 1000 }));
        Assert.Contains("16384", e.Message);
        e = await Assert.ThrowsAsync<QuiverException>(() => client.SearchAsync("docs", new SearchRequest { Vectors = new float[Dim + 1] }));
        Assert.Contains("dim 16", e.Message);
        e = await Assert.ThrowsAsync<QuiverException>(() => client.DeleteAsync("docs", new[] { "a" }));
        Assert.Contains("long[]", e.Message);
    }

    [Fact]
    public async Task CollectionsPartitionsAndAliases()
    {
        using var dir = new ScratchDirectory("client");
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(Docs(autoId: true));
            Assert.Equal(["docs"], await client.ListCollectionsAsync());
            await client.CreatePartitionAsync("docs", "recent");
            var auto = new InsertData(5).Column("vec", Vectors(5, 6));
            var inserted = await client.InsertAsync("docs", auto, partition: "recent");
            var ids = (long[])inserted.Ids;
            Assert.Equal(5, ids.Distinct().Count());
            await client.InsertAsync("docs", new InsertData(3).Column("vec", Vectors(3, 7)));
            Assert.Equal(5, await client.CountAsync("docs", ["recent"]));
            Assert.Equal(8, await client.CountAsync("docs"));
            await client.CreateAliasAsync("latest", "docs");
            Assert.Equal(8, await client.CountAsync("latest"));
            var hits = await client.SearchAsync("latest", new SearchRequest { Vectors = Vectors(1, 6)[..Dim], Limit = 8, Partitions = ["recent"] });
            Assert.Equal(5, hits[0].Count);
            Assert.All(hits[0], h => Assert.Contains((long)h.Id, ids));
            // Row predicate until the filter language lands.
            var filtered = await client.SearchAsync("docs", new SearchRequest { Vectors = Vectors(1, 6)[..Dim], Limit = 8, Filter = $"id == {ids[2]}" });
            Assert.Equal(ids[2], Assert.Single(filtered[0]).Id);
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            Assert.Equal(8, await client.CountAsync("latest"));
            Assert.True(await client.DropPartitionAsync("docs", "recent"));
            Assert.Equal(3, await client.CountAsync("docs"));
            Assert.True(await client.DropCollectionAsync("docs"));
            Assert.False(await client.HasCollectionAsync("docs"));
            Assert.Empty(Directory.GetDirectories(Path.Combine(dir.Path, "wal")));
            var e = await Assert.ThrowsAsync<QuiverException>(() => client.CountAsync("docs"));
            Assert.Equal(ErrorCode.CollectionNotFound, e.Code);
        }
    }

    [Fact]
    public async Task ConcurrentInsertsDeletesAndSearchesStayConsistent()
    {
        using var dir = new ScratchDirectory("client");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        await client.CreateCollectionAsync(Docs(), new CreateCollectionOptions { ShardsNum = 2 });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        long inserted = 0, deleted = 0;
        // When each delete was acknowledged: a search that starts after that must never return the row.
        var deletedAt = new System.Collections.Concurrent.ConcurrentDictionary<long, long>();
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (int b = 0; !stop.IsCancellationRequested; b++)
            {
                long first = w * 1_000_000L + b * 20;
                await client.InsertAsync("docs", Rows(first, Vectors(20, b + w)));
                Interlocked.Add(ref inserted, 20);
                await client.DeleteAsync("docs", new[] { first, first + 1 });
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                deletedAt[first] = now;
                deletedAt[first + 1] = now;
                Interlocked.Add(ref deleted, 2);
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            var q = Vectors(1, 99 + r);
            while (!stop.IsCancellationRequested)
            {
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = q, Limit = 10, Metric = "L2", OutputFields = ["id"] });
                foreach (var h in hits[0])
                {
                    long id = (long)h.Id;
                    Assert.Equal(id, h.Fields["id"]);
                    Assert.False(deletedAt.TryGetValue(id, out long at) && at < started, $"row {id}, deleted before the search began, was returned");
                }
            }
        })).ToArray();
        await Task.WhenAll(writers.Concat(readers));
        Assert.Equal(inserted - deleted, await client.CountAsync("docs"));
    }

    [Fact]
    public async Task SearchesNeedALoadedCollectionAndTheStateSurvivesRestart()
    {
        using var dir = new ScratchDirectory("client");
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            Assert.Equal(LoadState.NotExist, await client.GetLoadStateAsync("docs"));
            await client.CreateCollectionAsync(Docs(), load: false);
            Assert.Equal(LoadState.NotLoad, await client.GetLoadStateAsync("docs"));
            await client.InsertAsync("docs", Rows(0, Vectors(5, 1))); // writes do not need a load
            var e = await Assert.ThrowsAsync<QuiverException>(() => client.SearchAsync("docs", new SearchRequest { Vectors = Vectors(1, 2) }));
            Assert.Equal(ErrorCode.CollectionNotLoaded, e.Code);
            Assert.Equal(ErrorCode.CollectionNotLoaded, (await Assert.ThrowsAsync<QuiverException>(() => client.CountAsync("docs"))).Code);
            await client.LoadCollectionAsync("docs");
            Assert.Equal(100, await client.GetLoadingProgressAsync("docs"));
            Assert.Equal(5, await client.CountAsync("docs"));
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            Assert.Equal(LoadState.Loaded, await client.GetLoadStateAsync("docs"));
            await client.ReleaseCollectionAsync("docs");
            Assert.Equal(LoadState.NotLoad, await client.GetLoadStateAsync("docs"));
            Assert.Equal(ErrorCode.CollectionNotLoaded, (await Assert.ThrowsAsync<QuiverException>(() => client.GetAsync("docs", new long[] { 1 }))).Code);
        }
    }

    [Fact]
    public async Task PartitionKeyRoutesRowsByTheirKey()
    {
        using var dir = new ScratchDirectory("client");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        var schema = new CollectionSchema("tenants",
        [
            new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
            new FieldSchema("tenant", FieldType.VarChar) { MaxLength = 16, IsPartitionKey = true },
            new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
        ]);
        await client.CreateCollectionAsync(schema, new CreateCollectionOptions { ShardsNum = 2, NumPartitions = 4 });
        var partitions = await client.ListPartitionsAsync("tenants");
        Assert.Equal(4, partitions.Count);
        const int n = 400;
        await client.InsertAsync("tenants", new InsertData(n)
            .Column("id", Enumerable.Range(0, n).Select(i => (long)i).ToArray())
            .Column("tenant", Enumerable.Range(0, n).Select(i => $"t{i % 10}").ToArray())
            .Column("vec", Vectors(n, 8)));
        Assert.Equal(n, await client.CountAsync("tenants"));
        var perPartition = new List<long>();
        foreach (var p in partitions) perPartition.Add(await client.CountAsync("tenants", [p]));
        Assert.Equal(n, perPartition.Sum());
        Assert.True(perPartition.Count(c => c > 0) >= 2, "rows should spread over several partitions");
        // A tenant's rows all live in one partition.
        foreach (var p in partitions)
        {
            var hits = await client.SearchAsync("tenants", new SearchRequest { Vectors = Vectors(1, 9), Limit = 400, Partitions = [p], OutputFields = ["tenant"] });
            foreach (var tenant in hits[0].Select(h => (string)h.Fields["tenant"]!).Distinct())
            {
                int expected = Enumerable.Range(0, n).Count(i => $"t{i % 10}" == tenant);
                Assert.Equal(expected, hits[0].Count(h => (string)h.Fields["tenant"]! == tenant));
            }
        }
        var e = await Assert.ThrowsAsync<QuiverException>(() => client.InsertAsync("tenants", new InsertData(1)
            .Column("id", new long[] { 1 }).Column("tenant", new[] { "x" }).Column("vec", Vectors(1, 1)), partition: partitions[0]));
        Assert.Contains("partition key", e.Message);
    }

    [Fact]
    public async Task DynamicFieldsComeBackByKeyOrAsJson()
    {
        using var dir = new ScratchDirectory("client");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        await client.CreateCollectionAsync(Docs() with { EnableDynamicField = true });
        await client.InsertAsync("docs", Rows(0, Vectors(3, 1)).Dynamic(["{\"color\":\"red\",\"size\":3,\"tags\":[1,2]}", "{\"color\":\"blue\"}", null]));
        var rows = await client.GetAsync("docs", new long[] { 0, 1, 2 }, ["id", "color", "size", "tags"]);
        Assert.Equal(new object?[] { "red", "blue", null }, rows.Select(r => r["color"]));
        Assert.Equal(new object?[] { 3L, null, null }, rows.Select(r => r["size"]));
        Assert.Equal("[1,2]", rows[0]["tags"]);
        var all = await client.GetAsync("docs", new long[] { 1 });
        Assert.Equal("{\"color\":\"blue\"}", all[0]["$meta"]);
        Assert.Contains("vec", all[0].Keys);
        var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = Vectors(1, 1), Limit = 3, OutputFields = ["color"] });
        Assert.Equal(3, hits[0].Count);
        Assert.All(hits[0], h => Assert.True(h.Fields.ContainsKey("color")));
        // Without dynamic fields an unknown output name is an error, not a key.
        await client.CreateCollectionAsync(Docs() with { Name = "plain" });
        var e = await Assert.ThrowsAsync<QuiverException>(() => client.GetAsync("plain", new long[] { 1 }, ["color"]));
        Assert.Equal(ErrorCode.FieldNotFound, e.Code);
    }

    [Fact]
    public async Task PartitionsLoadAndReleaseOnTheirOwnAndStaySoAfterRestart()
    {
        using var dir = new ScratchDirectory("client");
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(Docs());
            await client.CreatePartitionAsync("docs", "p1");
            await client.CreatePartitionAsync("docs", "p2");
            await client.InsertAsync("docs", Rows(0, Vectors(10, 1)));                 // _default
            await client.InsertAsync("docs", Rows(100, Vectors(10, 2)), partition: "p1");
            await client.InsertAsync("docs", Rows(200, Vectors(10, 3)), partition: "p2");

            // Loading p1 alone: reads cover p1 only; naming an unloaded partition is PartitionNotLoaded.
            await client.ReleaseCollectionAsync("docs");
            await client.LoadPartitionsAsync("docs", ["p1"]);
            Assert.Equal(LoadState.Loaded, await client.GetLoadStateAsync("docs"));
            Assert.Equal(LoadState.Loaded, await client.GetLoadStateAsync("docs", ["p1"]));
            Assert.Equal(LoadState.NotLoad, await client.GetLoadStateAsync("docs", ["p1", "p2"]));
            Assert.Equal(10, await client.CountAsync("docs"));
            var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = Vectors(1, 9), Limit = 30 });
            Assert.All(hits[0], h => Assert.InRange((long)h.Id, 100, 109));
            var e = await Assert.ThrowsAsync<QuiverException>(() => client.SearchAsync("docs", new SearchRequest { Vectors = Vectors(1, 9), Partitions = ["p2"] }));
            Assert.Equal(ErrorCode.PartitionNotLoaded, e.Code);
            Assert.Contains("p2", e.Message);
            // Statistics need no load.
            Assert.Equal("10", (await client.GetPartitionStatisticsAsync("docs", "p2"))["row_count"]);
            Assert.Equal("30", (await client.GetCollectionStatisticsAsync("docs"))["row_count"]);

            await client.LoadPartitionsAsync("docs", ["p2"]);
            Assert.Equal(20, await client.CountAsync("docs"));
            e = await Assert.ThrowsAsync<QuiverException>(() => client.LoadPartitionsAsync("docs", ["nope"]));
            Assert.Equal(ErrorCode.PartitionNotFound, e.Code);

            // A whole load covers every partition; releasing one leaves the others.
            await client.LoadCollectionAsync("docs");
            Assert.Equal(30, await client.CountAsync("docs"));
            await client.ReleasePartitionsAsync("docs", ["_default", "p2"]);
            Assert.Equal(10, await client.CountAsync("docs"));
            Assert.Equal(LoadState.NotLoad, await client.GetLoadStateAsync("docs", ["p2"]));
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            Assert.Equal(10, await client.CountAsync("docs"));
            Assert.Equal(LoadState.Loaded, await client.GetLoadStateAsync("docs", ["p1"]));
            // Releasing the last loaded partition releases the collection.
            await client.ReleasePartitionsAsync("docs", ["p1"]);
            Assert.Equal(LoadState.NotLoad, await client.GetLoadStateAsync("docs"));
            var e = await Assert.ThrowsAsync<QuiverException>(() => client.CountAsync("docs"));
            Assert.Equal(ErrorCode.CollectionNotLoaded, e.Code);
            // Writes to released partitions still work.
            await client.InsertAsync("docs", Rows(300, Vectors(2, 4)), partition: "p2");
            Assert.Equal("12", (await client.GetPartitionStatisticsAsync("docs", "p2"))["row_count"]);
        }
    }
}
