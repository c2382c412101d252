using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Numerics;
using System.Runtime.Intrinsics.X86;

namespace Quiver.Kernel.Distance;

// float32 batch forms: one query against contiguous rows, one query against rows picked by id (graph
// search), many queries against a block of rows. They exist because a pair kernel reloads the query
// for every row: the tiles here load each query chunk once per 4 rows (1×4) or each row chunk once per
// 2 queries (2×4), which halves the loads per FMA and lets the inner-product tile run at the FMA limit.
public static partial class VectorDistance
{
    /// <summary>Squared L2 from <paramref name="query"/> to each row of <paramref name="rows"/> (row-major, dimension = query length).</summary>
    public static void SquaredL2(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> distances) =>
        OneToMany<L2F32Op>(query, rows, distances, SimdCapabilities.Best);

    /// <summary>Inner product of <paramref name="query"/> with each row of <paramref name="rows"/>.</summary>
    public static void Dot(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> results) =>
        OneToMany<DotF32Op>(query, rows, results, SimdCapabilities.Best);

    /// <summary>Squared L2 from <paramref name="query"/> to the rows named by <paramref name="ids"/>; distances[j] belongs to ids[j].</summary>
    public static void SquaredL2(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> distances) =>
        ByIds<L2F32Op>(query, rows, ids, distances, SimdCapabilities.Best);

    /// <summary>Inner product of <paramref name="query"/> with the rows named by <paramref name="ids"/>.</summary>
    public static void Dot(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> results) =>
        ByIds<DotF32Op>(query, rows, ids, results, SimdCapabilities.Best);

    /// <summary>Squared L2 of every query against every row: distances[q · rowCount + r].</summary>
    public static void SquaredL2(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> distances) =>
        ManyToMany<L2F32Op>(queries, rows, dim, distances, SimdCapabilities.Best);

    /// <summary>Inner product of every query with every row: results[q · rowCount + r].</summary>
    public static void Dot(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> results) =>
        ManyToMany<DotF32Op>(queries, rows, dim, results, SimdCapabilities.Best);

    internal static void SquaredL2(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> distances, SimdPath path) => OneToMany<L2F32Op>(query, rows, distances, path);
    internal static void Dot(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> results, SimdPath path) => OneToMany<DotF32Op>(query, rows, results, path);
    internal static void SquaredL2(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> distances, SimdPath path) => ByIds<L2F32Op>(query, rows, ids, distances, path);
    internal static void Dot(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> results, SimdPath path) => ByIds<DotF32Op>(query, rows, ids, results, path);
    internal static void SquaredL2(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> distances, SimdPath path) => ManyToMany<L2F32Op>(queries, rows, dim, distances, path);
    internal static void Dot(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> results, SimdPath path) => ManyToMany<DotF32Op>(queries, rows, dim, results, path);

    private static void OneToMany<TOp>(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> distances, SimdPath path)
        where TOp : struct, IF32Op
    {
        int dim = query.Length;
        int count = CheckRows(dim, rows.Length, distances.Length);
        ref float q = ref MemoryMarshal.GetReference(query);
        ref float r = ref MemoryMarshal.GetReference(rows);
        ref float o = ref MemoryMarshal.GetReference(distances);
        SimdPath fit = Fit(path, dim, 4);
        nuint d = (nuint)dim;
        int j = 0;
        if (fit >= SimdPath.V256)
        {
            for (; j + 4 <= count; j += 4)
            {
                ref float r0 = ref Unsafe.Add(ref r, (nuint)j * d);
                var res = fit == SimdPath.V512
                    ? Tile1x4V512<TOp>(ref q, ref r0, ref Unsafe.Add(ref r0, d), ref Unsafe.Add(ref r0, 2 * d), ref Unsafe.Add(ref r0, 3 * d), d)
                    : Tile1x4V256<TOp>(ref q, ref r0, ref Unsafe.Add(ref r0, d), ref Unsafe.Add(ref r0, 2 * d), ref Unsafe.Add(ref r0, 3 * d), d);
                res.StoreUnsafe(ref o, (nuint)j);
            }
        }
        for (; j < count; j++)
            Unsafe.Add(ref o, j) = TOp.Pair(ref q, ref Unsafe.Add(ref r, (nuint)j * d), dim, fit);
    }

    private static void ByIds<TOp>(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> distances, SimdPath path)
        where TOp : struct, IF32Op
    {
        int dim = query.Length;
        int rowCount = CheckIds(dim, rows.Length, ids.Length, distances.Length);
        foreach (int id in ids)
            if ((uint)id >= (uint)rowCount) ThrowBadId(id, rowCount);
        ref float q = ref MemoryMarshal.GetReference(query);
        ref float r = ref MemoryMarshal.GetReference(rows);
        ref float o = ref MemoryMarshal.GetReference(distances);
        ref int id0 = ref MemoryMarshal.GetReference(ids);
        SimdPath fit = Fit(path, dim, 4);
        nuint d = (nuint)dim;
        int count = ids.Length, j = 0;
        if (fit >= SimdPath.V256)
        {
            for (; j + 4 <= count; j += 4)
            {
                ref float r0 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, j) * d);
                ref float r1 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, j + 1) * d);
                ref float r2 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, j + 2) * d);
                ref float r3 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, j + 3) * d);
                Vector128<float> res;
                if (fit == SimdPath.V512)
                {
                    // The next group (or, for the last group, the tail rows) is streamed in while this one is computed.
                    int next = Math.Min(j + 4, count - 1);
                    ref float n0 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, next) * d);
                    ref float n1 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, Math.Min(next + 1, count - 1)) * d);
                    ref float n2 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, Math.Min(next + 2, count - 1)) * d);
                    ref float n3 = ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, Math.Min(next + 3, count - 1)) * d);
                    res = Tile1x4V512<TOp, Lookahead>(ref q, ref r0, ref r1, ref r2, ref r3, d, ref n0, ref n1, ref n2, ref n3);
                }
                else
                {
                    if (j + 8 <= count)
                        for (int k = 4; k < 8; k++) Prefetch(ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, j + k) * d), d);
                    res = Tile1x4V256<TOp>(ref q, ref r0, ref r1, ref r2, ref r3, d);
                }
                res.StoreUnsafe(ref o, (nuint)j);
            }
        }
        for (; j < count; j++)
        {
            if (j + 1 < count) Prefetch(ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, j + 1) * d), d);
            Unsafe.Add(ref o, j) = TOp.Pair(ref q, ref Unsafe.Add(ref r, (nuint)Unsafe.Add(ref id0, j) * d), dim, fit);
        }
    }

    /// <summary>Hints the first cache lines of a row into L1 (the hardware prefetcher follows a row once it is being read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref float row, nuint dim)
    {
        if (!Sse.IsSupported) return;
        // SAFETY: a prefetch never faults and changes no state; if the GC moves the array between taking
        // the address and the hint, the hint is merely wasted. The address itself lies inside the row.
        byte* p = (byte*)Unsafe.AsPointer(ref row);
        Sse.Prefetch0(p);
        if (dim > 16) Sse.Prefetch0(p + 64);
        if (dim > 32) Sse.Prefetch0(p + 128);
        if (dim > 48) Sse.Prefetch0(p + 192);
    }

    private static void ManyToMany<TOp>(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> distances, SimdPath path)
        where TOp : struct, IF32Op
    {
        var (nq, nr) = CheckBlocks(dim, queries.Length, rows.Length, distances.Length);
        ref float q = ref MemoryMarshal.GetReference(queries);
        ref float r = ref MemoryMarshal.GetReference(rows);
        ref float o = ref MemoryMarshal.GetReference(distances);
        SimdPath fit = Fit(path, dim, 4);
        nuint d = (nuint)dim, stride = (nuint)nr;
        // Rows are taken in blocks that stay in L2 (about 256 KB) while every query pair passes over them.
        int block = Math.Max(4, (256 * 1024 / (dim * sizeof(float))) & ~3);
        for (int r0 = 0; r0 < nr; r0 += block)
        {
            int rEnd = Math.Min(nr, r0 + block);
            int i = 0;
            if (fit >= SimdPath.V256)
            {
                for (; i + 2 <= nq; i += 2)
                {
                    ref float qa = ref Unsafe.Add(ref q, (nuint)i * d);
                    ref float qb = ref Unsafe.Add(ref qa, d);
                    ref float oa = ref Unsafe.Add(ref o, (nuint)i * stride);
                    ref float ob = ref Unsafe.Add(ref oa, stride);
                    int j = r0;
                    for (; j + 4 <= rEnd; j += 4)
                    {
                        ref float x = ref Unsafe.Add(ref r, (nuint)j * d);
                        if (fit == SimdPath.V512) Tile2x4V512<TOp>(ref qa, ref qb, ref x, d, ref Unsafe.Add(ref oa, j), ref Unsafe.Add(ref ob, j));
                        else Tile2x4V256<TOp>(ref qa, ref qb, ref x, d, ref Unsafe.Add(ref oa, j), ref Unsafe.Add(ref ob, j));
                    }
                    for (; j < rEnd; j++)
                    {
                        ref float x = ref Unsafe.Add(ref r, (nuint)j * d);
                        Unsafe.Add(ref oa, j) = TOp.Pair(ref qa, ref x, dim, fit);
                        Unsafe.Add(ref ob, j) = TOp.Pair(ref qb, ref x, dim, fit);
                    }
                }
            }
            for (; i < nq; i++)
            {
                ref float qi = ref Unsafe.Add(ref q, (nuint)i * d);
                ref float oi = ref Unsafe.Add(ref o, (nuint)i * stride);
                for (int j = r0; j < rEnd; j++)
                    Unsafe.Add(ref oi, j) = TOp.Pair(ref qi, ref Unsafe.Add(ref r, (nuint)j * d), dim, fit);
            }
        }
    }

    // ---- tiles ------------------------------------------------------------------------------------

    private static Vector128<float> Tile1x4V512<TOp>(ref float q, ref float r0, ref float r1, ref float r2, ref float r3, nuint n)
        where TOp : struct, IF32Op =>
        Tile1x4V512<TOp, NoLookahead>(ref q, ref r0, ref r1, ref r2, ref r3, n, ref r0, ref r1, ref r2, ref r3);

    /// <summary>
    /// The 1×4 tile; with <typeparamref name="TAhead"/> = <see cref="Lookahead"/> each step also prefetches
    /// the same cache line of the next four rows, so a graph search streams the next group's rows from
    /// memory while it computes this group (the hardware prefetcher cannot guess rows picked by id).
    /// </summary>
    private static unsafe Vector128<float> Tile1x4V512<TOp, TAhead>(ref float q, ref float r0, ref float r1, ref float r2, ref float r3, nuint n,
        ref float n0, ref float n1, ref float n2, ref float n3)
        where TOp : struct, IF32Op where TAhead : struct, ILookahead
    {
        // Every pointer advances by itself so the folded loads stay [register + displacement] (see SumF32V512).
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        nuint tail = n & 15;
        ref float end = ref Unsafe.Add(ref q, n - tail);
        while (Unsafe.IsAddressLessThan(ref q, ref end))
        {
            if (TAhead.Enabled && Sse.IsSupported)
            {
                // SAFETY: prefetches never fault; these addresses lie inside the next rows.
                Sse.Prefetch0(Unsafe.AsPointer(ref n0));
                Sse.Prefetch0(Unsafe.AsPointer(ref n1));
                Sse.Prefetch0(Unsafe.AsPointer(ref n2));
                Sse.Prefetch0(Unsafe.AsPointer(ref n3));
                n0 = ref Unsafe.Add(ref n0, 16);
                n1 = ref Unsafe.Add(ref n1, 16);
                n2 = ref Unsafe.Add(ref n2, 16);
                n3 = ref Unsafe.Add(ref n3, 16);
            }
            var x = Vector512.LoadUnsafe(ref q);
            s0 = TOp.Acc(s0, x, Vector512.LoadUnsafe(ref r0));
            s1 = TOp.Acc(s1, x, Vector512.LoadUnsafe(ref r1));
            s2 = TOp.Acc(s2, x, Vector512.LoadUnsafe(ref r2));
            s3 = TOp.Acc(s3, x, Vector512.LoadUnsafe(ref r3));
            q = ref Unsafe.Add(ref q, 16);
            r0 = ref Unsafe.Add(ref r0, 16);
            r1 = ref Unsafe.Add(ref r1, 16);
            r2 = ref Unsafe.Add(ref r2, 16);
            r3 = ref Unsafe.Add(ref r3, 16);
        }
        if (tail != 0)
        {
            nint back = (nint)tail - 16;
            var m = KeepLast512(tail);
            var x = Vector512.LoadUnsafe(ref Unsafe.Add(ref q, back)) & m;
            s0 = TOp.Acc(s0, x, Vector512.LoadUnsafe(ref Unsafe.Add(ref r0, back)) & m);
            s1 = TOp.Acc(s1, x, Vector512.LoadUnsafe(ref Unsafe.Add(ref r1, back)) & m);
            s2 = TOp.Acc(s2, x, Vector512.LoadUnsafe(ref Unsafe.Add(ref r2, back)) & m);
            s3 = TOp.Acc(s3, x, Vector512.LoadUnsafe(ref Unsafe.Add(ref r3, back)) & m);
        }
        return Vector128.Create(HorizontalSum.Of(s0), HorizontalSum.Of(s1), HorizontalSum.Of(s2), HorizontalSum.Of(s3));
    }

    private interface ILookahead { static abstract bool Enabled { get; } }
    private readonly struct NoLookahead : ILookahead { public static bool Enabled => false; }
    private readonly struct Lookahead : ILookahead { public static bool Enabled => true; }

    private static Vector128<float> Tile1x4V256<TOp>(ref float q, ref float r0, ref float r1, ref float r2, ref float r3, nuint n)
        where TOp : struct, IF32Op
    {
        // Every pointer advances by itself so the folded loads stay [register + displacement] (see SumF32V512).
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        nuint tail = n & 7;
        ref float end = ref Unsafe.Add(ref q, n - tail);
        while (Unsafe.IsAddressLessThan(ref q, ref end))
        {
            var x = Vector256.LoadUnsafe(ref q);
            s0 = TOp.Acc(s0, x, Vector256.LoadUnsafe(ref r0));
            s1 = TOp.Acc(s1, x, Vector256.LoadUnsafe(ref r1));
            s2 = TOp.Acc(s2, x, Vector256.LoadUnsafe(ref r2));
            s3 = TOp.Acc(s3, x, Vector256.LoadUnsafe(ref r3));
            q = ref Unsafe.Add(ref q, 8);
            r0 = ref Unsafe.Add(ref r0, 8);
            r1 = ref Unsafe.Add(ref r1, 8);
            r2 = ref Unsafe.Add(ref r2, 8);
            r3 = ref Unsafe.Add(ref r3, 8);
        }
        if (tail != 0)
        {
            nint back = (nint)tail - 8;
            var m = KeepLast256(tail);
            var x = Vector256.LoadUnsafe(ref Unsafe.Add(ref q, back)) & m;
            s0 = TOp.Acc(s0, x, Vector256.LoadUnsafe(ref Unsafe.Add(ref r0, back)) & m);
            s1 = TOp.Acc(s1, x, Vector256.LoadUnsafe(ref Unsafe.Add(ref r1, back)) & m);
            s2 = TOp.Acc(s2, x, Vector256.LoadUnsafe(ref Unsafe.Add(ref r2, back)) & m);
            s3 = TOp.Acc(s3, x, Vector256.LoadUnsafe(ref Unsafe.Add(ref r3, back)) & m);
        }
        return Vector128.Create(HorizontalSum.Of(s0), HorizontalSum.Of(s1), HorizontalSum.Of(s2), HorizontalSum.Of(s3));
    }

    private static void Tile2x4V512<TOp>(ref float qa, ref float qb, ref float r0, nuint n, ref float oa, ref float ob)
        where TOp : struct, IF32Op
    {
        ref float r1 = ref Unsafe.Add(ref r0, n);
        ref float r2 = ref Unsafe.Add(ref r0, 2 * n);
        ref float r3 = ref Unsafe.Add(ref r0, 3 * n);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        nuint tail = n & 15;
        ref float end = ref Unsafe.Add(ref qa, n - tail);
        while (Unsafe.IsAddressLessThan(ref qa, ref end))
        {
            var x = Vector512.LoadUnsafe(ref qa);
            var y = Vector512.LoadUnsafe(ref qb);
            var v = Vector512.LoadUnsafe(ref r0); a0 = TOp.Acc(a0, x, v); b0 = TOp.Acc(b0, y, v);
            v = Vector512.LoadUnsafe(ref r1); a1 = TOp.Acc(a1, x, v); b1 = TOp.Acc(b1, y, v);
            v = Vector512.LoadUnsafe(ref r2); a2 = TOp.Acc(a2, x, v); b2 = TOp.Acc(b2, y, v);
            v = Vector512.LoadUnsafe(ref r3); a3 = TOp.Acc(a3, x, v); b3 = TOp.Acc(b3, y, v);
            qa = ref Unsafe.Add(ref qa, 16);
            qb = ref Unsafe.Add(ref qb, 16);
            r0 = ref Unsafe.Add(ref r0, 16);
            r1 = ref Unsafe.Add(ref r1, 16);
            r2 = ref Unsafe.Add(ref r2, 16);
            r3 = ref Unsafe.Add(ref r3, 16);
        }
        if (tail != 0)
        {
            nint back = (nint)tail - 16;
            var m = KeepLast512(tail);
            var x = Vector512.LoadUnsafe(ref Unsafe.Add(ref qa, back)) & m;
            var y = Vector512.LoadUnsafe(ref Unsafe.Add(ref qb, back)) & m;
            var v = Vector512.LoadUnsafe(ref Unsafe.Add(ref r0, back)) & m; a0 = TOp.Acc(a0, x, v); b0 = TOp.Acc(b0, y, v);
            v = Vector512.LoadUnsafe(ref Unsafe.Add(ref r1, back)) & m; a1 = TOp.Acc(a1, x, v); b1 = TOp.Acc(b1, y, v);
            v = Vector512.LoadUnsafe(ref Unsafe.Add(ref r2, back)) & m; a2 = TOp.Acc(a2, x, v); b2 = TOp.Acc(b2, y, v);
            v = Vector512.LoadUnsafe(ref Unsafe.Add(ref r3, back)) & m; a3 = TOp.Acc(a3, x, v); b3 = TOp.Acc(b3, y, v);
        }
        Vector128.Create(HorizontalSum.Of(a0), HorizontalSum.Of(a1), HorizontalSum.Of(a2), HorizontalSum.Of(a3)).StoreUnsafe(ref oa);
        Vector128.Create(HorizontalSum.Of(b0), HorizontalSum.Of(b1), HorizontalSum.Of(b2), HorizontalSum.Of(b3)).StoreUnsafe(ref ob);
    }

    private static void Tile2x4V256<TOp>(ref float qa, ref float qb, ref float r0, nuint n, ref float oa, ref float ob)
        where TOp : struct, IF32Op
    {
        ref float r1 = ref Unsafe.Add(ref r0, n);
        ref float r2 = ref Unsafe.Add(ref r0, 2 * n);
        ref float r3 = ref Unsafe.Add(ref r0, 3 * n);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        nuint tail = n & 7;
        ref float end = ref Unsafe.Add(ref qa, n - tail);
        while (Unsafe.IsAddressLessThan(ref qa, ref end))
        {
            var x = Vector256.LoadUnsafe(ref qa);
            var y = Vector256.LoadUnsafe(ref qb);
            var v = Vector256.LoadUnsafe(ref r0); a0 = TOp.Acc(a0, x, v); b0 = TOp.Acc(b0, y, v);
            v = Vector256.LoadUnsafe(ref r1); a1 = TOp.Acc(a1, x, v); b1 = TOp.Acc(b1, y, v);
            v = Vector256.LoadUnsafe(ref r2); a2 = TOp.Acc(a2, x, v); b2 = TOp.Acc(b2, y, v);
            v = Vector256.LoadUnsafe(ref r3); a3 = TOp.Acc(a3, x, v); b3 = TOp.Acc(b3, y, v);
            qa = ref Unsafe.Add(ref qa, 8);
            qb = ref Unsafe.Add(ref qb, 8);
            r0 = ref Unsafe.Add(ref r0, 8);
            r1 = ref Unsafe.Add(ref r1, 8);
            r2 = ref Unsafe.Add(ref r2, 8);
            r3 = ref Unsafe.Add(ref r3, 8);
        }
        if (tail != 0)
        {
            nint back = (nint)tail - 8;
            var m = KeepLast256(tail);
            var x = Vector256.LoadUnsafe(ref Unsafe.Add(ref qa, back)) & m;
            var y = Vector256.LoadUnsafe(ref Unsafe.Add(ref qb, back)) & m;
            var v = Vector256.LoadUnsafe(ref Unsafe.Add(ref r0, back)) & m; a0 = TOp.Acc(a0, x, v); b0 = TOp.Acc(b0, y, v);
            v = Vector256.LoadUnsafe(ref Unsafe.Add(ref r1, back)) & m; a1 = TOp.Acc(a1, x, v); b1 = TOp.Acc(b1, y, v);
            v = Vector256.LoadUnsafe(ref Unsafe.Add(ref r2, back)) & m; a2 = TOp.Acc(a2, x, v); b2 = TOp.Acc(b2, y, v);
            v = Vector256.LoadUnsafe(ref Unsafe.Add(ref r3, back)) & m; a3 = TOp.Acc(a3, x, v); b3 = TOp.Acc(b3, y, v);
        }
        Vector128.Create(HorizontalSum.Of(a0), HorizontalSum.Of(a1), HorizontalSum.Of(a2), HorizontalSum.Of(a3)).StoreUnsafe(ref oa);
        Vector128.Create(HorizontalSum.Of(b0), HorizontalSum.Of(b1), HorizontalSum.Of(b2), HorizontalSum.Of(b3)).StoreUnsafe(ref ob);
    }

    /// <summary>One float32 metric as the tiles see it: how a lane accumulates, and the pair kernel for leftovers.</summary>
    internal interface IF32Op
    {
        static abstract Vector512<float> Acc(Vector512<float> acc, Vector512<float> q, Vector512<float> r);
        static abstract Vector256<float> Acc(Vector256<float> acc, Vector256<float> q, Vector256<float> r);
        static abstract float Pair(ref float q, ref float r, int n, SimdPath fit);
    }

    internal readonly struct L2F32Op : IF32Op
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Acc(Vector512<float> acc, Vector512<float> q, Vector512<float> r) { var d = q - r; return Vector512.MultiplyAddEstimate(d, d, acc); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Acc(Vector256<float> acc, Vector256<float> q, Vector256<float> r) { var d = q - r; return Vector256.MultiplyAddEstimate(d, d, acc); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Pair(ref float q, ref float r, int n, SimdPath fit) => fit switch
        {
            SimdPath.V512 => SumF32V512<L2F32Op>(ref q, ref r, (nuint)n),
            SimdPath.V256 => SumF32V256<L2F32Op>(ref q, ref r, (nuint)n),
            SimdPath.V128 => L2F32V128(ref q, ref r, (nuint)n),
            _ => L2F32Scalar(ref q, ref r, (nuint)n),
        };
    }

    internal readonly struct DotF32Op : IF32Op
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Acc(Vector512<float> acc, Vector512<float> q, Vector512<float> r) => Vector512.MultiplyAddEstimate(q, r, acc);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Acc(Vector256<float> acc, Vector256<float> q, Vector256<float> r) => Vector256.MultiplyAddEstimate(q, r, acc);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Pair(ref float q, ref float r, int n, SimdPath fit) => fit switch
        {
            SimdPath.V512 => SumF32V512<DotF32Op>(ref q, ref r, (nuint)n),
            SimdPath.V256 => SumF32V256<DotF32Op>(ref q, ref r, (nuint)n),
            SimdPath.V128 => DotF32V128(ref q, ref r, (nuint)n),
            _ => DotF32Scalar(ref q, ref r, (nuint)n),
        };
    }
}
