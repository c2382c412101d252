using Quiver.Index.Flat;
using Quiver.Index.Gpu;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Gpu;

namespace Quiver.Gpu.Conformance;

public static partial class GpuConformance
{
    internal sealed record BfSpec(Metric Metric, int N, int Dim, int Q, int K, int Seed, bool Integer = false, double Filter = 0, double Deletes = 0);

    /// <summary>Batched distances (tiled kernel for 9 queries, few-query kernel for 3) against the double-precision reference.</summary>
    private static void Distances(GpuDevice device, Metric metric, GpuElementType type)
    {
        const int n = 301, dim = 37;
        var rows = Uniform(n, dim, 1);
        var queries = Uniform(9, dim, 2);
        if (type == GpuElementType.Float16)
        {
            // Round the inputs to half first, so the reference sees exactly what the device stores.
            for (int i = 0; i < rows.Length; i++) rows[i] = (float)(Half)rows[i];
            for (int i = 0; i < queries.Length; i++) queries[i] = (float)(Half)queries[i];
        }
        using var v = DeviceVectors.Create(device, dim, type, normalize: metric == Metric.Cosine);
        v.Append(rows);
        var tol = ToleranceFor(metric, queries, rows, dim);
        foreach (int nq in new[] { 9, 3 })
        {
            var q = queries.AsSpan(0, nq * dim).ToArray();
            var output = new float[nq * n];
            if (type == GpuElementType.Float16)
            {
                var half = new Half[q.Length];
                for (int i = 0; i < q.Length; i++) half[i] = (Half)q[i];
                GpuBruteForce.Distances(v, half, metric, output);
            }
            else GpuBruteForce.Distances(v, q, metric, output);
            for (int a = 0; a < nq; a++)
                for (int b = 0; b < n; b++)
                {
                    double r = Exact(metric, q.AsSpan(a * dim, dim), rows.AsSpan(b * dim, dim));
                    // float16 storage of normalized COSINE rows rounds them once more.
                    double t = tol(a) + (type == GpuElementType.Float16 && metric == Metric.Cosine ? 2e-3 : 0);
                    Check.True(Math.Abs(output[a * n + b] - r) <= t, $"{metric} {type} distance query {a} row {b} (queries {nq}): GPU {output[a * n + b]} vs reference {r}, tolerance {t:G3}.");
                }
        }
    }

    /// <summary>
    /// GPU_BRUTE_FORCE against CPU FLAT on the same rows, deletes and filter. Integer data makes L2 and IP
    /// exact on both sides, so ids must match exactly there; COSINE normalizes (inexact), so distinct rows
    /// with equal true cosine may round apart by an ulp differently on CPU and GPU and only near-tie rules apply.
    /// </summary>
    private static void BruteForce(GpuDevice device, BfSpec s)
    {
        var rows = s.Integer ? Integers(s.N, s.Dim, s.Seed) : Uniform(s.N, s.Dim, s.Seed);
        var queries = s.Integer ? Integers(s.Q, s.Dim, s.Seed + 1000) : Uniform(s.Q, s.Dim, s.Seed + 1000);
        using var cpu = FlatIndex.Create(s.Metric, s.Dim, s.N);
        using var gpu = GpuBruteForceIndex.Create(device, s.Metric, s.Dim, s.N);
        cpu.AddRange(rows);
        gpu.AddRange(rows);
        var deleted = new Bitset(s.N);
        if (s.Deletes > 0)
        {
            var rng = new Random(s.Seed + 7);
            for (int i = 0; i < s.N; i++)
                if (rng.NextDouble() < s.Deletes)
                {
                    deleted.Set(i);
                    Check.True(cpu.Remove(i) && gpu.Remove(i), $"Remove({i}) must report a first delete.");
                }
            Check.True(gpu.LiveCount == cpu.LiveCount, $"LiveCount: GPU {gpu.LiveCount}, CPU {cpu.LiveCount}.");
        }
        Bitset? filter = s.Filter > 0 ? Check.RandomFilter(s.N, s.Filter, s.Seed + 9) : null;
        var gi = new int[s.Q * s.K];
        var gd = new float[s.Q * s.K];
        var ci = new int[s.Q * s.K];
        var cd = new float[s.Q * s.K];
        if (s.Q == 1)
        {
            // The single-query path: Search (a batch of one) on both sides.
            ci.AsSpan().Fill(-1);
            cd.AsSpan().Fill(float.PositiveInfinity);
            int fc = cpu.Search(queries, s.K, ci, cd, null, filter);
            int fg = gpu.Search(queries, s.K, gi, gd, null, filter);
            Check.True(fc == fg, $"Search found {fg} on the GPU, {fc} on the CPU.");
        }
        else
        {
            cpu.SearchBatch(queries, s.K, ci, cd, filter);
            gpu.SearchBatch(queries, s.K, gi, gd, null, filter);
        }
        Check.TopK($"GPU_BRUTE_FORCE {s}", s.Q, s.K, gi, gd, ci, cd,
            (q, id) => Exact(s.Metric, queries.AsSpan(q * s.Dim, s.Dim), rows.AsSpan(id * s.Dim, s.Dim)),
            ToleranceFor(s.Metric, queries, rows, s.Dim), strictIds: s.Integer && s.Metric != Metric.Cosine,
            allowed: id => !deleted.Test(id) && (filter is null || filter.Test(id)));
    }

    /// <summary>float16 rows and queries, float32 accumulation, against CPU FLAT over the same (half-rounded) values.</summary>
    private static void BruteForceHalf(GpuDevice device)
    {
        const int n = 900, dim = 19, nq = 7, k = 15;
        var rows = Uniform(n, dim, 31);
        var queries = Uniform(nq, dim, 32);
        var hr = new Half[rows.Length];
        var hq = new Half[queries.Length];
        for (int i = 0; i < rows.Length; i++) { hr[i] = (Half)rows[i]; rows[i] = (float)hr[i]; }
        for (int i = 0; i < queries.Length; i++) { hq[i] = (Half)queries[i]; queries[i] = (float)hq[i]; }
        using var v = DeviceVectors.Create(device, dim, GpuElementType.Float16);
        v.Append(hr);
        using var cpu = FlatIndex.Create(Metric.L2, dim, n);
        cpu.AddRange(rows);
        var gi = new int[nq * k];
        var gd = new float[nq * k];
        var ci = new int[nq * k];
        var cd = new float[nq * k];
        GpuBruteForce.Search(v, hq, k, Metric.L2, gi, gd);
        cpu.SearchBatch(queries, k, ci, cd);
        Check.TopK("float16 brute force", nq, k, gi, gd, ci, cd,
            (q, id) => Exact(Metric.L2, queries.AsSpan(q * dim, dim), rows.AsSpan(id * dim, dim)), ToleranceFor(Metric.L2, queries, rows, dim));
    }

    /// <summary>Rows added one by one and in ranges after the first upload (buffers grow by reallocation) are found.</summary>
    private static void BruteForceAddAfter(GpuDevice device)
    {
        const int dim = 10, k = 10;
        var first = Uniform(100, dim, 41);
        var more = Uniform(250, dim, 42);
        var queries = Uniform(5, dim, 43);
        using var cpu = FlatIndex.Create(Metric.L2, dim, 16);
        using var gpu = GpuBruteForceIndex.Create(device, Metric.L2, dim, capacity: 16);
        cpu.AddRange(first);
        gpu.AddRange(first);
        for (int i = 0; i < 10; i++)
        {
            int a = cpu.Add(more.AsSpan(i * dim, dim)), b = gpu.Add(more.AsSpan(i * dim, dim));
            Check.True(a == b, $"Add returned id {b} on the GPU, {a} on the CPU.");
        }
        cpu.AddRange(more.AsSpan(10 * dim));
        gpu.AddRange(more.AsSpan(10 * dim));
        Check.True(gpu.Count == 350 && cpu.Count == 350, $"Count: GPU {gpu.Count}, CPU {cpu.Count}.");
        var all = first.Concat(more).ToArray();
        Compare(cpu, gpu, queries, all, dim, k, Metric.L2, "add after upload");
    }

    /// <summary>GPU_BRUTE_FORCE writes FLAT's format (FlatIndex.Load reads it) and loads FLAT files.</summary>
    private static void BruteForceSaveLoad(GpuDevice device)
    {
        const int n = 500, dim = 8, k = 10;
        var rows = Uniform(n, dim, 51);
        var queries = Uniform(4, dim, 52);
        using var gpu = GpuBruteForceIndex.Create(device, Metric.Cosine, dim);
        gpu.AddRange(rows);
        gpu.Remove(3);
        gpu.Remove(77);
        using var ms = new MemoryStream();
        gpu.Save(ms);
        ms.Position = 0;
        using var cpu = FlatIndex.Load(ms);
        Check.True(cpu.Count == n && cpu.LiveCount == n - 2, $"FLAT read from a GPU_BRUTE_FORCE file holds {cpu.Count} rows, {cpu.LiveCount} live.");
        Compare(cpu, gpu, queries, rows, dim, k, Metric.Cosine, "GPU file read as FLAT");
        using var ms2 = new MemoryStream();
        cpu.Save(ms2);
        ms2.Position = 0;
        using var back = GpuBruteForceIndex.Load(device, ms2);
        Check.True(back.Count == n && back.LiveCount == n - 2, $"GPU_BRUTE_FORCE read from a FLAT file holds {back.Count} rows, {back.LiveCount} live.");
        Compare(cpu, back, queries, rows, dim, k, Metric.Cosine, "FLAT file read onto the GPU");
        using var twin = GpuBruteForceIndex.FromFlat(device, cpu);
        Compare(cpu, twin, queries, rows, dim, k, Metric.Cosine, "GPU twin of a FLAT index");
    }

    private static void Compare(FlatIndex cpu, GpuBruteForceIndex gpu, float[] queries, float[] rows, int dim, int k, Metric metric, string what)
    {
        int nq = queries.Length / dim;
        var gi = new int[nq * k];
        var gd = new float[nq * k];
        var ci = new int[nq * k];
        var cd = new float[nq * k];
        cpu.SearchBatch(queries, k, ci, cd);
        gpu.SearchBatch(queries, k, gi, gd);
        Check.TopK(what, nq, k, gi, gd, ci, cd, (q, id) => Exact(metric, queries.AsSpan(q * dim, dim), rows.AsSpan(id * dim, dim)), ToleranceFor(metric, queries, rows, dim));
    }

    /// <summary>An append larger than one staging chunk (two chunks through page-locked buffers) lands intact, norms included.</summary>
    private static void UploadChunked(GpuDevice device)
    {
        const int n = 40_000, dim = 33;
        var rows = Uniform(n, dim, 121);
        using var v = DeviceVectors.Create(device, dim, capacity: 1000);
        v.Append(rows.AsSpan(0, 10 * dim));
        v.Append(rows.AsSpan(10 * dim));
        Check.True(v.Count == n, $"Count {v.Count} after appending {n} rows.");
        var back = v.Download();
        for (int i = 0; i < rows.Length; i++)
            Check.True(back[i] == rows[i], $"Element {i} (row {i / dim}) came back as {back[i]}, not {rows[i]}.");
        // Rows from the first and the second chunk: a row's L2 distance to itself is ~0 only when its norm is right.
        foreach (int r in new[] { 5, 20_000, n - 1 })
        {
            var ids = new int[3];
            var d = new float[3];
            GpuBruteForce.Search(v, rows.AsSpan(r * dim, dim), 3, Metric.L2, ids, d);
            Check.True(ids[0] == r && Math.Abs(d[0]) <= Check.Tolerance(dim, 2 * SquaredNorm(rows.AsSpan(r * dim, dim))), $"Row {r} searched for itself found {ids[0]} at {d[0]}.");
        }
    }
}
