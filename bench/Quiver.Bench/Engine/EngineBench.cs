using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Quiver.Datasets;
using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Kernel.Distance;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Bench.Engine;

/// <summary>
/// <c>quiver-bench engine</c>: durable insert throughput through the embedded client, time from a write to
/// searchable, and search through the client against the bare index on the same rows. One JSON line each.
/// </summary>
internal static class EngineBench
{
    public static int Run(bool quick, string? output, string? directory, string? dataDir)
    {
        string root = Path.Combine(directory ?? Path.GetTempPath(), $"quiver-engine-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        using var sink = output is null ? null : new StreamWriter(output, append: true);
        void Emit(Dictionary<string, object> row)
        {
            row["machine"] = Environment.MachineName;
            row["cores"] = Environment.ProcessorCount;
            row["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            string line = JsonSerializer.Serialize(row);
            Console.WriteLine(line);
            sink?.WriteLine(line);
            sink?.Flush();
        }
        try
        {
            foreach (var (dim, rows) in new[] { (128, quick ? 100_000 : 300_000), (784, quick ? 30_000 : 60_000) })
                foreach (var row in Insert(Path.Combine(root, $"insert-{dim}"), dim, rows, 1000).GetAwaiter().GetResult()) Emit(row);
            foreach (var row in Search(Path.Combine(root, "search"), dataDir, quick).GetAwaiter().GetResult()) Emit(row);
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static CollectionSchema Schema(int dim) => new("bench",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = dim },
    ]);

    private static async Task<List<Dictionary<string, object>>> Insert(string dir, int dim, int rows, int batch)
    {
        var results = new List<Dictionary<string, object>>();
        await using var client = await QuiverClient.OpenAsync(dir);
        await client.CreateCollectionAsync(Schema(dim));
        var random = new Random(dim);
        var vectors = new float[batch * dim];
        for (int i = 0; i < vectors.Length; i++) vectors[i] = (float)random.NextDouble();
        var latencies = new List<double>();
        var sw = Stopwatch.StartNew();
        for (int first = 0; first < rows; first += batch)
        {
            var data = new InsertData(batch).Column("id", Enumerable.Range(first, batch).Select(i => (long)i).ToArray()).Column("vec", vectors);
            long t0 = Stopwatch.GetTimestamp();
            await client.InsertAsync("bench", data);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }
        double secs = sw.Elapsed.TotalSeconds;
        latencies.Sort();
        results.Add(new Dictionary<string, object>
        {
            ["bench"] = "insert", ["dim"] = dim, ["batch"] = batch, ["rows"] = rows, ["durable"] = true, ["clients"] = 1,
            ["rows_per_s"] = Math.Round(rows / secs), ["mb_per_s"] = Math.Round(rows * (double)dim * 4 / secs / 1e6, 1),
            ["p50_us"] = Math.Round(latencies[latencies.Count / 2]), ["p99_us"] = Math.Round(latencies[(int)(latencies.Count * 0.99)]),
        });

        // Insert to searchable: a write returns once it is visible, so this is the acknowledgement latency of one row,
        // checked by a search that must find it.
        var one = new List<double>();
        for (int i = 0; i < 200; i++)
        {
            long id = rows + i;
            var v = vectors.AsSpan(0, dim).ToArray();
            v[0] = 1000 + i;
            long t0 = Stopwatch.GetTimestamp();
            await client.InsertAsync("bench", new InsertData(1).Column("id", new[] { id }).Column("vec", v));
            one.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            if (i % 50 == 0)
            {
                var hit = await client.SearchAsync("bench", new SearchRequest { Vectors = v, Limit = 1, Metric = "L2" });
                if ((long)hit[0][0].Id != id) throw new InvalidOperationException($"row {id} was acknowledged but not found");
            }
        }
        one.Sort();
        results.Add(new Dictionary<string, object>
        {
            ["bench"] = "insert_to_searchable", ["dim"] = dim, ["rows_per_write"] = 1, ["p50_us"] = Math.Round(one[one.Count / 2]), ["p99_us"] = Math.Round(one[(int)(one.Count * 0.99)]),
            ["note"] = "a write returns after it is durable and visible; growing segment, brute force",
        });
        return results;
    }

    private static async Task<List<Dictionary<string, object>>> Search(string dir, string? dataDir, bool quick)
    {
        var ds = DatasetCatalog.Load("fashion-mnist", dataDir);
        const int k = 10;
        var truth = GroundTruth.Get(ds, 100);
        int nq = quick ? 200 : 1000;
        var results = new List<Dictionary<string, object>>();
        await using var client = await QuiverClient.OpenAsync(dir);
        await client.CreateCollectionAsync(Schema(ds.Dim));
        for (int first = 0; first < ds.TrainCount; first += 1000)
        {
            int n = Math.Min(1000, ds.TrainCount - first);
            await client.InsertAsync("bench", new InsertData(n).Column("id", Enumerable.Range(first, n).Select(i => (long)i).ToArray())
                .Column("vec", ds.Train.AsSpan(first * ds.Dim, n * ds.Dim).ToArray()));
        }
        using var flat = FlatIndex.Create(Metric.L2, ds.Dim, ds.TrainCount);
        flat.AddRange(ds.Train);
        var ids = new int[k];
        var distances = new float[k];
        // Warm both paths.
        for (int q = 0; q < 20; q++)
        {
            flat.Search(ds.TestRow(q), k, ids, distances);
            await client.SearchAsync("bench", new SearchRequest { Vectors = ds.TestRow(q).ToArray(), Limit = k, Metric = "L2" });
        }
        foreach (string path in new[] { "index", "engine" })
        {
            var lat = new List<double>(nq);
            double hits = 0;
            for (int q = 0; q < nq; q++)
            {
                var query = ds.TestRow(q).ToArray();
                long t0 = Stopwatch.GetTimestamp();
                IEnumerable<long> found;
                if (path == "index")
                {
                    int n = flat.Search(query, k, ids, distances);
                    found = ids.Take(n).Select(i => (long)i);
                }
                else
                {
                    var r = await client.SearchAsync("bench", new SearchRequest { Vectors = query, Limit = k, Metric = "L2" });
                    found = r[0].Select(h => (long)h.Id);
                }
                lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                var gt = truth.AsSpan(q * 100, k).ToArray();
                hits += found.Count(f => gt.Contains((int)f));
            }
            double total = lat.Sum() / 1e6;
            lat.Sort();
            results.Add(new Dictionary<string, object>
            {
                ["bench"] = "search", ["path"] = path, ["index"] = "FLAT", ["dataset"] = "fashion-mnist", ["k"] = k, ["threads"] = 1, ["queries"] = nq,
                ["recall"] = Math.Round(hits / (nq * (double)k), 4), ["qps"] = Math.Round(nq / total, 1),
                ["p50_us"] = Math.Round(lat[nq / 2]), ["p99_us"] = Math.Round(lat[(int)(nq * 0.99)]),
                ["note"] = path == "engine" ? "client → proxy → growing segments (brute force), one shard" : "bare FlatIndex",
            });
        }
        return results;
    }
}
