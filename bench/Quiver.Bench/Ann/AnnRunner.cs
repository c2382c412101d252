using System.Diagnostics;
using Quiver.Datasets;
using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Index.Hnsw;
using Quiver.Index.Ivf;

namespace Quiver.Bench.Ann;

/// <summary>
/// <c>quiver-bench ann</c>: builds an index over a dataset, sweeps search parameters and writes one
/// <see cref="AnnResult"/> line per point, measured the ann-benchmarks way: recall@k against exact
/// ground truth, 100 untimed warm-up queries, then with one thread each query timed alone (QPS =
/// queries / summed query time) or, with threads = 0, all cores at once (QPS = queries / wall time).
/// </summary>
internal static class AnnRunner
{
    public sealed record Options(string Dataset, string Index, string Build, string Search, int K, int Threads, int Queries, string? Out, string? DataDir, int BuildThreads, bool Batch = false);

    public static int Run(Options o)
    {
        var log = Console.Error;
        var dataset = DatasetCatalog.Load(o.Dataset, o.DataDir, (stage, p) => Progress(log, stage, p));
        log.WriteLine($"dataset {dataset.Name}: {dataset.TrainCount} × {dataset.Dim}, {dataset.TestCount} queries, {dataset.Metric}");
        int gtK = Math.Max(o.K, 100);
        var truth = GroundTruth.Get(dataset, gtK, progress: p => Progress(log, "ground truth", p));
        EndProgress(log);

        int nq = o.Queries > 0 ? Math.Min(o.Queries, dataset.TestCount) : dataset.TestCount;
        string kind = o.Index.ToUpperInvariant();
        // Record the parameters the index was built with, defaults included, not just what was typed.
        var buildPairs = kind switch
        {
            "HNSW" => HnswParameters.Parse(o.Build) is var h ? new List<(string, string)> { ("m", h.M.ToString()), ("efconstruction", h.EfConstruction.ToString()) } : [],
            "IVF_FLAT" or "IVF_SQ8" or "IVF_PQ" => IvfBuildPairs(kind, IvfParameters.Parse(o.Build)),
            _ => IndexParams.Pairs(o.Build).ToList(),
        };
        var sw = Stopwatch.StartNew();
        IMutableVectorIndex index = kind switch
        {
            "FLAT" => FlatIndex.Create(dataset.Metric, dataset.Dim, dataset.TrainCount),
            "HNSW" => HnswIndex.Create(dataset.Metric, dataset.Dim, HnswParameters.Parse(o.Build), dataset.TrainCount),
            "IVF_FLAT" => IvfIndex.Create(IndexKind.IvfFlat, dataset.Metric, dataset.Dim, IvfParameters.Parse(o.Build)),
            "IVF_SQ8" => IvfIndex.Create(IndexKind.IvfSq8, dataset.Metric, dataset.Dim, IvfParameters.Parse(o.Build)),
            "IVF_PQ" => IvfIndex.Create(IndexKind.IvfPq, dataset.Metric, dataset.Dim, IvfParameters.Parse(o.Build)),
            _ => throw new ArgumentException($"Unknown index '{o.Index}'; this runner builds FLAT, HNSW, IVF_FLAT, IVF_SQ8 and IVF_PQ."),
        };
        using var _ = index;
        index.AddRange(dataset.Train, o.BuildThreads, p => Progress(log, $"build {kind}", p));
        double buildSeconds = sw.Elapsed.TotalSeconds;
        EndProgress(log);
        log.WriteLine($"built {kind} {o.Build} in {buildSeconds:F2} s, {index.MemoryBytes / 1e6:F1} MB");
        if (index is IvfIndex ivf)
            log.WriteLine($"  training {ivf.TrainSeconds:F2} s (coarse k-means {ivf.CoarseTrainSeconds:F2} s); codes + codebooks {ivf.CodeBytes / 1e6:F2} MB = 1/{(double)dataset.TrainCount * dataset.Dim * sizeof(float) / ivf.CodeBytes:F1} of the raw vectors");

        var points = kind == "FLAT" ? [(new List<(string, string)>(), (SearchParameters?)null)] : SearchPoints(o.Search);
        using var output = o.Out is null ? null : new StreamWriter(o.Out, append: true);
        foreach (var (pairs, parameters) in points)
        {
            var (recall, qps, p50, p99) = o.Batch
                ? MeasureBatch(index as FlatIndex ?? throw new ArgumentException("--batch applies to FLAT only."), dataset, truth, gtK, nq, o.K, o.Threads)
                : Measure(index, dataset, truth, gtK, nq, o.K, o.Threads, parameters);
            var result = new AnnResult
            {
                Dataset = dataset.Name,
                Engine = "quiver",
                Index = kind,
                Build = AnnResult.Params(buildPairs),
                Search = AnnResult.Params(o.Batch ? [.. pairs, ("batch", "all")] : pairs),
                K = o.K,
                Threads = o.Threads,
                Queries = nq,
                BuildSeconds = Math.Round(buildSeconds, 3),
                IndexBytes = index.MemoryBytes,
                Recall = Math.Round(recall, 5),
                Qps = Math.Round(qps, 1),
                P50Us = Math.Round(p50, 2),
                P99Us = Math.Round(p99, 2),
                Machine = Environment.MachineName,
                Date = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            };
            string line = result.ToJson();
            Console.WriteLine(line);
            output?.WriteLine(line);
            output?.Flush();
        }
        return 0;
    }

    private static List<(string, string)> IvfBuildPairs(string kind, IvfParameters p)
    {
        var pairs = new List<(string, string)> { ("nlist", p.Nlist.ToString()) };
        if (kind == "IVF_PQ") pairs.AddRange([("m", p.M.ToString()), ("nbits", p.Nbits.ToString())]);
        if (kind != "IVF_FLAT") pairs.AddRange([("by_residual", p.ByResidual ? "1" : "0"), ("refine", p.Refine ? "1" : "0")]);
        return pairs;
    }

    private static List<(List<(string, string)> Pairs, SearchParameters? Parameters)> SearchPoints(string text)
    {
        // "ef=10,20,40": one key with a list of values; IVF may add ";refine_k=4" (fixed for every point).
        var parts = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string sweep = parts[0];
        int eq = sweep.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--search '{text}' is not key=v1,v2,...[;refine_k=N]");
        string key = sweep[..eq].Trim().ToLowerInvariant();
        if (key is not ("ef" or "nprobe")) throw new ArgumentException($"--search takes ef=... (HNSW) or nprobe=... (IVF); got '{key}'.");
        int refineK = 1;
        foreach (var (k, v) in IndexParams.Pairs(string.Join(',', parts.Skip(1))))
            refineK = k == "refine_k" && key == "nprobe" ? IndexParams.Int(k, v) : throw new ArgumentException($"--search: unknown fixed parameter '{k}'; IVF takes refine_k.");
        return sweep[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => key == "ef"
                ? (new List<(string, string)> { (key, v) }, (SearchParameters?)new HnswSearchParameters(IndexParams.Int(key, v)).Validate())
                : (refineK > 1 ? [(key, v), ("refine_k", refineK.ToString())] : new List<(string, string)> { (key, v) },
                    new IvfSearchParameters(IndexParams.Int(key, v), refineK)))
            .ToList();
    }

    /// <summary>
    /// All queries in one <see cref="FlatIndex.SearchBatch"/> call (the register-tiled many-to-many
    /// kernel): QPS = queries / wall time; p50 and p99 are that time per query, there being no
    /// per-query latency in a batch.
    /// </summary>
    private static (double Recall, double Qps, double P50, double P99) MeasureBatch(FlatIndex index, Dataset ds, int[] truth, int gtK, int nq, int k, int threads)
    {
        var ids = new int[nq * k];
        var dist = new float[nq * k];
        var queries = ds.Test.AsSpan(0, nq * ds.Dim);
        index.SearchBatch(queries[..Math.Min(queries.Length, 100 * ds.Dim)], k, ids, dist, threads: threads); // warm-up
        var wall = Stopwatch.StartNew();
        index.SearchBatch(queries, k, ids, dist, threads: threads);
        double seconds = wall.Elapsed.TotalSeconds;
        double recall = 0;
        for (int q = 0; q < nq; q++)
        {
            var want = truth.AsSpan(q * gtK, k);
            int hit = 0;
            foreach (int id in ids.AsSpan(q * k, k)) if (want.Contains(id)) hit++;
            recall += (double)hit / k;
        }
        double perQueryUs = seconds * 1e6 / nq;
        return (recall / nq, nq / seconds, perQueryUs, perQueryUs);
    }

    private static (double Recall, double Qps, double P50, double P99) Measure(IVectorIndex index, Dataset ds, int[] truth, int gtK, int nq, int k, int threads, SearchParameters? parameters)
    {
        var ids = new int[nq * k];
        var latencies = new double[nq];
        int dim = ds.Dim;
        // Warm-up: 100 untimed queries.
        var wi = new int[k];
        var wd = new float[k];
        for (int i = 0; i < Math.Min(100, nq); i++) index.Search(ds.TestRow(i), k, wi, wd, parameters);

        double qps;
        if (threads == 1)
        {
            var dist = new float[k];
            long total = 0;
            for (int q = 0; q < nq; q++)
            {
                long t0 = Stopwatch.GetTimestamp();
                index.Search(ds.TestRow(q), k, ids.AsSpan(q * k, k), dist, parameters);
                long t = Stopwatch.GetTimestamp() - t0;
                total += t;
                latencies[q] = t * 1e6 / Stopwatch.Frequency;
            }
            qps = nq / ((double)total / Stopwatch.Frequency);
        }
        else
        {
            var wall = Stopwatch.StartNew();
            Parallel.For(0, nq, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount },
                () => new float[k],
                (q, _, dist) =>
                {
                    long t0 = Stopwatch.GetTimestamp();
                    index.Search(ds.TestRow((int)q), k, ids.AsSpan((int)q * k, k), dist, parameters);
                    latencies[q] = (Stopwatch.GetTimestamp() - t0) * 1e6 / Stopwatch.Frequency;
                    return dist;
                },
                _ => { });
            qps = nq / wall.Elapsed.TotalSeconds;
        }

        double recall = 0;
        for (int q = 0; q < nq; q++)
        {
            var want = truth.AsSpan(q * gtK, k);
            int hit = 0;
            foreach (int id in ids.AsSpan(q * k, k)) if (want.Contains(id)) hit++;
            recall += (double)hit / k;
        }
        Array.Sort(latencies);
        return (recall / nq, qps, latencies[nq / 2], latencies[Math.Min(nq - 1, (int)(nq * 0.99))]);
    }

    private static double _lastShown = -1;

    private static void Progress(TextWriter log, string stage, double p)
    {
        if (p - _lastShown < 0.02 && p < 1) return;
        _lastShown = p;
        int width = 30, filled = (int)(p * width);
        log.Write($"\r{stage,-16} [{new string('#', filled)}{new string('.', width - filled)}] {p * 100,5:F1}%");
    }

    private static void EndProgress(TextWriter log)
    {
        if (_lastShown >= 0) log.WriteLine();
        _lastShown = -1;
    }
}
