using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Quiver.Kernel.Gpu;

/// <summary>Reads one stored element as float32 (a struct functor: the kernel is specialised per element type).</summary>
internal interface IElementReader<T> where T : unmanaged
{
    float Read(T value);
}

/// <summary>float32 elements.</summary>
internal readonly struct Float32Reader : IElementReader<float>
{
    public float Read(float value) => value;
}

/// <summary>float16 elements, stored as their IEEE binary16 bits.</summary>
internal readonly struct Float16Reader : IElementReader<ushort>
{
    public float Read(ushort value) => GpuKernels.HalfToFloat(value);
}

/// <summary>
/// The device kernels, as static methods over ArrayViews (ILGPU's sample style), and their compiled
/// delegates for one accelerator. An instance is created once per <see cref="GpuDevice"/>; every kernel
/// is compiled on its first use and reused for the device's lifetime.
/// </summary>
internal sealed partial class GpuKernels
{
    /// <summary>Distance tile on CUDA: 128 queries × 128 rows per group, 16 dims per shared-memory step, 16 × 16 threads each owning an 8 × 8 register block (TileQ/TileR: the shared arrays' row pitch, the largest tile).</summary>
    public const int TileQ = 128, TileR = 128, TileK = 16, TileThreads = 256;

    /// <summary>Few-query kernel: 256 rows per group, one row per thread, 32 dims per shared step, up to 4 queries.</summary>
    public const int FewRows = 256, FewK = 32, FewMaxQueries = 4;

    /// <summary>Selection on CUDA: 128 threads, each offering 4 candidates per round (512 a round); at most 2048 entries sorted in shared memory (k ≤ 1024).</summary>
    public const int SelectThreads = 128, ItemsPerThread = 4, RoundItems = SelectThreads * ItemsPerThread, MaxSort = 2048, MaxK = 1024;

    public const int NormThreads = 128;

    /// <summary>Row pitch of staged 32-dim slices: odd, so thread t reading word t·33 + dd hits no bank twice.</summary>
    private const int StagePitch = FewK + 1;

    // ---------------------------------------------------------------- helpers

    /// <summary>binary16 bits → float32, exact (normals, subnormals, ±0, ±∞, NaN).</summary>
    public static float HalfToFloat(ushort h)
    {
        uint sign = (uint)(h & 0x8000) << 16;
        uint rest = (uint)(h & 0x7FFF);
        if (rest >= 0x7C00) return Interop.IntAsFloat(sign | 0x7F80_0000u | ((rest & 0x3FFu) << 13));
        // Shift the exponent and mantissa into float position and rescale by 2^112 (bias 127 − 15): exact for normals and subnormals alike.
        float f = Interop.IntAsFloat(rest << 13) * Interop.IntAsFloat(0x7780_0000u);
        return sign != 0 ? -f : f;
    }

    /// <summary>(d1, i1) orders before (d2, i2): smaller distance, then smaller id (the CPU's TopK.Key order).</summary>
    private static bool Before(float d1, int i1, float d2, int i2) => d1 < d2 || (d1 == d2 && i1 < i2);

    private static bool Allowed(int id, ArrayView<uint> mask, int mode, int bits)
    {
        if (id < 0) return false;
        if (mode == MaskMode.None) return true;
        if (mode == MaskMode.Deleted) return id >= bits || ((mask[id >> 5] >> (id & 31)) & 1u) == 0;
        return id < bits && ((mask[id >> 5] >> (id & 31)) & 1u) != 0;
    }

    private static float Finish(float dot, float qn, float xn, int l2) => l2 != 0 ? XMath.Max(0f, qn + xn - 2f * dot) : -dot;

    private static void StoreTile(ArrayView<float> output, ArrayView<float> qn, ArrayView<float> xn, DistanceArgs a, int q, int r, float dot)
    {
        if (q < a.Queries && r < a.Rows)
            output[q * a.OutStride + r] = Finish(dot, a.L2 != 0 ? qn[q] : 0f, a.L2 != 0 ? xn[a.RowStart + r] : 0f, a.L2);
    }

    // ---------------------------------------------------------------- kernels

    /// <summary>Squared norm of each of <paramref name="count"/> vectors (sequential sum over dims, like the dot products).</summary>
    public static void Norms<T, TR>(Index1D index, ArrayView<T> vectors, ArrayView<float> norms, long start, int count, int dim)
        where T : unmanaged where TR : struct, IElementReader<T>
    {
        int i = index;
        if (i >= count) return;
        var reader = default(TR);
        long at = (start + i) * dim;
        float s = 0f;
        for (int d = 0; d < dim; d++)
        {
            float v = reader.Read(vectors[at + d]);
            s += v * v;
        }
        norms[start + i] = s;
    }

    /// <summary>
    /// Queries × rows distances, GEMM-style (the FAISS GPU paper's tiled distance step): a group of side × side
    /// threads stages a (8·side)-query × 16-dim and a (8·side)-row × 16-dim slice in shared memory; each thread
    /// accumulates an 8 × 8 block of dot products in registers (queries ty + side·i, rows tx + side·j), so
    /// every 16 values read from shared memory feed 64 FMAs; the epilogue turns dots into distances with the
    /// precomputed norms. On CUDA side = 16 (128 × 128 tiles). Grid: x = row tiles, y = query tiles.
    /// Each dot product is summed in dimension order, the same order as every other kernel here, so a
    /// query-row pair gets the same distance whichever kernel computed it.
    /// </summary>
    public static void DistanceTile<T, TR>(ArrayView<T> queries, ArrayView<float> queryNorms, ArrayView<T> rows, ArrayView<float> rowNorms, ArrayView<float> output, DistanceArgs a)
        where T : unmanaged where TR : struct, IElementReader<T>
    {
        var sq = SharedMemory.Allocate<float>(TileK * TileQ);
        var sx = SharedMemory.Allocate<float>(TileK * TileR);
        var reader = default(TR);
        int side = Group.DimX;
        int tile = 8 * side, threads = side * side;
        int tx = Group.IdxX, ty = Group.IdxY, tid = ty * side + tx;
        int q0 = Grid.IdxY * tile, r0 = Grid.IdxX * tile;
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
        float c40 = 0, c41 = 0, c42 = 0, c43 = 0, c44 = 0, c45 = 0, c46 = 0, c47 = 0;
        float c50 = 0, c51 = 0, c52 = 0, c53 = 0, c54 = 0, c55 = 0, c56 = 0, c57 = 0;
        float c60 = 0, c61 = 0, c62 = 0, c63 = 0, c64 = 0, c65 = 0, c66 = 0, c67 = 0;
        float c70 = 0, c71 = 0, c72 = 0, c73 = 0, c74 = 0, c75 = 0, c76 = 0, c77 = 0;
        for (int d0 = 0; d0 < a.Dim; d0 += TileK)
        {
            // 16 consecutive threads read 16 consecutive dims of one vector: 64-byte coalesced segments.
            for (int e = tid; e < TileK * tile; e += threads)
            {
                int i = e >> 4, dd = e & 15, d = d0 + dd;
                int q = q0 + i, r = r0 + i;
                sq[dd * TileQ + i] = q < a.Queries && d < a.Dim ? reader.Read(queries[(long)q * a.Dim + d]) : 0f;
                sx[dd * TileR + i] = r < a.Rows && d < a.Dim ? reader.Read(rows[(a.RowStart + r) * a.Dim + d]) : 0f;
            }
            Group.Barrier();
            for (int dd = 0; dd < TileK; dd++)
            {
                int bq = dd * TileQ + ty, br = dd * TileR + tx;
                float a0 = sq[bq + 0 * side]; float a1 = sq[bq + 1 * side]; float a2 = sq[bq + 2 * side]; float a3 = sq[bq + 3 * side]; float a4 = sq[bq + 4 * side]; float a5 = sq[bq + 5 * side]; float a6 = sq[bq + 6 * side]; float a7 = sq[bq + 7 * side];
                float b0 = sx[br + 0 * side]; float b1 = sx[br + 1 * side]; float b2 = sx[br + 2 * side]; float b3 = sx[br + 3 * side]; float b4 = sx[br + 4 * side]; float b5 = sx[br + 5 * side]; float b6 = sx[br + 6 * side]; float b7 = sx[br + 7 * side];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            Group.Barrier();
        }
        int qa = q0 + ty, ra = r0 + tx;
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 0 * side, c00);
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 1 * side, c01);
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 2 * side, c02);
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 3 * side, c03);
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 4 * side, c04);
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 5 * side, c05);
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 6 * side, c06);
        StoreTile(output, queryNorms, rowNorms, a, qa + 0 * side, ra + 7 * side, c07);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 0 * side, c10);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 1 * side, c11);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 2 * side, c12);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 3 * side, c13);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 4 * side, c14);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 5 * side, c15);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 6 * side, c16);
        StoreTile(output, queryNorms, rowNorms, a, qa + 1 * side, ra + 7 * side, c17);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 0 * side, c20);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 1 * side, c21);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 2 * side, c22);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 3 * side, c23);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 4 * side, c24);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 5 * side, c25);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 6 * side, c26);
        StoreTile(output, queryNorms, rowNorms, a, qa + 2 * side, ra + 7 * side, c27);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 0 * side, c30);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 1 * side, c31);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 2 * side, c32);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 3 * side, c33);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 4 * side, c34);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 5 * side, c35);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 6 * side, c36);
        StoreTile(output, queryNorms, rowNorms, a, qa + 3 * side, ra + 7 * side, c37);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 0 * side, c40);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 1 * side, c41);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 2 * side, c42);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 3 * side, c43);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 4 * side, c44);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 5 * side, c45);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 6 * side, c46);
        StoreTile(output, queryNorms, rowNorms, a, qa + 4 * side, ra + 7 * side, c47);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 0 * side, c50);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 1 * side, c51);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 2 * side, c52);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 3 * side, c53);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 4 * side, c54);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 5 * side, c55);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 6 * side, c56);
        StoreTile(output, queryNorms, rowNorms, a, qa + 5 * side, ra + 7 * side, c57);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 0 * side, c60);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 1 * side, c61);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 2 * side, c62);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 3 * side, c63);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 4 * side, c64);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 5 * side, c65);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 6 * side, c66);
        StoreTile(output, queryNorms, rowNorms, a, qa + 6 * side, ra + 7 * side, c67);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 0 * side, c70);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 1 * side, c71);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 2 * side, c72);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 3 * side, c73);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 4 * side, c74);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 5 * side, c75);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 6 * side, c76);
        StoreTile(output, queryNorms, rowNorms, a, qa + 7 * side, ra + 7 * side, c77);
    }

    /// <summary>
    /// Up to 4 queries × rows, bandwidth-bound (batch 1): each group stages 256 rows × 32 dims through shared
    /// memory with coalesced 128-byte reads, then each thread finishes one row against every query. Rows
    /// are spread over N / 256 groups, so the whole card streams the data once.
    /// </summary>
    public static void DistanceFew<T, TR>(ArrayView<T> queries, ArrayView<float> queryNorms, ArrayView<T> rows, ArrayView<float> rowNorms, ArrayView<float> output, DistanceArgs a)
        where T : unmanaged where TR : struct, IElementReader<T>
    {
        const int Pitch = FewK + 1; // odd pitch: thread t reads word t·33 + dd, no bank conflicts
        var sx = SharedMemory.Allocate<float>(FewRows * Pitch);
        var sq = SharedMemory.Allocate<float>(FewMaxQueries * FewK);
        var reader = default(TR);
        int tid = Group.IdxX, groupRows = Group.DimX;
        int r0 = Grid.IdxX * groupRows;
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int d0 = 0; d0 < a.Dim; d0 += FewK)
        {
            for (int e = tid; e < groupRows * FewK; e += groupRows)
            {
                int i = e >> 5, dd = e & 31, r = r0 + i, d = d0 + dd;
                sx[i * Pitch + dd] = r < a.Rows && d < a.Dim ? reader.Read(rows[(a.RowStart + r) * a.Dim + d]) : 0f;
            }
            for (int e = tid; e < FewMaxQueries * FewK; e += groupRows)
            {
                int qi = e >> 5, d = d0 + (e & 31);
                sq[e] = qi < a.Queries && d < a.Dim ? reader.Read(queries[(long)qi * a.Dim + d]) : 0f;
            }
            Group.Barrier();
            int b = tid * Pitch;
            for (int dd = 0; dd < FewK; dd++)
            {
                float x = sx[b + dd];
                c0 += x * sq[dd];
                c1 += x * sq[FewK + dd];
                c2 += x * sq[2 * FewK + dd];
                c3 += x * sq[3 * FewK + dd];
            }
            Group.Barrier();
        }
        int row = r0 + tid;
        StoreTile(output, queryNorms, rowNorms, a, 0, row, c0);
        StoreTile(output, queryNorms, rowNorms, a, 1, row, c1);
        StoreTile(output, queryNorms, rowNorms, a, 2, row, c2);
        StoreTile(output, queryNorms, rowNorms, a, 3, row, c3);
    }

    /// <summary>
    /// Per query and segment of its candidate list, the k smallest (distance, id) pairs. Block-select
    /// in the spirit of the FAISS GPU paper's k-selection: the group keeps its best k sorted at the head of a
    /// shared buffer and its k-th as a threshold; candidates that beat it are appended to a pending area
    /// (shared atomic counter), and when that could overflow the whole buffer is bitonic-sorted, which
    /// moves the new best k to the head. Ties go to the smaller id, so results are deterministic whatever
    /// order the atomics hand out slots in. Grid: x = segments, y = queries.
    /// </summary>
    public static void SelectTopK(ArrayView<float> dist, ArrayView<int> ids, ArrayView<uint> mask, ArrayView<float> lowD, ArrayView<int> lowI,
        ArrayView<float> outD, ArrayView<int> outI, ArrayView<float> out2D, ArrayView<int> out2I, SelectArgs a)
    {
        var sd = SharedMemory.Allocate<float>(MaxSort);
        var si = SharedMemory.Allocate<int>(MaxSort);
        var ctl = SharedMemory.Allocate<int>(1);
        int tid = Group.IdxX, threads = Group.DimX, round = threads * a.Items, q = Grid.IdxY, seg = Grid.IdxX;
        InitSelect(sd, si, ctl, a.P, tid, threads);
        int begin = seg * a.SegmentLength;
        int end = XMath.Min(a.Length, begin + a.SegmentLength);
        float lo = a.UseLow != 0 ? lowD[q] : float.NegativeInfinity;
        int loI = a.UseLow != 0 ? lowI[q] : int.MinValue;
        long at = q * a.ListStride;
        for (int j0 = begin; j0 < end; j0 += round)
        {
            MaybeFlush(sd, si, ctl, a.Kp, a.P, round, tid, threads);
            for (int u = 0; u < a.Items; u++)
            {
                int j = j0 + u * threads + tid;
                if (j < end)
                {
                    float d = dist[at + j];
                    int id = a.UseIds != 0 ? ids[at + j] : a.IdBase + j;
                    if (Allowed(id, mask, a.MaskMode, a.MaskBits) && Before(lo, loI, d, id)) Offer(sd, si, ctl, d, id, a.K, a.Kp);
                }
            }
            Group.Barrier();
        }
        FinalSort(sd, si, ctl, a.Kp, tid, threads);
        long o = q * a.OutStride + a.OutOffset + (long)seg * a.K;
        for (int i = tid; i < a.K; i += threads)
        {
            int id = si[i];
            if (id == int.MaxValue) id = -1;
            outD[o + i] = sd[i];
            outI[o + i] = id;
            if (a.Out2 != 0)
            {
                out2D[(long)q * a.K + i] = sd[i];
                out2I[(long)q * a.K + i] = id;
            }
        }
    }

    /// <summary>
    /// IVF list scan: per query and probed list, distances to that list's rows only (lists lie contiguous
    /// on the device, <paramref name="offsets"/> gives each list's first row; rows are staged through shared
    /// memory 32 dims at a time, as in <see cref="DistanceFew"/>), reduced to k candidates with the same
    /// block-select as <see cref="SelectTopK"/>. Grid: x = probe rank, y = queries.
    /// </summary>
    public static void IvfScan<T, TR>(ArrayView<T> queries, ArrayView<float> queryNorms, ArrayView<T> listRows, ArrayView<float> listNorms, ArrayView<int> listIds,
        ArrayView<int> offsets, ArrayView<int> probes, ArrayView<uint> mask, ArrayView<float> lowD, ArrayView<int> lowI, ArrayView<float> outD, ArrayView<int> outI, ScanArgs a)
        where T : unmanaged where TR : struct, IElementReader<T>
    {
        var sd = SharedMemory.Allocate<float>(MaxSort);
        var si = SharedMemory.Allocate<int>(MaxSort);
        var ctl = SharedMemory.Allocate<int>(1);
        var stage = SharedMemory.Allocate<float>(SelectThreads * StagePitch);
        var sq = SharedMemory.Allocate<float>(FewK);
        var reader = default(TR);
        int tid = Group.IdxX, threads = Group.DimX, round = threads * a.Items, q = Grid.IdxY, p = Grid.IdxX;
        InitSelect(sd, si, ctl, a.P, tid, threads);
        int list = probes[q * a.Nprobe + p];
        int start = list >= 0 ? offsets[list] : 0;
        int length = list >= 0 ? offsets[list + 1] - start : 0;
        float lo = a.UseLow != 0 ? lowD[q] : float.NegativeInfinity;
        int loI = a.UseLow != 0 ? lowI[q] : int.MinValue;
        float qn = a.L2 != 0 ? queryNorms[q] : 0f;
        long qa = (long)q * a.Dim;
        for (int j0 = 0; j0 < length; j0 += round)
        {
            MaybeFlush(sd, si, ctl, a.Kp, a.P, round, tid, threads);
            for (int u = 0; u < a.Items; u++)
            {
                // A sub-tile of `threads` list rows, staged 32 dims at a time through shared memory with
                // coalesced reads (a list's rows are contiguous); thread t then finishes row t of the sub-tile.
                int jt = j0 + u * threads;
                float dot = 0f;
                for (int d0 = 0; d0 < a.Dim; d0 += FewK)
                {
                    for (int e = tid; e < threads * FewK; e += threads)
                    {
                        int i = e >> 5, dd = e & 31, d = d0 + dd, j = jt + i;
                        stage[i * StagePitch + dd] = j < length && d < a.Dim ? reader.Read(listRows[(long)(start + j) * a.Dim + d]) : 0f;
                    }
                    for (int e = tid; e < FewK; e += threads)
                        sq[e] = d0 + e < a.Dim ? reader.Read(queries[qa + d0 + e]) : 0f;
                    Group.Barrier();
                    int b = tid * StagePitch;
                    for (int dd = 0; dd < FewK; dd++) dot += stage[b + dd] * sq[dd];
                    Group.Barrier();
                }
                int jr = jt + tid;
                if (jr < length)
                {
                    int row = start + jr;
                    int id = listIds[row];
                    if (Allowed(id, mask, a.MaskMode, a.MaskBits))
                    {
                        float dist = Finish(dot, qn, a.L2 != 0 ? listNorms[row] : 0f, a.L2);
                        if (Before(lo, loI, dist, id)) Offer(sd, si, ctl, dist, id, a.K, a.Kp);
                    }
                }
            }
            Group.Barrier();
        }
        FinalSort(sd, si, ctl, a.Kp, tid, threads);
        long o = ((long)q * a.Nprobe + p) * a.K;
        for (int i = tid; i < a.K; i += threads)
        {
            int id = si[i];
            outD[o + i] = sd[i];
            outI[o + i] = id == int.MaxValue ? -1 : id;
        }
    }

    /// <summary>allowed = filter ∧ ¬deleted, word by word (rows past the deleted set's length count as live).</summary>
    public static void CombineMask(Index1D index, ArrayView<uint> filter, ArrayView<uint> deleted, ArrayView<uint> allowed, int deletedWords)
    {
        int w = index;
        if (w >= allowed.IntLength) return;
        uint f = w < filter.IntLength ? filter[w] : 0u;
        uint d = w < deletedWords ? deleted[w] : 0u;
        allowed[w] = f & ~d;
    }

    /// <summary>Sets candidate slots to the empty entry (+∞, −1).</summary>
    public static void FillEmpty(Index1D index, ArrayView<float> d, ArrayView<int> i)
    {
        d[index] = float.PositiveInfinity;
        i[index] = -1;
    }

    private static void InitSelect(ArrayView<float> sd, ArrayView<int> si, ArrayView<int> ctl, int p, int tid, int threads)
    {
        for (int i = tid; i < p; i += threads)
        {
            sd[i] = float.PositiveInfinity;
            si[i] = int.MaxValue;
        }
        if (tid == 0) ctl[0] = 0;
        Group.Barrier();
    }

    private static void Offer(ArrayView<float> sd, ArrayView<int> si, ArrayView<int> ctl, float d, int id, int k, int kp)
    {
        // The threshold (the k-th best so far) sits at k − 1 < kp; pending slots start at kp, so reading
        // it here never races with the appends of other threads.
        if (!Before(d, id, sd[k - 1], si[k - 1])) return;
        int slot = Atomic.Add(ref ctl[0], 1);
        sd[kp + slot] = d;
        si[kp + slot] = id;
    }

    /// <summary>
    /// Sorts the head and the pending entries when the next round could overflow the pending area.
    /// Every thread reads the count before anyone resets it, so the branch is uniform. Only the power of
    /// two covering head + pending is sorted: entries past it are distinct candidates already worse than the
    /// k-th (or empty), so leaving them out loses nothing.
    /// </summary>
    private static void MaybeFlush(ArrayView<float> sd, ArrayView<int> si, ArrayView<int> ctl, int kp, int p, int round, int tid, int threads)
    {
        int c = ctl[0];
        Group.Barrier();
        if (kp + c + round > p)
        {
            BitonicSort(sd, si, Pow2(kp + c), tid, threads);
            if (tid == 0) ctl[0] = 0;
            Group.Barrier();
        }
    }

    private static void FinalSort(ArrayView<float> sd, ArrayView<int> si, ArrayView<int> ctl, int kp, int tid, int threads)
    {
        int c = ctl[0];
        Group.Barrier();
        if (c > 0) BitonicSort(sd, si, Pow2(kp + c), tid, threads);
    }

    private static int Pow2(int x)
    {
        int p = 1;
        while (p < x) p <<= 1;
        return p;
    }

    /// <summary>Ascending bitonic sort of p (a power of two) (distance, id) pairs in shared memory.</summary>
    private static void BitonicSort(ArrayView<float> sd, ArrayView<int> si, int p, int tid, int threads)
    {
        int half = p >> 1;
        for (int size = 2; size <= p; size <<= 1)
        {
            for (int stride = size >> 1; stride > 0; stride >>= 1)
            {
                for (int t = tid; t < half; t += threads)
                {
                    int lo = ((t & ~(stride - 1)) << 1) | (t & (stride - 1));
                    int hi = lo + stride;
                    float dl = sd[lo], dh = sd[hi];
                    int il = si[lo], ih = si[hi];
                    bool up = (lo & size) == 0;
                    bool swap = up ? Before(dh, ih, dl, il) : Before(dl, il, dh, ih);
                    if (swap)
                    {
                        sd[lo] = dh; sd[hi] = dl;
                        si[lo] = ih; si[hi] = il;
                    }
                }
                Group.Barrier();
            }
        }
    }
}
