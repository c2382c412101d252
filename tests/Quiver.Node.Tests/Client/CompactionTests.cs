using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Client;

public class CompactionTests
{
    private const int Dim = 8;

    private static QuiverClientOptions Small => new() { WalPageSizeBits = 20, WalMemorySizeBits = 22, WalSegmentSizeBits = 24, CompactionSmallRows = 1000 };

    private static CollectionSchema Schema => new("docs",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
        new FieldSchema("title", FieldType.VarChar) { MaxLength = 32, Nullable = true },
        new FieldSchema("tags", FieldType.Array) { ElementType = FieldType.Int64, MaxCapacity = 4, Nullable = true },
    ]) { EnableDynamicField = true };

    private static InsertData Rows(long first, int n)
    {
        var r = new Random((int)first);
        return new InsertData(n)
            .Column("id", Enumerable.Range(0, n).Select(i => first + i).ToArray())
            .Column("vec", Enumerable.Range(0, n * Dim).Select(_ => (float)r.NextDouble()).ToArray())
            .Column("title", Enumerable.Range(0, n).Select(i => (first + i) % 4 == 0 ? null : $"t{first + i}").ToArray())
            .Column("tags", Enumerable.Range(0, n).Select(i => (first + i) % 5 == 0 ? null : new long[] { first + i, 7 }).ToArray())
            .Dynamic(Enumerable.Range(0, n).Select(i => $"{{\"n\":{first + i}}}").ToArray());
    }

    [Fact]
    public async Task SmallSegmentsMergeDeletedRowsGoAndEverythingElseStays()
    {
        using var dir = new ScratchDirectory("compact");
        Dictionary<long, object?> before;
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            await client.CreateCollectionAsync(Schema);
            await client.CreateIndexAsync("docs", new IndexSpec("vec", "HNSW", "L2", new Dictionary<string, string> { ["M"] = "8", ["efConstruction"] = "50" }));
            for (int b = 0; b < 4; b++)
            {
                await client.InsertAsync("docs", Rows(b * 100, 100));
                await client.FlushAsync("docs");
            }
            await client.DeleteAsync("docs", Enumerable.Range(0, 400).Where(i => i % 10 == 3).Select(i => (long)i).ToArray());
            before = (await client.GetAsync("docs", Enumerable.Range(0, 400).Select(i => (long)i).ToArray(), ["id", "title", "tags", "$meta"]))
                .ToDictionary(r => (long)r["id"]!, r => (object?)$"{r["title"]}|{string.Join(',', (long[]?)r["tags"] ?? [])}|{r["$meta"]}");
            Assert.Equal(360, before.Count);

            var created = await client.CompactAsync("docs");
            Assert.Single(created);
            Assert.Equal(360, await client.CountAsync("docs"));
            await AssertSame(client, before);
            // Searching still finds exact matches through the rebuilt index.
            var probe = Rows(200, 1);
            var hit = await client.SearchAsync("docs", new SearchRequest { Vectors = (float[])probe.Columns["vec"].Values, Limit = 1, Metric = "L2", Params = new Dictionary<string, string> { ["ef"] = "64" } });
            Assert.Equal(200L, hit[0][0].Id);
            // A delete after compaction reaches the merged segment.
            await client.DeleteAsync("docs", new long[] { 200 });
            before.Remove(200);
            Assert.Empty(await client.CompactAsync("docs")); // one segment, few deletes: nothing to do
        }
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Small))
        {
            Assert.Equal(359, await client.CountAsync("docs"));
            await AssertSame(client, before);
            var arrows = Directory.GetFiles(Path.Combine(dir.Path, "objects", "insert_log"), "*.arrow", SearchOption.AllDirectories);
            Assert.Single(arrows); // the four old segments' files are gone
        }
    }

    [Fact]
    public async Task SearchesDuringFlushesAndCompactionsSeeEveryRowOnce()
    {
        using var dir = new ScratchDirectory("compactrace");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small);
        await client.CreateCollectionAsync(Schema);
        await client.CreateIndexAsync("docs", new IndexSpec("vec", "HNSW", "L2", new Dictionary<string, string> { ["M"] = "8", ["efConstruction"] = "40" }));
        await client.InsertAsync("docs", Rows(0, 50));
        await client.FlushAsync("docs");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        long written = 50;
        var writer = Task.Run(async () =>
        {
            for (int b = 1; !stop.IsCancellationRequested; b++)
            {
                await client.InsertAsync("docs", Rows(b * 50, 50));
                Interlocked.Add(ref written, 50);
                await client.FlushAsync("docs");
                if (b % 3 == 0) await client.CompactAsync("docs");
            }
        });
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                long before = Interlocked.Read(ref written);
                // Every row acknowledged before the count began is counted exactly once, whatever is being swapped.
                long count = await client.CountAsync("docs");
                Assert.InRange(count, before, before + 50);
                var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = (float[])Rows(0, 1).Columns["vec"].Values, Limit = 5, Metric = "L2", OutputFields = ["title"] });
                Assert.Equal(hits[0].Count, hits[0].Select(h => h.Id).Distinct().Count());
                Assert.Equal(0L, hits[0][0].Id);
            }
        })).ToArray();
        await Task.WhenAll(readers.Append(writer));
        Assert.Equal(Interlocked.Read(ref written), await client.CountAsync("docs"));
    }

    [Fact]
    public async Task TheBackgroundWorkerCompactsAndAnIndexWithoutTypeIsAutoindex()
    {
        using var dir = new ScratchDirectory("autocompact");
        var log = new List<string>();
        await using var client = await QuiverClient.OpenAsync(dir.Path, Small with { CompactionInterval = TimeSpan.FromMilliseconds(200), BackgroundInterval = TimeSpan.FromMilliseconds(50), Log = log.Add });
        await client.CreateCollectionAsync(Schema, load: false);
        var index = await client.CreateIndexAsync("docs", new IndexSpec("vec", "", "L2"));
        Assert.Equal("AUTOINDEX", index.IndexType);
        for (int b = 0; b < 3; b++)
        {
            await client.InsertAsync("docs", Rows(b * 100, 100));
            await client.FlushAsync("docs");
        }
        await client.DeleteAsync("docs", new long[] { 1, 2 });
        // Statistics need no load; three small segments become one in the background.
        Assert.Equal("298", (await client.GetCollectionStatisticsAsync("docs"))["row_count"]);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Directory.GetFiles(Path.Combine(dir.Path, "objects", "insert_log"), "*.arrow", SearchOption.AllDirectories).Length != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background compaction did not happen within 20 s");
            await Task.Delay(50);
        }
        await client.LoadCollectionAsync("docs");
        Assert.Equal(298, await client.CountAsync("docs"));
        var described = await client.DescribeIndexAsync("docs", index.IndexName);
        Assert.Equal("Finished", described.State);
        // Indexed rows count the merged segment's rows: 298 when the delete reached the rows before the background
        // compaction copied them, 300 when it came during the copy (then it is carried over as a delete, not dropped).
        Assert.InRange(described.IndexedRows, 298L, 300L);
        Assert.Empty(log);
    }

    private static async Task AssertSame(QuiverClient client, Dictionary<long, object?> expected)
    {
        var rows = await client.GetAsync("docs", Enumerable.Range(0, 400).Select(i => (long)i).ToArray(), ["id", "title", "tags", "$meta"]);
        var actual = rows.ToDictionary(r => (long)r["id"]!, r => (object?)$"{r["title"]}|{string.Join(',', (long[]?)r["tags"] ?? [])}|{r["$meta"]}");
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }
}
