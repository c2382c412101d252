using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Quiver.Datasets;
using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Index.Hnsw;
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
    public static int Run(bool quick, string? output, string? directory, string? dataDir, bool searchOnly = false)
    {
        string root = Path.Combine(directory ?? Path.GetTempPath(), $"quiver-engine-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        using var lines = new ResultLines(output);
        var Emit = lines.Emit;
        try
        {
            foreach (var (dim, rows) in searchOnly ? [] : new[] { (128, quick ? 100_000 : 300_000), (784, quick ? 30_000 : 60_000) })
                foreach (var row in Insert(Path.Combine(root, $"insert-{dim}"), dim, rows, 1000).GetAwaiter().GetResult()) Emit(row);
            foreach (var row in Search(Path.Combine(root, "search"), dataDir, quick).GetAwaiter().GetResult()) Emit(row);
            // Filter-expression evaluation and filtered search (also `quiver-bench filter` alone).
            foreach (var row in FilterBench.Rows(quick, root, dataDir)) Emit(row);
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
            ["bench"] = "insert", ["dim"] = dim, ["batch"] = batch, ["rows"] = rows, ["durable"] = true, ["clients"] = 1, ["seal_bytes"] = new QuiverClientOptions().SealBytes,
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
        int nq = quick ? 300 : 1000;
        var results = new List<Dictionary<string, object>>();
        // No background seal here: the FLAT comparison runs on growing data, the HNSW one on the segment the explicit flush seals.
        var searchOptions = new QuiverClientOptions { SealBytes = long.MaxValue, SealAfter = TimeSpan.FromDays(1) };
        var client = await QuiverClient.OpenAsync(dir, searchOptions);
        await client.CreateCollectionAsync(Schema(ds.Dim));
        for (int first = 0; first < ds.TrainCount; first += 1000)
        {
            int n = Math.Min(1000, ds.TrainCount - first);
            await client.InsertAsync("bench", new InsertData(n).Column("id", Enumerable.Range(first, n).Select(i => (long)i).ToArray())
                .Column("vec", ds.Train.AsSpan(first * ds.Dim, n * ds.Dim).ToArray()));
        }

        // 0. The engine's fixed cost per search: a collection of 10 rows, so the search itself is nearly free.
        {
            await client.CreateCollectionAsync(Schema(ds.Dim) with { Name = "tiny" });
            await client.InsertAsync("tiny", new InsertData(10).Column("id", Enumerable.Range(0, 10).Select(i => (long)i).ToArray())
                .Column("vec", ds.Train.AsSpan(0, 10 * ds.Dim).ToArray()));
            var q0 = ds.TestRow(0).ToArray();
            var lat = new List<double>();
            for (int i = 0; i < 3000; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await client.SearchAsync("tiny", new SearchRequest { Vectors = q0, Limit = k, Metric = "L2" });
                if (i >= 500) lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            }
            lat.Sort();
            results.Add(new Dictionary<string, object>
            {
                ["bench"] = "search_overhead", ["rows"] = 10, ["dim"] = ds.Dim, ["k"] = k, ["p50_us"] = Math.Round(lat[lat.Count / 2], 1), ["p99_us"] = Math.Round(lat[(int)(lat.Count * 0.99)], 1),
                ["note"] = "client → proxy → one growing segment of 10 rows: the per-search cost outside the index",
            });
        }

        // 1. Growing data (brute force) through the client versus the bare FLAT index.
        using (var flat = FlatIndex.Create(Metric.L2, ds.Dim, ds.TrainCount))
        {
            flat.AddRange(ds.Train);
            results.AddRange(await Compare(client, flat, ds, truth, nq, k, "FLAT", null, "growing segment, brute force"));
        }

        // 2. Flush: seal, write the Arrow segment, build HNSW over it, swap it in. Then the same against a bare HNSW index with the same parameters.
        var hnswParams = new HnswParameters(M: 16, EfConstruction: 200);
        var sw = Stopwatch.StartNew();
        using var hnsw = HnswIndex.Create(Metric.L2, ds.Dim, hnswParams, ds.TrainCount);
        hnsw.AddRange(ds.Train);
        results.Add(new Dictionary<string, object> { ["bench"] = "bare_index_build", ["index"] = "HNSW", ["rows"] = ds.TrainCount, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 2) });
        await client.CreateIndexAsync("bench", new IndexSpec("vec", "HNSW", "L2", new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "200" }));
        sw.Restart();
        await client.FlushAsync("bench");
        double flushSeconds = sw.Elapsed.TotalSeconds;
        results.Add(new Dictionary<string, object>
        {
            ["bench"] = "flush_to_indexed", ["dataset"] = "fashion-mnist", ["rows"] = ds.TrainCount, ["index"] = "HNSW", ["m"] = 16, ["efconstruction"] = 200,
            ["seconds"] = Math.Round(flushSeconds, 2), ["note"] = "seal + Arrow file + stats + manifest + upload (local) + HNSW build + swap; searchable through the index when it returns",
        });
        foreach (int ef in new[] { 16, 32, 64, 128 })
            results.AddRange(await Compare(client, hnsw, ds, truth, nq, k, "HNSW", ef, "sealed segment, HNSW"));

        // 3. Restart: the sealed segment's Arrow file and its saved HNSW are mapped, the WAL replays from the checkpoint.
        await client.DisposeAsync();
        sw.Restart();
        client = await QuiverClient.OpenAsync(dir, searchOptions);
        double openSeconds = sw.Elapsed.TotalSeconds;
        var check = await client.SearchAsync("bench", new SearchRequest { Vectors = ds.TestRow(0).ToArray(), Limit = k, Metric = "L2", Params = new Dictionary<string, string> { ["ef"] = "64" } });
        results.Add(new Dictionary<string, object>
        {
            ["bench"] = "reopen", ["rows"] = ds.TrainCount, ["seconds"] = Math.Round(openSeconds, 3), ["count"] = await client.CountAsync("bench"),
            ["top1_matches_truth"] = (long)check[0][0].Id == truth[0],
            ["note"] = "open after flush: catalog, segment record, mapped Arrow file + delete log, mapped HNSW file, WAL replay from the checkpoint",
        });
        await client.DisposeAsync();
        return results;
    }

    private static async Task<List<Dictionary<string, object>>> Compare(QuiverClient client, IVectorIndex index, Dataset ds, int[] truth, int nq, int k,
        string kind, int? ef, string enginePath)
    {
        var ids = new int[k];
        var distances = new float[k];
        SearchParameters? parameters = ef is { } e ? new HnswSearchParameters(e) : null;
        var request = new Dictionary<string, string>();
        if (ef is { } e2) request["ef"] = e2.ToString(CultureInfo.InvariantCulture);
        for (int q = 0; q < 20; q++)
        {
            index.Search(ds.TestRow(q), k, ids, distances, parameters);
            await client.SearchAsync("bench", new SearchRequest { Vectors = ds.TestRow(q).ToArray(), Limit = k, Metric = "L2", Params = request });
        }
        // The two paths alternate query by query, so drift on this shared machine hits both alike.
        var lat = new Dictionary<string, List<double>> { ["index"] = new(nq), ["engine"] = new(nq) };
        var hits = new Dictionary<string, double> { ["index"] = 0, ["engine"] = 0 };
        for (int q = 0; q < nq; q++)
        {
            var query = ds.TestRow(q).ToArray();
            var gt = truth.AsSpan(q * 100, k).ToArray();
            // Which path goes first alternates too: the second finds the query's neighbourhood warmer in the cache.
            for (int turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == (q % 2 == 0))
                {
                    long t0 = Stopwatch.GetTimestamp();
                    int n = index.Search(query, k, ids, distances, parameters);
                    lat["index"].Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                    hits["index"] += ids.Take(n).Count(f => gt.Contains(f));
                }
                else
                {
                    long t0 = Stopwatch.GetTimestamp();
                    var r = await client.SearchAsync("bench", new SearchRequest { Vectors = query, Limit = k, Metric = "L2", Params = request });
                    lat["engine"].Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                    hits["engine"] += r[0].Count(h => gt.Contains((int)(long)h.Id));
                }
            }
        }
        var rows = new List<Dictionary<string, object>>();
        foreach (string path in new[] { "index", "engine" })
        {
            var l = lat[path];
            double total = l.Sum() / 1e6;
            l.Sort();
            var row = new Dictionary<string, object>
            {
                ["bench"] = "search", ["path"] = path, ["index"] = kind, ["dataset"] = "fashion-mnist", ["k"] = k, ["threads"] = 1, ["queries"] = nq,
                ["recall"] = Math.Round(hits[path] / (nq * (double)k), 4), ["qps"] = Math.Round(nq / total, 1),
                ["p50_us"] = Math.Round(l[nq / 2]), ["p99_us"] = Math.Round(l[(int)(nq * 0.99)]),
                ["note"] = path == "engine" ? $"client → proxy → {enginePath}, one shard" : $"bare {kind} index",
            };
            if (ef is { } efv) row["ef"] = efv;
            rows.Add(row);
        }
        return rows;
    }
}
