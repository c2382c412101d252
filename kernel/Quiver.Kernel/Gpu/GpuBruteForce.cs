using ILGPU.Runtime;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Half = System.Half;

namespace Quiver.Kernel.Gpu;

/// <summary>
/// Exact batched search and batched distances on the device. Distances follow the CPU indexes'
/// convention, ascending = closer: L2 is the squared distance, IP is −q·x, COSINE is 1 − q·x over
/// normalized vectors (the rows must have been appended with normalize = true; queries are normalized
/// here). Ties go to the smaller row id.
/// </summary>
public static class GpuBruteForce
{
    /// <summary>Largest k one selection pass returns; larger k runs in passes of this size.</summary>
    public const int MaxKPerPass = GpuKernels.MaxK;

    /// <summary>Largest k accepted (Milvus's topk limit).</summary>
    public const int MaxK = 16384;

    /// <summary>
    /// The k nearest rows of <paramref name="rows"/> for each row-major query; ids and distances hold
    /// queries × k, padded with −1 / +∞ where fewer rows qualify. Rows set in <paramref name="deleted"/> are
    /// skipped; with a <paramref name="filter"/>, only rows whose bit is set are returned.
    /// </summary>
    public static void Search(DeviceVectors rows, ReadOnlySpan<float> queries, int k, Metric metric, Span<int> ids, Span<float> distances,
        DeviceBitset? deleted = null, Bitset? filter = null)
        => Run(rows, HostQueries.From(queries, rows.Dimension, Normalizes(rows, metric), rows.ElementType), k, metric, ids, distances, deleted, filter);

    /// <summary>As <see cref="Search(DeviceVectors, ReadOnlySpan{float}, int, Metric, Span{int}, Span{float}, DeviceBitset?, Bitset?)"/>, for float16 queries.</summary>
    public static void Search(DeviceVectors rows, ReadOnlySpan<Half> queries, int k, Metric metric, Span<int> ids, Span<float> distances,
        DeviceBitset? deleted = null, Bitset? filter = null)
        => Run(rows, HostQueries.From(queries, rows.Dimension, Normalizes(rows, metric), rows.ElementType), k, metric, ids, distances, deleted, filter);

    /// <summary>All queries × rows distances (row-major, queries × Count) — for tests and small inputs; searches never materialise this.</summary>
    public static void Distances(DeviceVectors rows, ReadOnlySpan<float> queries, Metric metric, Span<float> output)
        => RunDistances(rows, HostQueries.From(queries, rows.Dimension, Normalizes(rows, metric), rows.ElementType), metric, output);

    /// <summary>Float16 queries form of <see cref="Distances(DeviceVectors, ReadOnlySpan{float}, Metric, Span{float})"/>.</summary>
    public static void Distances(DeviceVectors rows, ReadOnlySpan<Half> queries, Metric metric, Span<float> output)
        => RunDistances(rows, HostQueries.From(queries, rows.Dimension, Normalizes(rows, metric), rows.ElementType), metric, output);

    internal static bool Normalizes(DeviceVectors rows, Metric metric)
    {
        if (metric is Metric.Hamming or Metric.Jaccard) throw new ArgumentException($"Metric {metric} is for binary vectors; the GPU kernels take L2, IP and COSINE.", nameof(metric));
        if (metric == Metric.Cosine && !rows.Normalized) throw new ArgumentException("COSINE needs rows appended with normalize = true (cosine is served as inner product over unit vectors).", nameof(metric));
        return metric == Metric.Cosine;
    }

    internal static float Offset(Metric metric) => metric == Metric.Cosine ? 1f : 0f;

    private static void Run(DeviceVectors rows, HostQueries q, int k, Metric metric, Span<int> ids, Span<float> distances, DeviceBitset? deleted, Bitset? filter)
    {
        if (k < 1 || k > MaxK) throw new ArgumentOutOfRangeException(nameof(k), k, $"k = {k} is out of range; allowed: 1 ≤ k ≤ {MaxK} (Milvus's topk limit).");
        long need = (long)q.Count * k;
        if (ids.Length < need || distances.Length < need) throw new ArgumentException($"The output spans must hold queries × k = {need} entries.", nameof(ids));
        lock (rows.Device.LaunchLock)
        {
            GpuSearch.BruteForce(rows, rows.Count, q, k, metric == Metric.L2, deleted, filter, ids, distances);
        }
        float offset = Offset(metric);
        if (offset != 0) foreach (ref float d in distances[..(int)need]) d += offset;
    }

    private static void RunDistances(DeviceVectors rows, HostQueries q, Metric metric, Span<float> output)
    {
        int n = rows.Count;
        long need = (long)q.Count * n;
        if (output.Length < need) throw new ArgumentException($"The output span must hold queries × rows = {need} entries.", nameof(output));
        if (need == 0) return;
        var device = rows.Device;
        lock (device.LaunchLock)
        {
            bool l2 = metric == Metric.L2;
            GpuSearch.UploadQueries(device, q, rows.Dimension, 0, q.Count, l2);
            var buf = device.Scratch<float>("distances", need);
            GpuSearch.Distances(device, rows, q.Count, 0, n, l2, buf.View, n);
            buf.View.SubView(0, need).CopyToCPU(device.ComputeStream, output[..(int)need]);
            device.ComputeStream.Synchronize();
        }
        float offset = Offset(metric);
        if (offset != 0) foreach (ref float d in output[..(int)need]) d += offset;
    }
}
