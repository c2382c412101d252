using Quiver.Index.Flat;
using Quiver.Kernel.Distance;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Proxy;
using Quiver.Node.Query;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Client;

public class FlushTests
{
    private const int Dim = 24;

    private static QuiverClientOptions Small => new() { WalPageSizeBits = 20, WalMemorySizeBits = 22, WalSegmentSizeBits = 24 };

    private static CollectionSchema Schema => new("docs",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
        new FieldSchema("title", FieldType.VarChar) { MaxLength = 32 },
    ]);

    private static float[] Vectors(int n, int seed)
    {
        var r = new Random(seed);
        var v = new float[n * Dim];
        for (int i = 0; i < v.Length; i++) v[i] = (float)r.NextDouble();
        return v;
    }

    private static InsertData Rows(long first, float[] vectors) => new InsertData(vectors.Length / Dim)
        .Column("id", Enumerable.Range(0, vectors.Length / Dim).Select(i => first + i).ToArray())
        .Column("vec", vectors)
        .Column("title", Enumerable.Range(0, vectors.Length / Dim).Select(i => $"t{first + i}").ToArray());

    private static async Task<double> Recall(QuiverClient client, FlatIndex truth, float[] queries, int k, Dictionary<string, string>? p = null)
    {
        var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = queries, Limit = k, Metric = "L2", Params = p });
        var ids = new int[k];
        var d = new float[k];
        double found = 0;
        for (int q = 0; q < hits.Count; q++)
        {
            truth.Search(queries.AsSpan(q * Dim, Dim), k, ids, d);
            found += hits[q].Count(h => ids.Contains((int)(long)h.Id));
        }
        return found / (hits.Count * k);
    }

    [Fact]
    public async Task FlushedSegmentsAreIndexedSearchedWithGrowingDataAndReloadedAfterRestart()
    {
        using var dir = new ScratchDirectory("flush");
        var vectors = Vectors(4000, 1);
        var queries = Vectors(30, 2);
        using var truth = FlatIndex.Create(Metric.L2, Dim);
        long[] victims = [];
        truth.AddRange(vectors[..(3000 * Dim)]);
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(Schema, new CreateCollectionOptions { ShardsNum = 2 });
            await client.CreateIndexAsync("docs", new IndexSpec("vec", "HNSW", "L2", new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "100" }));
            await client.InsertAsync("docs", Rows(0, vectors[..(2000 * Dim)]));
            var flushed = await client.FlushAsync("docs");
            Assert.Equal(2, flushed.Count); // one growing segment per shard
            Assert.Empty(await client.FlushAsync("docs")); // nothing new to flush
            await client.InsertAsync("docs", Rows(2000, vectors[(2000 * Dim)..(3000 * Dim)])); // growing again
            Assert.Equal(3000, await client.CountAsync("docs"));
            Assert.True(await Recall(client, truth, queries, 10, new() { ["ef"] = "128" }) >= 0.95);
            var rows = await client.GetAsync("docs", new long[] { 5, 2500 }, ["title"]);
            Assert.Equal(new object?[] { "t5", "t2500" }, rows.Select(r => r["title"]));
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "objects", "insert_log"), "*.arrow", SearchOption.AllDirectories));
        // The HNSW built at flush is saved beside the segments, and mapped (not rebuilt) at the next open.
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.Path, "objects", "index_files"), "index", SearchOption.AllDirectories).Length);

        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            Assert.Equal(3000, await client.CountAsync("docs"));
            Assert.True(await Recall(client, truth, queries, 10, new() { ["ef"] = "128" }) >= 0.95);
            // Deletes reach sealed rows; searches through the index never return them.
            var top = await client.SearchAsync("docs", new SearchRequest { Vectors = queries[..Dim], Limit = 5, Metric = "L2", Params = new Dictionary<string, string> { ["ef"] = "128" } });
            victims = top[0].Select(h => (long)h.Id).Where(id => id < 2000).ToArray();
            Assert.NotEmpty(victims);
            await client.DeleteAsync("docs", victims);
            var again = await client.SearchAsync("docs", new SearchRequest { Vectors = queries[..Dim], Limit = 20, Metric = "L2", Params = new Dictionary<string, string> { ["ef"] = "128" } });
            Assert.DoesNotContain(again[0], h => victims.Contains((long)h.Id));
            Assert.Equal(3000 - victims.Length, await client.CountAsync("docs"));
            await client.FlushAsync("docs");
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            // The deletes came back from the WAL onto the reloaded sealed rows.
            Assert.Equal(3000 - victims.Length, await client.CountAsync("docs"));
            Assert.Empty(await client.GetAsync("docs", victims, ["id"]));
            Assert.Equal(3000 - victims.Length, (await client.GetAsync("docs", Enumerable.Range(0, 3000).Select(i => (long)i).ToArray(), ["id"])).Count);
            Assert.True(await client.DropCollectionAsync("docs"));
            Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "objects"), "*", SearchOption.AllDirectories));
        }
    }

    [Fact]
    public async Task GrowingDataIsSealedAndFlushedInTheBackgroundBySizeAndByAge()
    {
        using var dir = new ScratchDirectory("autoflush");
        var log = new List<string>();
        var options = Small with { SealBytes = 64 << 10, SealAfter = TimeSpan.FromMilliseconds(300), BackgroundInterval = TimeSpan.FromMilliseconds(50), Log = log.Add };
        await using (var client = await QuiverClient.OpenAsync(dir.Path, options))
        {
            await client.CreateCollectionAsync(Schema);
            for (int b = 0; b < 10; b++) await client.InsertAsync("docs", Rows(b * 200, Vectors(200, b)));
            // By size: 2 000 rows × ~130 bytes pass 64 KiB several times over.
            await WaitFor(() => Directory.Exists(Path.Combine(dir.Path, "objects", "insert_log")));
            Assert.Equal(2000, await client.CountAsync("docs"));
            // By age: a small write is flushed once it is older than SealAfter.
            await client.InsertAsync("docs", Rows(5000, Vectors(1, 99)));
            int before = Segments(dir.Path);
            await WaitFor(() => Segments(dir.Path) > before);
            Assert.Equal(2001, await client.CountAsync("docs"));
        }
        Assert.Empty(log);
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
            Assert.Equal(2001, await client.CountAsync("docs"));
    }

    private static int Segments(string dir)
    {
        string root = Path.Combine(dir, "objects", "insert_log");
        return Directory.Exists(root) ? Directory.GetFiles(root, "*.arrow", SearchOption.AllDirectories).Length : 0;
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("the background flush did not happen within 20 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task AnIndexCreatedAfterFlushIsBuiltOverTheSealedSegments()
    {
        using var dir = new ScratchDirectory("lateindex");
        var vectors = Vectors(1500, 5);
        var queries = Vectors(20, 6);
        using var truth = FlatIndex.Create(Metric.L2, Dim);
        truth.AddRange(vectors);
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(Schema, new CreateCollectionOptions { ShardsNum = 2 });
            await client.InsertAsync("docs", Rows(0, vectors));
            await client.FlushAsync("docs");
            Assert.False(Directory.Exists(Path.Combine(dir.Path, "objects", "index_files")));
            await client.CreateIndexAsync("docs", new IndexSpec("vec", "HNSW", "L2", new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "100" }));
            Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.Path, "objects", "index_files"), "index", SearchOption.AllDirectories).Length);
            Assert.True(await Recall(client, truth, queries, 10, new() { ["ef"] = "128" }) >= 0.95);
            var indexName = (await client.ListIndexesAsync("docs")).Single().IndexName;
            var described = await client.DescribeIndexAsync("docs", indexName);
            Assert.Equal((1500L, 1500L, 0L, "Finished"), (described.TotalRows, described.IndexedRows, described.PendingIndexRows, described.State));
            await client.InsertAsync("docs", Rows(5000, Vectors(10, 7))); // growing rows: counted, not pending
            described = await client.DescribeIndexAsync("docs", indexName);
            Assert.Equal((1510L, 1500L, 0L), (described.TotalRows, described.IndexedRows, described.PendingIndexRows));
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
            Assert.True(await Recall(client, truth, queries, 10, new() { ["ef"] = "128" }) >= 0.95);
    }

    [Fact]
    public async Task EveryFloatVectorFieldGetsItsOwnIndex()
    {
        using var dir = new ScratchDirectory("twoindexes");
        var schema = new CollectionSchema("docs",
        [
            new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
            new FieldSchema("text", FieldType.FloatVector) { Dim = Dim },
            new FieldSchema("image", FieldType.FloatVector) { Dim = 12 },
        ]);
        var text = Vectors(800, 11);
        var r = new Random(12);
        var image = Enumerable.Range(0, 800 * 12).Select(_ => (float)r.NextDouble()).ToArray();
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(schema);
            await client.CreateIndexAsync("docs", new IndexSpec("text", "HNSW", "L2", new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "100" }, "text_idx"));
            await client.CreateIndexAsync("docs", new IndexSpec("image", "HNSW", "IP", new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "100" }, "image_idx"));
            await client.InsertAsync("docs", new InsertData(800).Column("id", Enumerable.Range(0, 800).Select(i => (long)i).ToArray()).Column("text", text).Column("image", image));
            await client.FlushAsync("docs");
            Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.Path, "objects", "index_files"), "index", SearchOption.AllDirectories).Length);
            foreach (var name in new[] { "text_idx", "image_idx" })
                Assert.Equal("Finished", (await client.DescribeIndexAsync("docs", name)).State);
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            // Row 123's own vector finds it first on either field, through that field's index and metric.
            var byText = await client.SearchAsync("docs", new SearchRequest { VectorField = "text", Vectors = text[(123 * Dim)..(124 * Dim)], Limit = 1, Metric = "L2", Params = new Dictionary<string, string> { ["ef"] = "64" } });
            Assert.Equal(123L, byText[0][0].Id);
            var e = await Assert.ThrowsAsync<Quiver.Node.Errors.QuiverException>(() => client.SearchAsync("docs", new SearchRequest { VectorField = "image", Vectors = image[..12], Metric = "L2" }));
            Assert.Contains("does not match the index", e.Message);
            var byImage = await client.SearchAsync("docs", new SearchRequest { VectorField = "image", Vectors = image[(5 * 12)..(6 * 12)], Limit = 10, Metric = "IP", Params = new Dictionary<string, string> { ["ef"] = "64" } });
            var best = Enumerable.Range(0, 800).OrderByDescending(i => Enumerable.Range(0, 12).Sum(d => image[i * 12 + d] * image[5 * 12 + d])).First();
            Assert.Equal((long)best, byImage[0][0].Id);
        }
    }
}
