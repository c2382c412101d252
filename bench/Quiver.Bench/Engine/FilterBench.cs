using System.Diagnostics;
using System.Globalization;
using Apache.Arrow;
using Quiver.Datasets;
using Quiver.Index.Flat;
using Quiver.Kernel.Distance;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Expressions;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Bench.Engine;

/// <summary>
/// <c>quiver-bench filter</c>: filter-expression evaluation throughput over 10 M rows (column at a time into bitsets), and
/// filtered search on fashion-mnist with a synthetic scalar column at selectivities 50 %, 10 %, 1 %, 0.1 %: recall@10
/// against filtered brute force and QPS, beside an exact scan of only the passing rows (a FLAT index over them, built
/// beforehand — the cheapest exact answer). One JSON line each.
/// </summary>
internal static class FilterBench
{
    public static int Run(bool quick, string? output, string? directory, string? dataDir)
    {
        string root = Path.Combine(directory ?? Path.GetTempPath(), $"quiver-filter-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        using var lines = new ResultLines(output);
        try
        {
            foreach (var row in Rows(quick, root, dataDir)) lines.Emit(row);
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Every row of this bench (also run by <c>quiver-bench engine</c>); <paramref name="root"/> is a scratch directory.</summary>
    public static IEnumerable<Dictionary<string, object>> Rows(bool quick, string root, string? dataDir)
    {
        foreach (var row in Evaluation(quick ? 2_000_000 : 10_000_000)) yield return row;
        foreach (var row in FilteredSearch(Path.Combine(root, "filtered"), dataDir, quick).GetAwaiter().GetResult()) yield return row;
    }

    private static IEnumerable<Dictionary<string, object>> Evaluation(int rows)
    {
        var schema = new CollectionSchema("eval",
        [
            new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
            new FieldSchema("vec", FieldType.FloatVector) { Dim = 2 },
            new FieldSchema("a", FieldType.Int64),
            new FieldSchema("b", FieldType.Int32),
            new FieldSchema("c", FieldType.Double),
        ]);
        var storage = schema.ToSegmentSchema();
        // Segment-sized batches of 64 Ki rows, as a sealed segment file holds them.
        const int batchRows = 1 << 16;
        var batches = new List<RecordBatch>();
        var random = new Random(42);
        for (int first = 0; first < rows; first += batchRows)
        {
            int n = Math.Min(batchRows, rows - first);
            var ids = new long[n];
            var a = new long[n];
            var b = new int[n];
            var c = new double[n];
            for (int i = 0; i < n; i++)
            {
                ids[i] = first + i;
                a[i] = random.NextInt64(0, 1_000_000);
                b[i] = random.Next(0, 1000);
                c[i] = random.NextDouble();
            }
            var vec = new FixedSizeListArray(new Apache.Arrow.Types.FixedSizeListType(new Field("item", Apache.Arrow.Types.FloatType.Default, false), 2), n,
                new FloatArray.Builder().AppendRange(new float[2 * n]).Build(), ArrowBuffer.Empty, 0);
            batches.Add(new RecordBatch(storage.Arrow,
            [
                new Int64Array.Builder().AppendRange(ids).Build(), vec, new Int64Array.Builder().AppendRange(a).Build(),
                new Int32Array.Builder().AppendRange(b).Build(), new DoubleArray.Builder().AppendRange(c).Build(),
                new UInt64Array.Builder().AppendRange(new ulong[n]).Build(),
            ], n));
        }
        // Scalar indexes over the same batches, for the rows that use them: a sorted one on `a`, an inverted one on `b`.
        var indexes = new Dictionary<string, ScalarIndex>
        {
            ["a"] = ScalarIndex.Build("STL_SORT", storage.Fields[2], batches, 2),
            ["b"] = ScalarIndex.Build("INVERTED", storage.Fields[3], batches, 3),
        };
        foreach (var (name, expression, indexed) in new[]
        {
            ("simple comparison", "a > 500000", false),
            ("three clauses", "a > 250000 and b < 500 or c >= 0.9", false),
            ("range + in", "100 <= b < 900 and a in [1, 2, 3, 500000, 999999] or c < 0.01", false),
            ("equality", "a == 123456", false),
            ("equality, STL_SORT index", "a == 123456", true),
            ("two clauses, indexes", "b == 7 and a < 1000", true),
            ("two clauses, no index", "b == 7 and a < 1000", false),
        })
        {
            var plan = FilterPlan.Compile(expression, schema);
            var use = indexed ? indexes : null;
            long matched = plan.Evaluate(batches, storage, use).PopCount(); // warm-up
            var times = new List<double>();
            for (int run = 0; run < 9; run++)
            {
                long t0 = Stopwatch.GetTimestamp();
                plan.Evaluate(batches, storage, use);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            times.Sort();
            double median = times[times.Count / 2];
            yield return new Dictionary<string, object>
            {
                ["bench"] = "expression_eval", ["expression"] = expression, ["kind"] = name, ["rows"] = rows, ["matched"] = matched, ["threads"] = 1,
                ["scalar_indexes"] = indexed ? "a: STL_SORT, b: INVERTED" : "none",
                ["median_ms"] = Math.Round(median * 1e3, 2), ["rows_per_s"] = Math.Round(rows / median), ["best_ms"] = Math.Round(times[0] * 1e3, 2),
            };
        }
    }

    private static async Task<List<Dictionary<string, object>>> FilteredSearch(string dir, string? dataDir, bool quick)
    {
        var ds = DatasetCatalog.Load("fashion-mnist", dataDir);
        const int k = 10;
        int nq = quick ? 200 : 1000;
        var results = new List<Dictionary<string, object>>();
        var options = new QuiverClientOptions { SealBytes = long.MaxValue, SealAfter = TimeSpan.FromDays(1) };
        await using var client = await QuiverClient.OpenAsync(dir, options);
        await client.CreateCollectionAsync(new CollectionSchema("bench",
        [
            new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
            new FieldSchema("vec", FieldType.FloatVector) { Dim = ds.Dim },
            new FieldSchema("tag", FieldType.Int64),
        ]));
        // tag: 0..999, spread over the rows by a multiplicative hash, so a bound on it picks rows all over the vector space.
        static long Tag(long id) => id * 7919 % 1000;
        for (int first = 0; first < ds.TrainCount; first += 1000)
        {
            int n = Math.Min(1000, ds.TrainCount - first);
            await client.InsertAsync("bench", new InsertData(n).Column("id", Enumerable.Range(first, n).Select(i => (long)i).ToArray())
                .Column("vec", ds.Train.AsSpan(first * ds.Dim, n * ds.Dim).ToArray())
                .Column("tag", Enumerable.Range(first, n).Select(i => Tag(i)).ToArray()));
        }
        await client.CreateIndexAsync("bench", new IndexSpec("vec", "HNSW", "L2", new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "200" }));
        await client.FlushAsync("bench");

        var cases = new List<(int Bound, double Selectivity, long[][] Truth)>();
        foreach (var (bound, selectivity) in new[] { (500, 0.5), (100, 0.1), (10, 0.01), (1, 0.001) })
        {
            var passing = Enumerable.Range(0, ds.TrainCount).Where(i => Tag(i) < bound).ToArray();
            using var exact = FlatIndex.Create(Metric.L2, ds.Dim, passing.Length);
            var subset = new float[passing.Length * ds.Dim];
            for (int i = 0; i < passing.Length; i++) ds.Train.AsSpan(passing[i] * ds.Dim, ds.Dim).CopyTo(subset.AsSpan(i * ds.Dim));
            exact.AddRange(subset);
            var ids = new int[k];
            var dists = new float[k];
            var truth = new long[nq][];
            var exactLat = new List<double>(nq);
            for (int q = 0; q < nq; q++)
            {
                long t0 = Stopwatch.GetTimestamp();
                int n = exact.Search(ds.TestRow(q), k, ids, dists);
                exactLat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                truth[q] = ids.Take(n).Select(i => (long)passing[i]).ToArray();
            }
            results.Add(Row("exact_passing_rows", "FLAT over a prebuilt compact copy of the passing rows (cache-friendly lower bound)", selectivity, exactLat, 1.0, nq, null));
            // The same exact answer over the rows where they lie: the passing ids scored in place by the by-id kernel, then top-k.
            var inPlaceLat = new List<double>(nq);
            var scores = new float[passing.Length];
            var heapStore = new ulong[k];
            double inPlaceHits = 0;
            for (int q = 0; q < nq; q++)
            {
                long t0 = Stopwatch.GetTimestamp();
                VectorDistance.SquaredL2(ds.TestRow(q), ds.Train, passing, scores);
                var heap = new Quiver.Kernel.Select.TopKHeap(heapStore, k);
                for (int i = 0; i < scores.Length; i++)
                    if (!heap.IsFull || scores[i] <= heap.WorstDistance) heap.Push(scores[i], passing[i]);
                int n = heap.Drain(dists, ids);
                inPlaceLat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                inPlaceHits += ids.Take(n).Count(i => truth[q].Contains(i));
            }
            results.Add(Row("exact_passing_rows_in_place", "the passing rows scored where they lie in the 60 000-row array (by-id kernel + top-k); the filter's ids known beforehand", selectivity, inPlaceLat, inPlaceHits / (nq * (double)k), nq, null));
            foreach (int ef in new[] { 64, 128 })
                results.Add(await Filtered(client, ds, bound, selectivity, truth, nq, ef, null));
            cases.Add((bound, selectivity, truth));
        }
        // The same filters with a sorted scalar index on the column: the filter is answered from the index instead of a scan.
        await client.CreateIndexAsync("bench", new IndexSpec("tag", "STL_SORT"));
        foreach (var (bound, selectivity, truth) in cases)
            results.Add(await Filtered(client, ds, bound, selectivity, truth, nq, 64, "STL_SORT"));
        return results;
    }

    private static async Task<Dictionary<string, object>> Filtered(QuiverClient client, Dataset ds, int bound, double selectivity, long[][] truth, int nq, int ef, string? scalarIndex)
    {
        const int k = 10;
        string filter = $"tag < {bound}";
        var request = new Dictionary<string, string> { ["ef"] = ef.ToString(CultureInfo.InvariantCulture) };
        for (int q = 0; q < 10; q++)
            await client.SearchAsync("bench", new SearchRequest { Vectors = ds.TestRow(q).ToArray(), Limit = k, Metric = "L2", Filter = filter, Params = request });
        var lat = new List<double>(nq);
        double hits = 0, wanted = 0;
        for (int q = 0; q < nq; q++)
        {
            var query = ds.TestRow(q).ToArray();
            long t0 = Stopwatch.GetTimestamp();
            var r = await client.SearchAsync("bench", new SearchRequest { Vectors = query, Limit = k, Metric = "L2", Filter = filter, Params = request });
            lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            var gt = truth[q].ToHashSet();
            hits += r[0].Count(h => gt.Contains((long)h.Id));
            wanted += gt.Count;
        }
        var row = Row("filtered_search", $"client → filter `{filter}` {(scalarIndex is null ? "scanned" : $"answered by a {scalarIndex} index")} per segment → HNSW sealed segment (walk or exact scan of the passing rows by cost)",
            selectivity, lat, hits / wanted, nq, ef);
        row["scalar_index"] = scalarIndex ?? "none";
        return row;
    }

    private static Dictionary<string, object> Row(string bench, string note, double selectivity, List<double> lat, double recall, int nq, int? ef)
    {
        double total = lat.Sum() / 1e6;
        lat.Sort();
        var row = new Dictionary<string, object>
        {
            ["bench"] = bench, ["index"] = bench == "filtered_search" ? "HNSW" : "exact", ["dataset"] = "fashion-mnist", ["selectivity"] = selectivity, ["threads"] = 1, ["k"] = 10,
            ["queries"] = nq, ["recall"] = Math.Round(recall, 4), ["qps"] = Math.Round(nq / total, 1), ["p50_us"] = Math.Round(lat[nq / 2]), ["p99_us"] = Math.Round(lat[(int)(nq * 0.99)]), ["note"] = note,
        };
        if (ef is { } e) row["ef"] = e;
        return row;
    }
}
