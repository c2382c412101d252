using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Index.Gpu;
using Quiver.Index.Ivf;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Gpu;

namespace Quiver.Gpu.Conformance;

public static partial class GpuConformance
{
    private const int IvfN = 2000, IvfDim = 16, IvfNlist = 24;

    private static (IvfIndex Cpu, float[] Rows) TrainedIvf(Metric metric, int seed)
    {
        var rows = Uniform(IvfN, IvfDim, seed);
        var cpu = IvfIndex.Create(IndexKind.IvfFlat, metric, IvfDim, new IvfParameters(Nlist: IvfNlist, Iterations: 8, Seed: seed));
        cpu.AddRange(rows, threads: 1);
        return (cpu, rows);
    }

    /// <summary>Coarse assignment on the device against the double-precision distances to the CPU index's centroids.</summary>
    private static void IvfCoarse(GpuDevice device, Metric metric)
    {
        var (cpu, _) = TrainedIvf(metric, 61);
        using var _cpu = cpu;
        using var gpu = GpuIvfFlatIndex.FromIvf(device, cpu);
        const int nq = 9, nprobe = 5;
        var queries = Uniform(nq, IvfDim, 62);
        var probes = new int[nq * nprobe];
        var dist = new float[nq * nprobe];
        gpu.CoarseAssign(queries, nprobe, probes, dist);
        var centroids = cpu.Centroids.ToArray();
        // The coarse metric: L2², or −q·c with q normalized for COSINE (centroids are means of unit rows, not unit).
        var qs = (float[])queries.Clone();
        if (metric == Metric.Cosine) VectorDistance.NormalizeRows(qs, IvfDim);
        var coarseMetric = metric == Metric.L2 ? Metric.L2 : Metric.InnerProduct;
        double Ref(int q, int c) => Exact(coarseMetric, qs.AsSpan(q * IvfDim, IvfDim), centroids.AsSpan(c * IvfDim, IvfDim));
        var refIds = new int[nq * nprobe];
        var refD = new float[nq * nprobe];
        for (int q = 0; q < nq; q++)
        {
            var order = Enumerable.Range(0, IvfNlist).Select(c => (D: Ref(q, c), C: c)).OrderBy(t => t.D).ThenBy(t => t.C).Take(nprobe).ToArray();
            for (int i = 0; i < nprobe; i++) { refIds[q * nprobe + i] = order[i].C; refD[q * nprobe + i] = (float)order[i].D; }
        }
        Check.TopK($"coarse assignment {metric}", nq, nprobe, probes, dist, refIds, refD, Ref, ToleranceFor(coarseMetric, qs, centroids, IvfDim));
    }

    /// <summary>GPU_IVF_FLAT against CPU IVF_FLAT with the same trained centroids, lists, nprobe, filter and deletes.</summary>
    private static void IvfVsCpu(GpuDevice device, Metric metric, double filter, double deletes)
    {
        var (cpu, rows) = TrainedIvf(metric, 71);
        using var _cpu = cpu;
        var deleted = new Bitset(IvfN);
        if (deletes > 0)
        {
            var rng = new Random(72);
            for (int i = 0; i < IvfN; i++) if (rng.NextDouble() < deletes) { deleted.Set(i); cpu.Remove(i); }
        }
        using var gpu = GpuIvfFlatIndex.FromIvf(device, cpu);
        Check.True(gpu.LiveCount == cpu.LiveCount, $"LiveCount: GPU {gpu.LiveCount}, CPU {cpu.LiveCount}.");
        // A delete after the upload goes to the device set too.
        if (deletes > 0)
        {
            int extra = Enumerable.Range(0, IvfN).First(i => !deleted.Test(i));
            deleted.Set(extra);
            Check.True(cpu.Remove(extra) && gpu.Remove(extra), "Remove after upload must report a first delete.");
        }
        Bitset? f = filter > 0 ? Check.RandomFilter(IvfN, filter, 73) : null;
        var queries = Uniform(10, IvfDim, 74);
        foreach (int nprobe in new[] { 1, 4 })
            foreach (int k in new[] { 1, 10, 100 })
                CompareIvf(cpu, gpu, queries, rows, metric, k, nprobe, f, deleted, $"GPU_IVF_FLAT {metric} nprobe={nprobe} k={k} filter={filter} deletes={deletes}");
    }

    /// <summary>nprobe = nlist scans everything: GPU_IVF_FLAT equals FLAT (and k above 1024 runs in passes).</summary>
    private static void IvfAllEqualsFlat(GpuDevice device)
    {
        var (cpu, rows) = TrainedIvf(Metric.L2, 81);
        using var _cpu = cpu;
        using var gpu = GpuIvfFlatIndex.FromIvf(device, cpu);
        using var flat = FlatIndex.Create(Metric.L2, IvfDim, IvfN);
        flat.AddRange(rows);
        var queries = Uniform(3, IvfDim, 82);
        foreach (int k in new[] { 10, 1200 })
        {
            var gi = new int[3 * k];
            var gd = new float[3 * k];
            var ci = new int[3 * k];
            var cd = new float[3 * k];
            gpu.SearchBatch(queries, k, gi, gd, new IvfSearchParameters(IvfNlist));
            flat.SearchBatch(queries, k, ci, cd);
            Check.TopK($"GPU_IVF_FLAT nprobe=nlist vs FLAT k={k}", 3, k, gi, gd, ci, cd,
                (q, id) => Exact(Metric.L2, queries.AsSpan(q * IvfDim, IvfDim), rows.AsSpan(id * IvfDim, IvfDim)), ToleranceFor(Metric.L2, queries, rows, IvfDim));
        }
    }

    /// <summary>
    /// Integer rows full of exact duplicates: with every list probed (so the inexact coarse step cannot pick
    /// different lists), the GPU returns exactly the CPU's ids — exact ties go to the smaller id on both.
    /// </summary>
    private static void IvfTies(GpuDevice device, Metric metric)
    {
        const int n = 800, dim = 3, nlist = 8, nq = 10;
        var rows = Integers(n, dim, 131);
        var queries = Integers(nq, dim, 132);
        using var cpu = IvfIndex.Create(IndexKind.IvfFlat, metric, dim, new IvfParameters(Nlist: nlist, Iterations: 5, Seed: 3));
        cpu.AddRange(rows, threads: 1);
        using var gpu = GpuIvfFlatIndex.FromIvf(device, cpu);
        foreach (int k in new[] { 1, 40 })
        {
            var p = new IvfSearchParameters(nlist);
            var gi = new int[nq * k];
            var gd = new float[nq * k];
            var ci = new int[nq * k];
            var cd = new float[nq * k];
            ci.AsSpan().Fill(-1);
            cd.AsSpan().Fill(float.PositiveInfinity);
            for (int q = 0; q < nq; q++) cpu.Search(queries.AsSpan(q * dim, dim), k, ci.AsSpan(q * k, k), cd.AsSpan(q * k, k), p);
            gpu.SearchBatch(queries, k, gi, gd, p);
            Check.TopK($"GPU_IVF_FLAT {metric} ties k={k}", nq, k, gi, gd, ci, cd, (q, id) => Exact(metric, queries.AsSpan(q * dim, dim), rows.AsSpan(id * dim, dim)),
                ToleranceFor(metric, queries, rows, dim), strictIds: metric != Metric.Cosine);
        }
    }

    /// <summary>Rows added after the GPU twin was built land in the same lists as on the CPU and are found.</summary>
    private static void IvfAddAfterBuild(GpuDevice device)
    {
        var (cpu, rows) = TrainedIvf(Metric.InnerProduct, 91);
        using var _cpu = cpu;
        using var gpu = GpuIvfFlatIndex.FromIvf(device, cpu);
        var more = Uniform(300, IvfDim, 92);
        cpu.AddRange(more, threads: 1);
        gpu.AddRange(more, threads: 1);
        int a = cpu.Add(more.AsSpan(0, IvfDim)), b = gpu.Add(more.AsSpan(0, IvfDim));
        Check.True(a == b && gpu.Count == cpu.Count, $"Add returned {b} on the GPU, {a} on the CPU; counts {gpu.Count} / {cpu.Count}.");
        var all = rows.Concat(more).Concat(more.AsSpan(0, IvfDim).ToArray()).ToArray();
        var queries = Uniform(6, IvfDim, 93);
        CompareIvf(cpu, gpu, queries, all, Metric.InnerProduct, 20, 6, null, null, "GPU_IVF_FLAT after adds");
    }

    /// <summary>GPU_IVF_FLAT saves IVF_FLAT files (IvfIndex.Load reads them) and loads CPU-built ones.</summary>
    private static void IvfSaveLoad(GpuDevice device)
    {
        var (cpu, rows) = TrainedIvf(Metric.Cosine, 101);
        using var _cpu = cpu;
        cpu.Remove(5);
        using var ms = new MemoryStream();
        cpu.Save(ms);
        ms.Position = 0;
        using var gpu = GpuIvfFlatIndex.Load(device, ms);
        Check.True(gpu.Count == IvfN && gpu.LiveCount == IvfN - 1, $"GPU_IVF_FLAT from an IVF_FLAT file holds {gpu.Count} rows, {gpu.LiveCount} live.");
        var queries = Uniform(5, IvfDim, 102);
        CompareIvf(cpu, gpu, queries, rows, Metric.Cosine, 10, 3, null, null, "IVF_FLAT file read onto the GPU");
        gpu.Remove(6);
        cpu.Remove(6);
        using var ms2 = new MemoryStream();
        gpu.Save(ms2);
        ms2.Position = 0;
        using var back = IvfIndex.Load(ms2);
        Check.True(back.Kind == IndexKind.IvfFlat && back.LiveCount == IvfN - 2, $"IvfIndex.Load of a GPU_IVF_FLAT file gave {back.Kind} with {back.LiveCount} live rows.");
        Check.True(back.Centroids.SequenceEqual(cpu.Centroids), "The saved centroids differ from the trained ones.");
        CompareIvf(back, gpu, queries, rows, Metric.Cosine, 10, 3, null, null, "GPU_IVF_FLAT file read as IVF_FLAT");
    }

    private static void CompareIvf(IvfIndex cpu, GpuIvfFlatIndex gpu, float[] queries, float[] rows, Metric metric, int k, int nprobe, Bitset? filter, Bitset? deleted, string what)
    {
        int nq = queries.Length / IvfDim;
        var p = new IvfSearchParameters(nprobe);
        var gi = new int[nq * k];
        var gd = new float[nq * k];
        var ci = new int[nq * k];
        var cd = new float[nq * k];
        ci.AsSpan().Fill(-1);
        cd.AsSpan().Fill(float.PositiveInfinity);
        for (int q = 0; q < nq; q++)
            cpu.Search(queries.AsSpan(q * IvfDim, IvfDim), k, ci.AsSpan(q * k, k), cd.AsSpan(q * k, k), p, filter);
        gpu.SearchBatch(queries, k, gi, gd, p, filter);
        Check.TopK(what, nq, k, gi, gd, ci, cd, (q, id) => Exact(metric, queries.AsSpan(q * IvfDim, IvfDim), rows.AsSpan(id * IvfDim, IvfDim)),
            ToleranceFor(metric, queries, rows, IvfDim), allowed: id => (deleted is null || !deleted.Test(id)) && (filter is null || filter.Test(id)));
    }

    /// <summary>Allocating past the budget throws GpuOutOfMemoryException naming the bytes; the device keeps working.</summary>
    private static void MemoryBudget(GpuDevice device)
    {
        long used = device.UsedBytes;
        long tooMany = device.AvailableBytes / sizeof(float) + 1024;
        try
        {
            using var b = device.Allocate<float>(tooMany, "conformance oversize buffer");
            throw new ConformanceException($"Allocating {tooMany * 4:N0} bytes with {device.AvailableBytes:N0} available did not throw.");
        }
        catch (GpuOutOfMemoryException e)
        {
            Check.True(e.NeededBytes == tooMany * 4 && e.AvailableBytes <= e.NeededBytes && e.Message.Contains("bytes needed", StringComparison.Ordinal),
                $"The exception must name needed and available bytes: {e.Message}");
        }
        Check.True(device.UsedBytes == used, $"A refused allocation changed the used bytes ({used} → {device.UsedBytes}).");
        // An index whose growth would pass the budget fails the add clearly and stays usable.
        const int dim = 4;
        using var gpu = GpuBruteForceIndex.Create(device, Metric.L2, dim, capacity: 64);
        var rows = Uniform(64, dim, 111);
        gpu.AddRange(rows);
        const int wide = 4096;
        long hugeRows = device.AvailableBytes / (wide * sizeof(float)) + 1024;
        Check.True(hugeRows < int.MaxValue, "The budget is too large for this check's row count.");
        try
        {
            // Growth is reserved before anything is copied: the refused reserve leaves the vectors as they were.
            using var v = DeviceVectors.Create(device, wide, capacity: 64);
            v.Reserve((int)hugeRows);
            throw new ConformanceException("Reserving past the budget did not throw.");
        }
        catch (GpuOutOfMemoryException)
        {
        }
        var ids = new int[10];
        var d = new float[10];
        int found = gpu.Search(rows.AsSpan(0, dim), 10, ids, d);
        Check.True(found == 10 && ids[0] == 0 && d[0] <= 1e-5f, $"After a refused allocation the device must still search: found {found}, first id {ids[0]} at {d[0]}.");
    }
}
