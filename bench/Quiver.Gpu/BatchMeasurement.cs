using System.Diagnostics;

namespace Quiver.Gpu;

/// <summary>A batched search under test: queries (row-major) → ids and distances (queries × k).</summary>
internal delegate void BatchSearch(ReadOnlySpan<float> queries, int k, Span<int> ids, Span<float> distances);

/// <summary>
/// Times one (index, parameters, k, batch size) point. The first <c>count</c> queries are cut into batches of
/// <c>batch</c>, each batch timed alone on the host clock (every search returns its results to host memory,
/// so the time is the device's work plus the transfers, as a caller sees it). One untimed batch first, so
/// kernel compilation and scratch allocation stay out. Passes over the queries repeat until at least
/// <c>minBatches</c> batches were timed (a batch of 10 000 is one batch a pass), unless a point has already
/// run <c>maxSeconds</c>. QPS = queries searched / summed batch time; p50 and p99 are per batch.
/// </summary>
internal static class BatchMeasurement
{
    public readonly record struct Result(double Qps, double P50Us, double P99Us, double Recall, int RecallQueries, int TimedBatches, int Passes);

    public static Result Run(BatchSearch search, float[] queries, int dim, int count, int batch, int k,
        int[] truth, int truthK, int recallQueries, int minBatches, double maxSeconds, int warmUpQueries = int.MaxValue)
    {
        if (k > truthK) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be at most the ground truth's {truthK}.");
        batch = Math.Min(batch, count);
        var ids = new int[count * k];
        var distances = new float[count * k];
        // Warm-up: one batch, untimed (compiles the kernels for this shape, allocates scratch).
        int w = Math.Min(batch, warmUpQueries);
        search(queries.AsSpan(0, w * dim), k, ids.AsSpan(0, w * k), distances.AsSpan(0, w * k));

        int batchesPerPass = (count + batch - 1) / batch;
        int passes = Math.Max(1, (minBatches + batchesPerPass - 1) / batchesPerPass);
        var latencies = new List<double>(passes * batchesPerPass);
        long searched = 0;
        double total = 0;
        int done = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            if (pass > 0 && total > maxSeconds) break;
            for (int q0 = 0; q0 < count; q0 += batch)
            {
                int n = Math.Min(batch, count - q0);
                long t0 = Stopwatch.GetTimestamp();
                search(queries.AsSpan(q0 * dim, n * dim), k, ids.AsSpan(q0 * k, n * k), distances.AsSpan(q0 * k, n * k));
                double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                latencies.Add(s * 1e6);
                total += s;
                searched += n;
            }
            done++;
        }
        latencies.Sort();
        int rq = Math.Min(recallQueries, count);
        return new Result(searched / total, Percentile(latencies, 0.50), Percentile(latencies, 0.99),
            Recall(ids, k, truth, truthK, rq), rq, latencies.Count, done);
    }

    /// <summary>Mean over the first <paramref name="queries"/> queries of |found ∩ true top k| / k.</summary>
    public static double Recall(int[] ids, int k, int[] truth, int truthK, int queries)
    {
        long hits = 0;
        var want = new HashSet<int>(k);
        for (int q = 0; q < queries; q++)
        {
            want.Clear();
            for (int j = 0; j < k; j++) want.Add(truth[q * truthK + j]);
            for (int j = 0; j < k; j++)
                if (want.Contains(ids[q * k + j])) hits++;
        }
        return queries == 0 ? 0 : (double)hits / ((long)queries * k);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
