using ILGPU.Runtime;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Kernel.Gpu;

/// <summary>
/// IVF_FLAT search on the device: the coarse assignment (queries × centroids distances and top-nprobe,
/// exact) and the list scan, which per query reads only its nprobe lists and keeps the best k, then a
/// merge across lists. Distances follow the CPU convention (L2², −IP, 1 − cos); ties go to the smaller id.
/// </summary>
public static class GpuIvf
{
    /// <summary>
    /// The <paramref name="nprobe"/> nearest centroids of each query (queries × nprobe, ascending, ties to the
    /// smaller list number) and their distances (L2², or −q·c for IP and COSINE; COSINE queries are normalized).
    /// </summary>
    public static void CoarseAssign(GpuIvfLists lists, ReadOnlySpan<float> queries, int nprobe, Metric metric, Span<int> probes, Span<float> distances)
    {
        if (nprobe < 1 || nprobe > lists.Nlist) throw new ArgumentOutOfRangeException(nameof(nprobe), nprobe, $"nprobe = {nprobe} is out of range; allowed: 1 ≤ nprobe ≤ nlist = {lists.Nlist}.");
        var q = HostQueries.From(queries, lists.Dimension, metric == Metric.Cosine, GpuElementType.Float32);
        if (probes.Length < q.Count * nprobe || distances.Length < q.Count * nprobe) throw new ArgumentException($"The output spans must hold queries × nprobe = {q.Count * nprobe} entries.", nameof(probes));
        lock (lists.Device.LaunchLock)
            GpuSearch.BruteForce(lists.Centroids, lists.Nlist, q, nprobe, metric == Metric.L2, null, null, probes, distances);
    }

    /// <summary>
    /// The k nearest rows among each query's <paramref name="nprobe"/> nearest lists; ids and distances hold
    /// queries × k, padded with −1 / +∞. Deleted rows are skipped; with a filter, only rows whose bit is set qualify.
    /// </summary>
    public static void Search(GpuIvfLists lists, ReadOnlySpan<float> queries, int k, int nprobe, Metric metric, Span<int> ids, Span<float> distances,
        DeviceBitset? deleted = null, Bitset? filter = null)
    {
        if (metric is Metric.Hamming or Metric.Jaccard) throw new ArgumentException($"Metric {metric} is for binary vectors.", nameof(metric));
        if (k < 1 || k > GpuBruteForce.MaxK) throw new ArgumentOutOfRangeException(nameof(k), k, $"k = {k} is out of range; allowed: 1 ≤ k ≤ {GpuBruteForce.MaxK}.");
        if (nprobe < 1 || nprobe > lists.Nlist) throw new ArgumentOutOfRangeException(nameof(nprobe), nprobe, $"nprobe = {nprobe} is out of range; allowed: 1 ≤ nprobe ≤ nlist = {lists.Nlist}.");
        var q = HostQueries.From(queries, lists.Dimension, metric == Metric.Cosine, GpuElementType.Float32);
        int nq = q.Count;
        if (ids.Length < nq * k || distances.Length < nq * k) throw new ArgumentException($"The output spans must hold queries × k = {nq * k} entries.", nameof(ids));
        ids[..(nq * k)].Fill(-1);
        distances[..(nq * k)].Fill(float.PositiveInfinity);
        if (nq == 0) return;
        var device = lists.Device;
        bool l2 = metric == Metric.L2;
        lock (device.LaunchLock)
        {
            var probes = new int[nq * nprobe];
            var probeD = new float[nq * nprobe];
            GpuSearch.BruteForce(lists.Centroids, lists.Nlist, q, nprobe, l2, null, null, probes, probeD);
            if (lists.Count > 0) Scan(lists, q, probes, k, nprobe, l2, deleted, filter, ids, distances);
        }
        float offset = GpuBruteForce.Offset(metric);
        if (offset != 0) foreach (ref float d in distances[..(nq * k)]) d += offset;
    }

    private static void Scan(GpuIvfLists lists, HostQueries q, int[] probes, int k, int nprobe, bool l2, DeviceBitset? deleted, Bitset? filter, Span<int> ids, Span<float> distances)
    {
        var device = lists.Device;
        var kernels = device.Kernels;
        var stream = device.ComputeStream;
        int nq = q.Count, dim = lists.Dimension;
        var mask = GpuSearch.Mask(device, deleted, filter);
        int passK = Math.Min(k, GpuKernels.MaxK);
        long target = GpuSearch.ScratchTarget(device);
        int qb = (int)Math.Clamp(target / ((long)nprobe * passK * 8), 1, Math.Min(nq, 1024));
        // Own scratch slots: the coarse step (a brute force over the centroids) sizes the shared ones differently,
        // and alternating sizes in one slot would reallocate on every search.
        var probeBuf = device.Scratch<int>("probes", (long)qb * nprobe);
        var candD = device.Scratch<float>("ivf candidate distances", (long)qb * nprobe * passK);
        var candI = device.Scratch<int>("ivf candidate ids", (long)qb * nprobe * passK);
        var resD = device.Scratch<float>("ivf result distances", (long)qb * passK);
        var resI = device.Scratch<int>("ivf result ids", (long)qb * passK);
        var lowD = device.Scratch<float>("low distances", qb);
        var lowI = device.Scratch<int>("low ids", qb);
        using var host = new HostResults(qb * passK, qb);
        var (hostD, hostI, lowHostD, lowHostI) = (host.Distances, host.Ids, host.LowDistances, host.LowIds);
        for (int q0 = 0; q0 < nq; q0 += qb)
        {
            int qn = Math.Min(qb, nq - q0);
            GpuSearch.UploadQueries(device, q, dim, q0, qn, l2);
            probeBuf.View.SubView(0, (long)qn * nprobe).CopyFromCPU(stream, new ReadOnlySpan<int>(probes, q0 * nprobe, qn * nprobe));
            var queryView = device.Scratch<float>("queries", 1).View;
            var queryNorms = device.Scratch<float>("query norms", 1).View;
            for (int done = 0; done < k;)
            {
                int kk = Math.Min(GpuKernels.MaxK, k - done);
                var (kp, p) = GpuSearch.Widths(kk, device.SelectThreads);
                bool useLow = done > 0;
                if (useLow)
                {
                    lowD.View.SubView(0, qn).CopyFromCPU(stream, new ReadOnlySpan<float>(lowHostD, 0, qn));
                    lowI.View.SubView(0, qn).CopyFromCPU(stream, new ReadOnlySpan<int>(lowHostI, 0, qn));
                }
                int items = GpuKernels.RoundItems / device.SelectThreads;
                var scan = new ScanArgs { Dim = dim, Nprobe = nprobe, K = kk, Kp = kp, P = p, Items = items, UseLow = useLow ? 1 : 0, MaskMode = mask.Mode, MaskBits = mask.Bits, L2 = l2 ? 1 : 0 };
                kernels.Scan32(stream, GpuSearch.Config(nprobe, qn, device.SelectThreads), queryView, queryNorms, lists.Rows.F32, lists.Rows.Norms, lists.Ids.View,
                    lists.Offsets.View, probeBuf.View, mask.View, lowD.View, lowI.View, candD.View, candI.View, scan);
                int length = nprobe * kk;
                var merge = new SelectArgs
                {
                    Length = length, ListStride = length, SegmentLength = length, K = kk, Kp = kp, P = p, Items = items, IdBase = 0, UseIds = 1,
                    UseLow = 0, MaskMode = MaskMode.None, MaskBits = 0, OutStride = kk, OutOffset = 0, Out2 = 0,
                };
                kernels.Select(stream, GpuSearch.Config(1, qn, device.SelectThreads), candD.View, candI.View, mask.View, lowD.View, lowI.View, resD.View, resI.View, resD.View, resI.View, merge);
                GpuSearch.Download(device, resD, resI, hostD, hostI, qn * kk);
                bool more = false;
                for (int i = 0; i < qn; i++)
                {
                    hostD.AsSpan(i * kk, kk).CopyTo(distances.Slice((q0 + i) * k + done, kk));
                    hostI.AsSpan(i * kk, kk).CopyTo(ids.Slice((q0 + i) * k + done, kk));
                    int last = hostI[i * kk + kk - 1];
                    lowHostD[i] = last >= 0 ? hostD[i * kk + kk - 1] : float.PositiveInfinity;
                    lowHostI[i] = last >= 0 ? last : int.MaxValue;
                    more |= last >= 0;
                }
                done += kk;
                if (!more) break;
            }
        }
    }
}
