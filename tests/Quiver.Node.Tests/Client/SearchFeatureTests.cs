using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Client;

/// <summary>Issue 7 through the client: filtered search, query, count, delete by filter, the iterator, range, group-by and hybrid search, consistency.</summary>
public class SearchFeatureTests
{
    private const int Dim = 16;
    private const int Rows = 4000;

    private static QuiverClientOptions Small => new() { WalPageSizeBits = 20, WalMemorySizeBits = 22, WalSegmentSizeBits = 24 };

    private static CollectionSchema Items() => new("items",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
        new FieldSchema("vec2", FieldType.FloatVector) { Dim = Dim },
        new FieldSchema("tag", FieldType.Int64),
        new FieldSchema("color", FieldType.VarChar) { MaxLength = 16 },
    ]);

    private static readonly string[] Colors = ["red", "green", "blue", "black", "white"];

    private static float[] Vectors(int n, int seed)
    {
        var r = new Random(seed);
        var v = new float[n * Dim];
        for (int i = 0; i < v.Length; i++) v[i] = (float)r.NextDouble();
        return v;
    }

    private static InsertData Data(long first, int n, float[] vectors, float[] vectors2) => new InsertData(n)
        .Column("id", Enumerable.Range(0, n).Select(i => first + i).ToArray())
        .Column("vec", vectors)
        .Column("vec2", vectors2)
        .Column("tag", Enumerable.Range(0, n).Select(i => (first + i) * 7919 % 1000).ToArray())
        .Column("color", Enumerable.Range(0, n).Select(i => Colors[(first + i) % Colors.Length]).ToArray());

    private static long Tag(long id) => id * 7919 % 1000;

    private static float L2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return s;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static async Task<(QuiverClient Client, float[] V, float[] V2)> Open(ScratchDirectory dir, string? index, bool flush)
    {
        var client = await QuiverClient.OpenAsync(dir.Path, Small);
        await client.CreateCollectionAsync(Items(), new CreateCollectionOptions { ShardsNum = 2 });
        var v = Vectors(Rows, 1);
        var v2 = Vectors(Rows, 2);
        await client.InsertAsync("items", Data(0, Rows, v, v2));
        if (index != null)
        {
            var p = index switch
            {
                "HNSW" => new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "100" },
                "IVF_FLAT" => new Dictionary<string, string> { ["nlist"] = "32" },
                _ => new Dictionary<string, string>(),
            };
            await client.CreateIndexAsync("items", new IndexSpec("vec", index, "L2", p));
        }
        if (flush) await client.FlushAsync("items");
        return (client, v, v2);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("FLAT", true)]
    [InlineData("HNSW", true)]
    [InlineData("IVF_FLAT", true)]
    public async Task FilteredSearchKeepsRecallAtEverySelectivity(string? index, bool flush)
    {
        using var dir = new ScratchDirectory("filtered");
        var (client, v, _) = await Open(dir, index, flush);
        await using var _c = client;
        var queries = Vectors(20, 9);
        foreach (int bound in new[] { 500, 100, 10, 1 })
        {
            string filter = $"tag < {bound}";
            double hits = 0, wanted = 0;
            for (int q = 0; q < 20; q++)
            {
                var query = queries.AsSpan(q * Dim, Dim).ToArray();
                var truth = Enumerable.Range(0, Rows).Where(i => Tag(i) < bound)
                    .OrderBy(i => L2(query, v.AsSpan(i * Dim, Dim))).Take(10).Select(i => (long)i).ToHashSet();
                var got = await client.SearchAsync("items", new SearchRequest
                {
                    Vectors = query, VectorField = "vec", Limit = 10, Metric = "L2", Filter = filter, OutputFields = ["tag"],
                    Params = index == "IVF_FLAT" ? new Dictionary<string, string> { ["nprobe"] = "8" } : index == "HNSW" ? new Dictionary<string, string> { ["ef"] = "64" } : null,
                });
                Assert.All(got[0], h => Assert.True((long)h.Fields["tag"]! < bound));
                hits += got[0].Count(h => truth.Contains((long)h.Id));
                wanted += truth.Count;
            }
            double recall = hits / wanted;
            Assert.True(recall >= 0.95, $"{index ?? "growing"} at {filter}: recall {recall:F3}");
        }
    }

    [Fact]
    public async Task QueryCountAndDeleteByFilter()
    {
        using var dir = new ScratchDirectory("query");
        var (client, _, _) = await Open(dir, "HNSW", flush: false);
        await client.FlushAsync("items");
        await client.InsertAsync("items", Data(Rows, 100, Vectors(100, 5), Vectors(100, 6))); // growing rows too
        int total = Rows + 100;
        var expected = Enumerable.Range(0, total).Where(i => Tag(i) < 50 && i % 5 == 0).Select(i => (long)i).ToList(); // color red
        var rows = await client.QueryAsync("items", new QueryRequest { Filter = "tag < 50 and color == \"red\"", OutputFields = ["tag", "color"] });
        Assert.Equal(expected, rows.Select(r => (long)r["id"]!));
        Assert.All(rows, r => Assert.Equal("red", r["color"]));
        var page = await client.QueryAsync("items", new QueryRequest { Filter = "tag < 50 and color == \"red\"", Limit = 3, Offset = 2 });
        Assert.Equal(expected.Skip(2).Take(3), page.Select(r => (long)r["id"]!));
        var count = await client.QueryAsync("items", new QueryRequest { Filter = "tag < 50 and color == \"red\"", OutputFields = ["count(*)"] });
        Assert.Equal((long)expected.Count, count[0]["count(*)"]);
        Assert.Equal(total, await client.CountAsync("items"));
        Assert.Equal(expected.Count, await client.CountAsync("items", "tag < {t} and color in {c}", new Dictionary<string, object?> { ["t"] = 50L, ["c"] = new[] { "red" } }));
        var limited = await client.QueryAsync("items", new QueryRequest { Limit = 5 });
        Assert.Equal([0L, 1, 2, 3, 4], limited.Select(r => (long)r["id"]!));

        await Assert.ThrowsAsync<QuiverException>(() => client.QueryAsync("items", new QueryRequest()));
        await Assert.ThrowsAsync<QuiverException>(() => client.DeleteAsync("items", ""));

        var deleted = await client.DeleteAsync("items", "tag < 50 and color == \"red\"");
        Assert.Equal(expected, ((long[])deleted.Ids).Order());
        Assert.Equal(total - expected.Count, await client.CountAsync("items"));
        Assert.Empty(await client.QueryAsync("items", new QueryRequest { Filter = "tag < 50 and color == \"red\"" }));
        await client.DisposeAsync();

        await using var reopened = await QuiverClient.OpenAsync(dir.Path, Small);
        Assert.Equal(total - expected.Count, await reopened.CountAsync("items"));
        Assert.Equal(0, await reopened.CountAsync("items", "tag < 50 and color == \"red\""));
    }

    [Fact]
    public async Task QueryIteratorPagesOneSnapshotInKeyOrder()
    {
        using var dir = new ScratchDirectory("iterator");
        var (client, _, _) = await Open(dir, null, flush: false);
        await using var _c = client;
        var expected = Enumerable.Range(0, Rows).Where(i => Tag(i) % 2 == 0).Select(i => (long)i).ToList();
        var seen = new List<long>();
        int pages = 0;
        await foreach (var page in client.QueryIteratorAsync("items", new QueryRequest { Filter = "tag % 2 == 0" }, batchSize: 300))
        {
            Assert.True(page.Count <= 300);
            seen.AddRange(page.Select(r => (long)r["id"]!));
            if (pages++ == 0) await client.InsertAsync("items", Data(100_000, 500, Vectors(500, 7), Vectors(500, 8))); // lands after the snapshot
        }
        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 299) / 300, pages);
    }

    [Fact]
    public async Task RangeSearchMatchesTheReference()
    {
        using var dir = new ScratchDirectory("range");
        var (client, v, _) = await Open(dir, null, flush: false);
        await using var _c = client;
        var query = Vectors(1, 11);
        var distances = Enumerable.Range(0, Rows).Select(i => (Id: (long)i, D: L2(query, v.AsSpan(i * Dim, Dim)))).OrderBy(x => x.D).ToList();
        float inner = distances[30].D, outer = distances[80].D;
        var expected = distances.Where(x => x.D >= inner && x.D < outer).Take(20).Select(x => x.Id);
        var got = await client.SearchAsync("items", new SearchRequest
        {
            Vectors = query, VectorField = "vec", Limit = 20, Metric = "L2",
            Params = new Dictionary<string, string> { ["radius"] = outer.ToString("R", System.Globalization.CultureInfo.InvariantCulture), ["range_filter"] = inner.ToString("R", System.Globalization.CultureInfo.InvariantCulture) },
        });
        Assert.Equal(expected, got[0].Select(h => (long)h.Id));
        // IP: radius < similarity ≤ range_filter.
        var sims = Enumerable.Range(0, Rows).Select(i => (Id: (long)i, S: Dot(query, v.AsSpan(i * Dim, Dim)))).OrderByDescending(x => x.S).ToList();
        float hi = sims[10].S, lo = sims[50].S;
        var ip = await client.SearchAsync("items", new SearchRequest
        {
            Vectors = query, VectorField = "vec", Limit = 100, Metric = "IP",
            Params = new Dictionary<string, string> { ["radius"] = lo.ToString("R", System.Globalization.CultureInfo.InvariantCulture), ["range_filter"] = hi.ToString("R", System.Globalization.CultureInfo.InvariantCulture) },
        });
        Assert.Equal(sims.Where(x => x.S > lo && x.S <= hi).Select(x => x.Id).ToHashSet(), ip[0].Select(h => (long)h.Id).ToHashSet());
        await Assert.ThrowsAsync<QuiverException>(() => client.SearchAsync("items", new SearchRequest
        {
            Vectors = query, VectorField = "vec", Metric = "L2", Params = new Dictionary<string, string> { ["radius"] = "1", ["range_filter"] = "2" },
        }));
    }

    [Fact]
    public async Task GroupBySearchMatchesTheReference()
    {
        using var dir = new ScratchDirectory("group");
        var (client, v, _) = await Open(dir, "HNSW", flush: true);
        await using var _c = client;
        var query = Vectors(1, 12);
        var ranked = Enumerable.Range(0, Rows).OrderBy(i => L2(query, v.AsSpan(i * Dim, Dim))).ToList();
        var got = await client.SearchAsync("items", new SearchRequest
        {
            Vectors = query, VectorField = "vec", Limit = 3, Metric = "L2", GroupByField = "color", GroupSize = 2, StrictGroupSize = true, Params = new Dictionary<string, string> { ["ef"] = "400" },
        });
        var expectedGroups = ranked.Select(i => Colors[i % Colors.Length]).Distinct().Take(3).ToList();
        Assert.Equal(expectedGroups, got[0].Select(h => (string)h.GroupByValue!).Distinct());
        foreach (var g in expectedGroups)
            Assert.Equal(ranked.Where(i => Colors[i % Colors.Length] == g).Take(2).Select(i => (long)i), got[0].Where(h => (string)h.GroupByValue! == g).Select(h => (long)h.Id));
        await Assert.ThrowsAsync<QuiverException>(() => client.SearchAsync("items", new SearchRequest { Vectors = query, VectorField = "vec", Metric = "L2", GroupByField = "vec2" }));
    }

    [Fact]
    public async Task HybridSearchFusesLikeTheReference()
    {
        using var dir = new ScratchDirectory("hybrid");
        var (client, v, v2) = await Open(dir, null, flush: false);
        await using var _c = client;
        var q1 = Vectors(1, 13);
        var q2 = Vectors(1, 14);
        var a = Enumerable.Range(0, Rows).OrderBy(i => L2(q1, v.AsSpan(i * Dim, Dim))).Take(20).ToList();
        var b = Enumerable.Range(0, Rows).Where(i => Tag(i) < 500).OrderByDescending(i => Dot(q2, v2.AsSpan(i * Dim, Dim))).Take(20).ToList();
        var rrf = new Dictionary<int, double>();
        for (int r = 0; r < a.Count; r++) rrf[a[r]] = rrf.GetValueOrDefault(a[r]) + 1.0 / (60 + r + 1);
        for (int r = 0; r < b.Count; r++) rrf[b[r]] = rrf.GetValueOrDefault(b[r]) + 1.0 / (60 + r + 1);
        var parts = new[]
        {
            new SearchRequest { Vectors = q1, VectorField = "vec", Metric = "L2", Limit = 20 },
            new SearchRequest { Vectors = q2, VectorField = "vec2", Metric = "IP", Limit = 20, Filter = "tag < 500" },
        };
        var got = await client.HybridSearchAsync("items", new HybridSearchRequest { Requests = parts, Limit = 10, OutputFields = ["tag"] });
        var expected = rrf.OrderByDescending(x => x.Value).Take(10).ToList();
        Assert.Equal(expected.Select(x => x.Value), got[0].Select(h => (double)h.Distance), new ToleranceComparer(1e-6));
        Assert.Equal(expected.Select(x => x.Key).ToHashSet(), got[0].Select(h => (int)(long)h.Id).ToHashSet());

        var weighted = await client.HybridSearchAsync("items", new HybridSearchRequest { Requests = parts, Limit = 5, Ranker = new WeightedRanker([0.7f, 0.3f]) });
        var scores = new Dictionary<int, double>();
        foreach (int i in a) scores[i] = scores.GetValueOrDefault(i) + 0.7 * (1 - 2 * Math.Atan(L2(q1, v.AsSpan(i * Dim, Dim))) / Math.PI);
        foreach (int i in b) scores[i] = scores.GetValueOrDefault(i) + 0.3 * (0.5 + Math.Atan(Dot(q2, v2.AsSpan(i * Dim, Dim))) / Math.PI);
        Assert.Equal(scores.OrderByDescending(x => x.Value).Take(5).Select(x => (long)x.Key), weighted[0].Select(h => (long)h.Id));
        await Assert.ThrowsAsync<QuiverException>(() => client.HybridSearchAsync("items", new HybridSearchRequest { Requests = parts, Ranker = new WeightedRanker([1f]) }));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public async Task FiltersReachJsonPathsDynamicKeysArraysAndNullsThroughTheEngine()
    {
        using var dir = new ScratchDirectory("json");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        var schema = new CollectionSchema("docs",
        [
            new FieldSchema("pk", FieldType.VarChar) { IsPrimaryKey = true, MaxLength = 16 },
            new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
            new FieldSchema("meta", FieldType.Json) { Nullable = true },
            new FieldSchema("tags", FieldType.Array) { ElementType = FieldType.VarChar, MaxCapacity = 8, MaxLength = 16 },
            new FieldSchema("price", FieldType.Double) { Nullable = true },
        ]) with { EnableDynamicField = true };
        await client.CreateCollectionAsync(schema, new CreateCollectionOptions { ShardsNum = 2 });
        const int n = 300;
        var data = new InsertData(n)
            .Column("pk", Enumerable.Range(0, n).Select(i => $"k{i:D4}").ToArray())
            .Column("vec", Vectors(n, 21))
            .Column("meta", Enumerable.Range(0, n).Select(i => i % 10 == 0 ? null : $"{{\"a\": {{\"b\": {i % 7}}}, \"name\": \"ü{i}\"}}").ToArray())
            .Column("tags", Enumerable.Range(0, n).Select(i => (i % 4) switch { 0 => Array.Empty<string>(), 1 => new[] { "x" }, 2 => new[] { "x", "y" }, _ => new[] { "z" } }).ToArray())
            .Column("price", Enumerable.Range(0, n).Select(i => (double)i).ToArray(), Enumerable.Range(0, n).Select(i => i % 3 != 0).ToArray())
            .Dynamic(Enumerable.Range(0, n).Select(i => i % 2 == 0 ? $"{{\"color\": \"{(i % 4 == 0 ? "red" : "blue")}\"}}" : null).ToArray());
        await client.InsertAsync("docs", data);
        await client.FlushAsync("docs");
        await client.InsertAsync("docs", new InsertData(1).Column("pk", new[] { "late" }).Column("vec", Vectors(1, 22))
            .Column("meta", new string?[] { "{\"a\": {\"b\": 6}}" }).Column("tags", new[] { new[] { "x", "y" } }).Column("price", new[] { 1.0 }, new[] { true })
            .Dynamic(["{\"color\": \"red\"}"]));

        async Task<List<string>> Keys(string filter) =>
            (await client.QueryAsync("docs", new QueryRequest { Filter = filter })).Select(r => (string)r["pk"]!).ToList();
        List<string> Expect(Func<int, bool> match) => Enumerable.Range(0, n).Where(match).Select(i => $"k{i:D4}").Order(StringComparer.Ordinal).ToList();

        Assert.Equal([.. Expect(i => i % 10 != 0 && i % 7 > 4), "late"], await Keys("meta[\"a\"][\"b\"] > 4"));
        Assert.Equal([.. Expect(i => i % 4 == 0), "late"], await Keys("color == \"red\""));
        Assert.Equal(Expect(i => i % 2 == 0 && i % 4 != 0), await Keys("$meta[\"color\"] == \"blue\""));
        Assert.Equal([.. Expect(i => i % 4 == 2), "late"], await Keys("array_contains_all(tags, [\"x\", \"y\"])"));
        Assert.Equal(Expect(i => i % 4 == 0), await Keys("array_length(tags) == 0"));
        Assert.Equal(Expect(i => i % 3 == 0), await Keys("price is null"));
        Assert.Equal([.. Expect(i => i % 3 != 0 && i < 30), "late"], await Keys("price < 30"));
        Assert.Equal(Expect(i => !(i % 3 != 0 && i < 30) && i % 3 != 0), (await Keys("not (price < 30)")).Where(k => k != "late").ToList());
        Assert.Equal(Expect(i => i % 10 != 0 && $"ü{i}".StartsWith("ü1", StringComparison.Ordinal)), await Keys("meta[\"name\"] like \"ü1%\""));
        Assert.Equal(["k0001", "k0005"], await Keys("pk in [\"k0005\", \"k0001\", \"nope\"]"));
        var ex = await Assert.ThrowsAsync<Quiver.Node.Expressions.ExpressionException>(() => client.QueryAsync("docs", new QueryRequest { Filter = "price > \"x\"" }));
        Assert.Contains("price", ex.Message);
    }

    [Fact]
    public async Task ScalarIndexesAnswerFiltersLikeTheScan()
    {
        using var dir = new ScratchDirectory("scalar");
        var (client, _, _) = await Open(dir, "HNSW", flush: true);
        await using var _c = client;
        string[] filters = ["tag == 7", "tag < 30 and color == \"red\"", "color in [\"red\", \"blue\"] and tag >= 990", "color like \"bl%\" and tag < 5", "not (tag > 3)"];
        var before = new List<List<long>>();
        foreach (var f in filters) before.Add((await client.QueryAsync("items", new QueryRequest { Filter = f })).Select(r => (long)r["id"]!).ToList());
        Assert.All(before, b => Assert.NotEmpty(b));

        await client.CreateIndexAsync("items", new IndexSpec("tag", "STL_SORT", null, null));
        await client.CreateIndexAsync("items", new IndexSpec("color", "INVERTED", null, null));
        var described = await client.DescribeIndexAsync("items", "color");
        Assert.Equal(Rows, described.IndexedRows);
        for (int i = 0; i < filters.Length; i++)
            Assert.Equal(before[i], (await client.QueryAsync("items", new QueryRequest { Filter = filters[i] })).Select(r => (long)r["id"]!));

        // New segments get them at flush, and a restart rebuilds them.
        await client.InsertAsync("items", Data(Rows, 500, Vectors(500, 31), Vectors(500, 32)));
        await client.FlushAsync("items");
        var expected = Enumerable.Range(0, Rows + 500).Where(i => Tag(i) == 7).Select(i => (long)i).ToList();
        Assert.Equal(expected, (await client.QueryAsync("items", new QueryRequest { Filter = "tag == 7" })).Select(r => (long)r["id"]!));
        await client.DisposeAsync();
        await using var reopened = await QuiverClient.OpenAsync(dir.Path, Small);
        Assert.Equal(expected, (await reopened.QueryAsync("items", new QueryRequest { Filter = "tag == 7" })).Select(r => (long)r["id"]!));
        Assert.True(await reopened.DropIndexAsync("items", "tag"));
        Assert.Equal(expected, (await reopened.QueryAsync("items", new QueryRequest { Filter = "tag == 7" })).Select(r => (long)r["id"]!));

        var refused = await Assert.ThrowsAsync<QuiverException>(() => reopened.CreateIndexAsync("items", new IndexSpec("color", "STL_SORT_NOPE", null, null)));
        Assert.Equal(ErrorCode.IndexNotSupported, refused.Code);
        await Assert.ThrowsAsync<QuiverException>(() => reopened.CreateIndexAsync("items", new IndexSpec("tag", "INVERTED", "L2", null)));
    }

    [Fact]
    public async Task PartitionKeyFiltersPruneWithoutChangingResults()
    {
        using var dir = new ScratchDirectory("pkey");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        await client.CreateCollectionAsync(new CollectionSchema("t",
        [
            new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
            new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
            new FieldSchema("tenant", FieldType.Int64) { IsPartitionKey = true },
        ]), new CreateCollectionOptions { NumPartitions = 8, ShardsNum = 2 });
        const int n = 2000;
        var v = Vectors(n, 41);
        await client.InsertAsync("t", new InsertData(n).Column("id", Enumerable.Range(0, n).Select(i => (long)i).ToArray()).Column("vec", v)
            .Column("tenant", Enumerable.Range(0, n).Select(i => (long)(i % 50)).ToArray()));
        Assert.Equal(new long[] { 7, 9 }, Quiver.Node.Proxy.PartitionPruning.PinnedValues("tenant == 7 or (9 == tenant and id > 3)", "tenant", FieldType.Int64, null)!.Cast<long>().Order());
        Assert.Null(Quiver.Node.Proxy.PartitionPruning.PinnedValues("tenant == 7 or id > 3", "tenant", FieldType.Int64, null));
        foreach (var (filter, match) in new (string, Func<int, bool>)[]
        {
            ("tenant == 7", i => i % 50 == 7),
            ("tenant in [1, 2, 49] and id < 1000", i => i % 50 is 1 or 2 or 49 && i < 1000),
            ("tenant == 7 or tenant == 9", i => i % 50 is 7 or 9),
            ("tenant in {t}", i => i % 50 is 3 or 4),
            ("tenant == 7 and tenant == 8", _ => false),
        })
        {
            var templates = new Dictionary<string, object?> { ["t"] = new long[] { 3, 4 } };
            var rows = await client.QueryAsync("t", new QueryRequest { Filter = filter, FilterParams = templates });
            Assert.Equal(Enumerable.Range(0, n).Where(match).Select(i => (long)i), rows.Select(r => (long)r["id"]!));
            Assert.Equal(rows.Count, await client.CountAsync("t", filter, templates));
            var hits = await client.SearchAsync("t", new SearchRequest { Vectors = v[..Dim], Limit = 5, Metric = "L2", Filter = filter, FilterParams = templates });
            var expected = Enumerable.Range(0, n).Where(match).OrderBy(i => L2(v.AsSpan(0, Dim), v.AsSpan(i * Dim, Dim))).Take(5).Select(i => (long)i);
            Assert.Equal(expected, hits[0].Select(h => (long)h.Id));
        }
    }

    [Fact]
    public async Task AWriteLargerThanOneWalEntryIsSplitAndSurvivesARestart()
    {
        using var dir = new ScratchDirectory("bigwrite");
        const int n = 12_000; // 12 000 rows × (2 × 16 floats + scalars) ≈ 1.7 MB, over the 1 MiB entries of these options
        var v = Vectors(n, 51);
        var v2 = Vectors(n, 52);
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(Items(), new CreateCollectionOptions { ShardsNum = 1 });
            await client.InsertAsync("items", Data(0, n, v, v2));
            Assert.Equal(n, await client.CountAsync("items"));
            await client.UpsertAsync("items", Data(0, n, v2, v)); // the same keys again, split the same way
            Assert.Equal(n, await client.CountAsync("items"));
            var hit = await client.SearchAsync("items", new SearchRequest { Vectors = v2[(7 * Dim)..(8 * Dim)], VectorField = "vec", Limit = 1, Metric = "L2" });
            Assert.Equal(7L, hit[0][0].Id);
        }
        await using (var reopened = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            Assert.Equal(n, await reopened.CountAsync("items"));
            var rows = await reopened.QueryAsync("items", new QueryRequest { Filter = "id in [0, 5999, 6000, 11999]", OutputFields = ["tag"] });
            Assert.Equal([0L, 5999, 6000, 11999], rows.Select(r => (long)r["id"]!));
            Assert.All(rows, r => Assert.Equal(Tag((long)r["id"]!), r["tag"]));
        }
    }

    [Fact]
    public async Task ConsistencyLevelsSeeWhatTheyPromise()
    {
        using var dir = new ScratchDirectory("consistency");
        var (client, _, _) = await Open(dir, null, flush: false);
        await using var _c = client;
        // Writers in flight while Strong reads run: every write acknowledged before a read began is in it.
        using var stop = new CancellationTokenSource();
        long acknowledged = -1;
        var writer = Task.Run(async () =>
        {
            for (long id = 100_000; !stop.IsCancellationRequested; id++)
            {
                await client.InsertAsync("items", Data(id, 1, Vectors(1, (int)id), Vectors(1, (int)id + 1)));
                Volatile.Write(ref acknowledged, id);
            }
        });
        for (int i = 0; i < 50; i++)
        {
            long before = Volatile.Read(ref acknowledged);
            if (before < 0) { await Task.Delay(1); continue; }
            foreach (var level in new[] { ConsistencyLevel.Strong, ConsistencyLevel.Bounded, ConsistencyLevel.Eventually })
            {
                var rows = await client.QueryAsync("items", new QueryRequest { Filter = $"id == {before}", ConsistencyLevel = level });
                if (level == ConsistencyLevel.Strong) Assert.Single(rows);
            }
        }
        stop.Cancel();
        await writer;
        // Session: the caller's own write, and a write timestamp passed explicitly.
        var w = await client.InsertAsync("items", Data(900_000, 1, Vectors(1, 3), Vectors(1, 4)));
        Assert.Single(await client.QueryAsync("items", new QueryRequest { Filter = "id == 900000", ConsistencyLevel = ConsistencyLevel.Session }));
        Assert.Single(await client.QueryAsync("items", new QueryRequest { Filter = "id == 900000", ConsistencyLevel = ConsistencyLevel.Customized, GuaranteeTimestamp = w.Timestamp }));
    }
}
