using ILGPU;
using ILGPU.Runtime;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Half = System.Half;

namespace Quiver.Kernel.Gpu;

/// <summary>Which rows a kernel may return, as the kernels see it.</summary>
internal readonly record struct DeviceMask(ArrayView<uint> View, int Mode, int Bits);

/// <summary>Queries prepared for the device: row-major, normalized for COSINE, float32 or float16 bits.</summary>
internal sealed class HostQueries
{
    public float[]? F32;
    public ushort[]? F16;
    public int Count;

    public static HostQueries From(ReadOnlySpan<float> queries, int dim, bool normalize, GpuElementType type)
    {
        if (queries.Length % dim != 0) throw new ArgumentException($"{queries.Length} values are not a whole number of {dim}-d queries.", nameof(queries));
        var q = queries.ToArray();
        if (normalize) VectorDistance.NormalizeRows(q, dim);
        var h = new HostQueries { Count = q.Length / dim };
        if (type == GpuElementType.Float32) h.F32 = q;
        else
        {
            h.F16 = new ushort[q.Length];
            for (int i = 0; i < q.Length; i++) h.F16[i] = BitConverter.HalfToUInt16Bits((Half)q[i]);
        }
        return h;
    }

    public static HostQueries From(ReadOnlySpan<Half> queries, int dim, bool normalize, GpuElementType type)
    {
        if (queries.Length % dim != 0) throw new ArgumentException($"{queries.Length} values are not a whole number of {dim}-d queries.", nameof(queries));
        if (type == GpuElementType.Float16 && !normalize)
        {
            var bits = new ushort[queries.Length];
            for (int i = 0; i < bits.Length; i++) bits[i] = BitConverter.HalfToUInt16Bits(queries[i]);
            return new HostQueries { F16 = bits, Count = queries.Length / dim };
        }
        var wide = new float[queries.Length];
        for (int i = 0; i < wide.Length; i++) wide[i] = (float)queries[i];
        return From(wide, dim, normalize, type);
    }
}

/// <summary>
/// Host arrays a device search copies its results into, rented from the shared pool and returned when the search ends,
/// so a search allocates no result buffers (rented arrays may be longer than asked: every use gives its length).
/// </summary>
internal readonly struct HostResults : IDisposable
{
    public readonly float[] Distances;
    public readonly int[] Ids;
    public readonly float[] LowDistances;
    public readonly int[] LowIds;

    public HostResults(int results, int queries)
    {
        Distances = System.Buffers.ArrayPool<float>.Shared.Rent(results);
        Ids = System.Buffers.ArrayPool<int>.Shared.Rent(results);
        LowDistances = System.Buffers.ArrayPool<float>.Shared.Rent(queries);
        LowIds = System.Buffers.ArrayPool<int>.Shared.Rent(queries);
    }

    public void Dispose()
    {
        System.Buffers.ArrayPool<float>.Shared.Return(Distances);
        System.Buffers.ArrayPool<int>.Shared.Return(Ids);
        System.Buffers.ArrayPool<float>.Shared.Return(LowDistances);
        System.Buffers.ArrayPool<int>.Shared.Return(LowIds);
    }
}

/// <summary>
/// The host side of the device searches: batching, chunking, passes for k above 1024, and the launch
/// sequence distance → select → merge. Callers hold <see cref="GpuDevice.LaunchLock"/>.
/// </summary>
internal static class GpuSearch
{
    /// <summary>Rows one selection group reduces to k; never below 4·Kp so a group always discards most of what it reads.</summary>
    private const int BaseSegment = 4096;

    public static int Pow2(int x)
    {
        int p = 1;
        while (p < x) p <<= 1;
        return p;
    }

    public static (int Kp, int P) Widths(int k, int selectThreads)
    {
        int kp = Pow2(k);
        return (kp, Pow2(kp + GpuKernels.RoundItems));
    }

    public static KernelConfig Config(int gridX, int gridY, int threadsX, int threadsY = 1) => new(new Index3D(gridX, gridY, 1), new Index3D(threadsX, threadsY, 1));

    /// <summary>Bytes a search may use for its distance tile and candidate lists.</summary>
    public static long ScratchTarget(GpuDevice device) => Math.Clamp(device.MaxBytes / 16, 4L << 20, 256L << 20);

    public static DeviceMask Mask(GpuDevice device, DeviceBitset? deleted, Bitset? filter)
    {
        if (filter is not null)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<ulong, uint>(filter.Words);
            int n = Math.Max(words.Length, 1);
            var f = device.Scratch<uint>("filter", n);
            var allowed = device.Scratch<uint>("allowed", n);
            var stream = device.ComputeStream;
            if (words.Length > 0) f.View.SubView(0, words.Length).CopyFromCPU(stream, (ReadOnlySpan<uint>)words);
            var del = deleted is not null && deleted.SetCount > 0 ? deleted.View : device.Scratch<uint>("none", 2).View;
            int delWords = deleted is not null && deleted.SetCount > 0 ? (int)Math.Min(del.Length, Bitset.WordsFor(deleted.Length) * 2L) : 0;
            device.Kernels.Combine(stream, n, f.View.SubView(0, n), del, allowed.View.SubView(0, n), delWords);
            return new DeviceMask(allowed.View, MaskMode.Allowed, filter.Length);
        }
        if (deleted is not null && deleted.SetCount > 0) return new DeviceMask(deleted.View, MaskMode.Deleted, deleted.Length);
        return new DeviceMask(device.Scratch<uint>("none", 2).View, MaskMode.None, 0);
    }

    /// <summary>Uploads a block of queries and, for L2, their norms.</summary>
    public static void UploadQueries(GpuDevice device, HostQueries q, int dim, int first, int count, bool l2)
    {
        var stream = device.ComputeStream;
        long len = (long)count * dim;
        if (q.F32 is not null)
        {
            var buf = device.Scratch<float>("queries", len);
            buf.View.SubView(0, len).CopyFromCPU(stream, new ReadOnlySpan<float>(q.F32, first * dim, (int)len));
            var norms = device.Scratch<float>("query norms", count);
            if (l2) device.Kernels.Norms32(stream, count, buf.View, norms.View, 0, count, dim);
        }
        else
        {
            var buf = device.Scratch<ushort>("queries16", len);
            buf.View.SubView(0, len).CopyFromCPU(stream, new ReadOnlySpan<ushort>(q.F16!, first * dim, (int)len));
            var norms = device.Scratch<float>("query norms", count);
            if (l2) device.Kernels.Norms16(stream, count, buf.View, norms.View, 0, count, dim);
        }
    }

    /// <summary>Distances of the uploaded query block (count queries) to rows [rowStart, rowStart + rows) into output (stride outStride).</summary>
    public static void Distances(GpuDevice device, DeviceVectors vectors, int count, long rowStart, int rows, bool l2, ArrayView<float> output, long outStride)
    {
        var k = device.Kernels;
        var stream = device.ComputeStream;
        var qn = device.Scratch<float>("query norms", count).View;
        for (int q0 = 0; q0 < count; q0 += 65535 * 16)
        {
            int qc = Math.Min(count - q0, 65535 * 16);
            var args = new DistanceArgs { Queries = qc, Rows = rows, Dim = vectors.Dimension, RowStart = rowStart, OutStride = outStride, L2 = l2 ? 1 : 0 };
            var outView = output.SubView(q0 * outStride);
            var qnView = qn.SubView(q0);
            bool few = qc <= GpuKernels.FewMaxQueries;
            int side = device.TileSide, tile = 8 * side, fewRows = device.FewRows;
            var cfg = few ? Config((rows + fewRows - 1) / fewRows, 1, fewRows)
                          : Config((rows + tile - 1) / tile, (qc + tile - 1) / tile, side, side);
            long qOff = (long)q0 * vectors.Dimension;
            if (vectors.ElementType == GpuElementType.Float32)
            {
                var qv = device.Scratch<float>("queries", 1).View.SubView(qOff);
                (few ? k.Few32 : k.Tile32)(stream, cfg, qv, qnView, vectors.F32, vectors.Norms, outView, args);
            }
            else
            {
                var qv = device.Scratch<ushort>("queries16", 1).View.SubView(qOff);
                (few ? k.Few16 : k.Tile16)(stream, cfg, qv, qnView, vectors.F16, vectors.Norms, outView, args);
            }
        }
    }

    /// <summary>
    /// Exact k nearest rows among the first <paramref name="rowCount"/> of <paramref name="vectors"/> for every
    /// query; results (internal distances: L2² or −dot) go to ids/distances as queries × k, padded with −1 / +∞.
    /// </summary>
    public static void BruteForce(DeviceVectors vectors, int rowCount, HostQueries queries, int k, bool l2, DeviceBitset? deleted, Bitset? filter, Span<int> ids, Span<float> distances)
    {
        var device = vectors.Device;
        int nq = queries.Count, dim = vectors.Dimension;
        ids[..(nq * k)].Fill(-1);
        distances[..(nq * k)].Fill(float.PositiveInfinity);
        if (nq == 0 || rowCount == 0) return;
        var stream = device.ComputeStream;
        var kernels = device.Kernels;
        var mask = Mask(device, deleted, filter);
        long target = ScratchTarget(device);
        int passK = Math.Min(k, GpuKernels.MaxK);
        int segment = Math.Max(BaseSegment, 4 * Pow2(passK));
        int qb = Math.Min(nq, nq <= GpuKernels.FewMaxQueries ? nq : 1024);
        int roundedRows = (int)Math.Min(((long)rowCount + segment - 1) / segment * segment, int.MaxValue);
        int chunk;
        while (true)
        {
            chunk = (int)Math.Clamp(target / (4L * qb) / segment * segment, segment, roundedRows);
            long cand = (long)qb * (1 + chunk / segment) * passK * 8;
            if (cand <= target || qb == 1) break;
            qb = Math.Max(1, qb / 2);
        }
        int segs = chunk / segment;
        long candStride = (long)(1 + segs) * passK;
        var dist = device.Scratch<float>("distances", (long)qb * chunk);
        var candD = device.Scratch<float>("candidate distances", qb * candStride);
        var candI = device.Scratch<int>("candidate ids", qb * candStride);
        var resD = device.Scratch<float>("result distances", (long)qb * passK);
        var resI = device.Scratch<int>("result ids", (long)qb * passK);
        var lowD = device.Scratch<float>("low distances", qb);
        var lowI = device.Scratch<int>("low ids", qb);
        using var host = new HostResults(qb * passK, qb);
        var (hostD, hostI, lowHostD, lowHostI) = (host.Distances, host.Ids, host.LowDistances, host.LowIds);
        for (int q0 = 0; q0 < nq; q0 += qb)
        {
            int qn = Math.Min(qb, nq - q0);
            UploadQueries(device, queries, dim, q0, qn, l2);
            for (int done = 0; done < k;)
            {
                int kk = Math.Min(GpuKernels.MaxK, k - done);
                var (kp, p) = Widths(kk, device.SelectThreads);
                bool useLow = done > 0;
                if (useLow)
                {
                    lowD.View.SubView(0, qn).CopyFromCPU(stream, new ReadOnlySpan<float>(lowHostD, 0, qn));
                    lowI.View.SubView(0, qn).CopyFromCPU(stream, new ReadOnlySpan<int>(lowHostI, 0, qn));
                }
                kernels.Fill(stream, (int)(qn * candStride), candD.View, candI.View);
                for (int r0 = 0; r0 < rowCount; r0 += chunk)
                {
                    int rn = Math.Min(chunk, rowCount - r0);
                    int sn = (rn + segment - 1) / segment;
                    Distances(device, vectors, qn, r0, rn, l2, dist.View, chunk);
                    var select = new SelectArgs
                    {
                        Length = rn, ListStride = chunk, SegmentLength = segment, K = kk, Kp = kp, P = p, Items = GpuKernels.RoundItems / device.SelectThreads, IdBase = r0, UseIds = 0,
                        UseLow = useLow ? 1 : 0, MaskMode = mask.Mode, MaskBits = mask.Bits, OutStride = candStride, OutOffset = kk, Out2 = 0,
                    };
                    kernels.Select(stream, Config(sn, qn, device.SelectThreads), dist.View, candI.View, mask.View, lowD.View, lowI.View, candD.View, candI.View, resD.View, resI.View, select);
                    bool last = r0 + rn >= rowCount;
                    var merge = new SelectArgs
                    {
                        Length = (1 + sn) * kk, ListStride = candStride, SegmentLength = (1 + sn) * kk, K = kk, Kp = kp, P = p, Items = GpuKernels.RoundItems / device.SelectThreads, IdBase = 0, UseIds = 1,
                        UseLow = 0, MaskMode = MaskMode.None, MaskBits = 0, OutStride = candStride, OutOffset = 0, Out2 = last ? 1 : 0,
                    };
                    kernels.Select(stream, Config(1, qn, device.SelectThreads), candD.View, candI.View, mask.View, lowD.View, lowI.View, candD.View, candI.View, resD.View, resI.View, merge);
                }
                int got = Download(device, resD, resI, hostD, hostI, qn * kk);
                _ = got;
                bool more = false;
                for (int q = 0; q < qn; q++)
                {
                    hostD.AsSpan(q * kk, kk).CopyTo(distances.Slice((q0 + q) * k + done, kk));
                    hostI.AsSpan(q * kk, kk).CopyTo(ids.Slice((q0 + q) * k + done, kk));
                    int lastId = hostI[q * kk + kk - 1];
                    if (lastId >= 0)
                    {
                        lowHostD[q] = hostD[q * kk + kk - 1];
                        lowHostI[q] = lastId;
                        more = true;
                    }
                    else
                    {
                        lowHostD[q] = float.PositiveInfinity; // exhausted: nothing comes after
                        lowHostI[q] = int.MaxValue;
                    }
                }
                done += kk;
                if (!more) break;
            }
        }
    }

    public static int Download(GpuDevice device, DeviceBuffer<float> d, DeviceBuffer<int> i, float[] hostD, int[] hostI, int count)
    {
        var stream = device.ComputeStream;
        d.View.SubView(0, count).CopyToCPU(stream, hostD.AsSpan(0, count));
        i.View.SubView(0, count).CopyToCPU(stream, hostI.AsSpan(0, count));
        stream.Synchronize();
        return count;
    }
}
