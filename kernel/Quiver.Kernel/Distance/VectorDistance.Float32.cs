using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Distance;

// float32 pair kernels. The batch forms are in VectorDistance.Float32Batch.cs.
public static partial class VectorDistance
{
    /// <summary>Squared Euclidean distance Σ(aᵢ − bᵢ)².</summary>
    public static float SquaredL2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckPair(a.Length, b.Length);
        return L2F32(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>Inner product Σ aᵢ·bᵢ.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckPair(a.Length, b.Length);
        return DotF32(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>Cosine similarity a·b / (‖a‖‖b‖); 0 when either vector is all zeros.</summary>
    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckPair(a.Length, b.Length);
        var (ab, aa, bb) = CosF32(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length, SimdCapabilities.Best);
        return Cosine(ab, aa, bb);
    }

    /// <summary>Euclidean norm ‖a‖.</summary>
    public static float Norm(ReadOnlySpan<float> a) => MathF.Sqrt(Dot(a, a));

    /// <summary>Scales <paramref name="a"/> to unit length in place; an all-zero vector is left as it is.</summary>
    public static void Normalize(Span<float> a)
    {
        float norm = Norm(a);
        if (norm == 0f || !float.IsFinite(norm)) return;
        Scale(a, 1f / norm);
    }

    /// <summary>Normalizes each row of dimension <paramref name="dim"/> in a contiguous block, in place.</summary>
    public static void NormalizeRows(Span<float> rows, int dim)
    {
        if (dim < 1) ThrowHelper.OutOfRange(nameof(dim), dim, "dim ≥ 1");
        if (rows.Length % dim != 0)
            ThrowHelper.Argument($"The row block holds {rows.Length} elements, not a whole number of rows of dimension {dim}.", nameof(rows));
        for (int i = 0; i < rows.Length; i += dim) Normalize(rows.Slice(i, dim));
    }

    private static void Scale(Span<float> a, float s)
    {
        ref float p = ref MemoryMarshal.GetReference(a);
        nuint n = (nuint)a.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            for (; i + 16 <= n; i += 16) (Vector512.LoadUnsafe(ref p, i) * vs).StoreUnsafe(ref p, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i + 8 <= n; i += 8) (Vector256.LoadUnsafe(ref p, i) * vs).StoreUnsafe(ref p, i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var vs = Vector128.Create(s);
            for (; i + 4 <= n; i += 4) (Vector128.LoadUnsafe(ref p, i) * vs).StoreUnsafe(ref p, i);
        }
        for (; i < n; i++) Unsafe.Add(ref p, i) *= s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Cosine(float ab, float aa, float bb)
    {
        // Two square roots rather than √(aa·bb): the product could overflow float, the roots cannot;
        // float rather than double because this tail sits on the latency path of every call.
        float den = MathF.Sqrt(aa) * MathF.Sqrt(bb);
        return den == 0f ? 0f : ab / den;
    }

    // ---- dispatch ---------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float L2F32(ref float a, ref float b, int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= 16) return SumF32V512<L2F32Op>(ref a, ref b, (nuint)n);
        if (Vector256.IsHardwareAccelerated && n >= 8) return SumF32V256<L2F32Op>(ref a, ref b, (nuint)n);
        if (Vector128.IsHardwareAccelerated && n >= 4) return L2F32V128(ref a, ref b, (nuint)n);
        return L2F32Scalar(ref a, ref b, (nuint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float DotF32(ref float a, ref float b, int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= 16) return SumF32V512<DotF32Op>(ref a, ref b, (nuint)n);
        if (Vector256.IsHardwareAccelerated && n >= 8) return SumF32V256<DotF32Op>(ref a, ref b, (nuint)n);
        if (Vector128.IsHardwareAccelerated && n >= 4) return DotF32V128(ref a, ref b, (nuint)n);
        return DotF32Scalar(ref a, ref b, (nuint)n);
    }

    /// <summary>Squared L2 on an explicit path (tests and benchmarks).</summary>
    internal static float SquaredL2(ReadOnlySpan<float> a, ReadOnlySpan<float> b, SimdPath path)
    {
        CheckPair(a.Length, b.Length);
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length;
        return Fit(path, a.Length, 4) switch
        {
            SimdPath.V512 => SumF32V512<L2F32Op>(ref x, ref y, n),
            SimdPath.V256 => SumF32V256<L2F32Op>(ref x, ref y, n),
            SimdPath.V128 => L2F32V128(ref x, ref y, n),
            _ => L2F32Scalar(ref x, ref y, n),
        };
    }

    /// <summary>Inner product on an explicit path (tests and benchmarks).</summary>
    internal static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b, SimdPath path)
    {
        CheckPair(a.Length, b.Length);
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length;
        return Fit(path, a.Length, 4) switch
        {
            SimdPath.V512 => SumF32V512<DotF32Op>(ref x, ref y, n),
            SimdPath.V256 => SumF32V256<DotF32Op>(ref x, ref y, n),
            SimdPath.V128 => DotF32V128(ref x, ref y, n),
            _ => DotF32Scalar(ref x, ref y, n),
        };
    }

    /// <summary>Cosine similarity on an explicit path (tests and benchmarks).</summary>
    internal static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b, SimdPath path)
    {
        CheckPair(a.Length, b.Length);
        var (ab, aa, bb) = CosF32(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length, path);
        return Cosine(ab, aa, bb);
    }

    private static (float Ab, float Aa, float Bb) CosF32(ref float a, ref float b, int n, SimdPath path) =>
        Fit(path, n, 4) switch
        {
            SimdPath.V512 => CosF32V512(ref a, ref b, (nuint)n),
            SimdPath.V256 => CosF32V256(ref a, ref b, (nuint)n),
            SimdPath.V128 => CosF32V128(ref a, ref b, (nuint)n),
            _ => CosF32Scalar(ref a, ref b, (nuint)n),
        };

    // ---- squared L2 -------------------------------------------------------------------------------



    // Four independent chains: a pair kernel is bound by its loads (two per chunk) and for L2 by two ALU
    // ops per chunk, so four 4-cycle FMA chains already keep up, and fewer chains shorten the final
    // reduction. Both pointers advance by themselves so every load is [register + displacement]: with
    // [base + index] addressing, Intel cores un-laminate the folded loads of 3-operand AVX instructions,
    // which cost a third of the throughput here (measured: 32 ns → 24 ns per 784-d pair).
    private static float SumF32V512<TOp>(ref float a, ref float b, nuint n) where TOp : struct, IF32Op
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        ref float end = ref Unsafe.Add(ref a, n & ~(nuint)63);
        while (Unsafe.IsAddressLessThan(ref a, ref end))
        {
            s0 = TOp.Acc(s0, Vector512.LoadUnsafe(ref a), Vector512.LoadUnsafe(ref b));
            s1 = TOp.Acc(s1, Vector512.LoadUnsafe(ref Unsafe.Add(ref a, 16)), Vector512.LoadUnsafe(ref Unsafe.Add(ref b, 16)));
            s2 = TOp.Acc(s2, Vector512.LoadUnsafe(ref Unsafe.Add(ref a, 32)), Vector512.LoadUnsafe(ref Unsafe.Add(ref b, 32)));
            s3 = TOp.Acc(s3, Vector512.LoadUnsafe(ref Unsafe.Add(ref a, 48)), Vector512.LoadUnsafe(ref Unsafe.Add(ref b, 48)));
            a = ref Unsafe.Add(ref a, 64);
            b = ref Unsafe.Add(ref b, 64);
        }
        nuint rest = n & 63;
        if (rest >= 16)
        {
            s0 = TOp.Acc(s0, Vector512.LoadUnsafe(ref a), Vector512.LoadUnsafe(ref b));
            if (rest >= 32) s1 = TOp.Acc(s1, Vector512.LoadUnsafe(ref Unsafe.Add(ref a, 16)), Vector512.LoadUnsafe(ref Unsafe.Add(ref b, 16)));
            if (rest >= 48) s2 = TOp.Acc(s2, Vector512.LoadUnsafe(ref Unsafe.Add(ref a, 32)), Vector512.LoadUnsafe(ref Unsafe.Add(ref b, 32)));
        }
        nuint tail = rest & 15;
        if (tail != 0)
        {
            // The last full vector ends at element n; lanes before the tail were summed already.
            var m = KeepLast512(tail);
            s3 = TOp.Acc(s3, Vector512.LoadUnsafe(ref Unsafe.Add(ref a, (nint)rest - 16)) & m, Vector512.LoadUnsafe(ref Unsafe.Add(ref b, (nint)rest - 16)) & m);
        }
        return HorizontalSum.Of((s0 + s1) + (s2 + s3));
    }

    // Four independent chains: a pair kernel is bound by its loads (two per chunk) and for L2 by two ALU
    // ops per chunk, so four 4-cycle FMA chains already keep up, and fewer chains shorten the final
    // reduction. Both pointers advance by themselves so every load is [register + displacement]: with
    // [base + index] addressing, Intel cores un-laminate the folded loads of 3-operand AVX instructions,
    // which cost a third of the throughput here (measured: 32 ns → 24 ns per 784-d pair).
    private static float SumF32V256<TOp>(ref float a, ref float b, nuint n) where TOp : struct, IF32Op
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        ref float end = ref Unsafe.Add(ref a, n & ~(nuint)31);
        while (Unsafe.IsAddressLessThan(ref a, ref end))
        {
            s0 = TOp.Acc(s0, Vector256.LoadUnsafe(ref a), Vector256.LoadUnsafe(ref b));
            s1 = TOp.Acc(s1, Vector256.LoadUnsafe(ref Unsafe.Add(ref a, 8)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, 8)));
            s2 = TOp.Acc(s2, Vector256.LoadUnsafe(ref Unsafe.Add(ref a, 16)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, 16)));
            s3 = TOp.Acc(s3, Vector256.LoadUnsafe(ref Unsafe.Add(ref a, 24)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, 24)));
            a = ref Unsafe.Add(ref a, 32);
            b = ref Unsafe.Add(ref b, 32);
        }
        nuint rest = n & 31;
        if (rest >= 8)
        {
            s0 = TOp.Acc(s0, Vector256.LoadUnsafe(ref a), Vector256.LoadUnsafe(ref b));
            if (rest >= 16) s1 = TOp.Acc(s1, Vector256.LoadUnsafe(ref Unsafe.Add(ref a, 8)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, 8)));
            if (rest >= 24) s2 = TOp.Acc(s2, Vector256.LoadUnsafe(ref Unsafe.Add(ref a, 16)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, 16)));
        }
        nuint tail = rest & 7;
        if (tail != 0)
        {
            // The last full vector ends at element n; lanes before the tail were summed already.
            var m = KeepLast256(tail);
            s3 = TOp.Acc(s3, Vector256.LoadUnsafe(ref Unsafe.Add(ref a, (nint)rest - 8)) & m, Vector256.LoadUnsafe(ref Unsafe.Add(ref b, (nint)rest - 8)) & m);
        }
        return HorizontalSum.Of((s0 + s1) + (s2 + s3));
    }

    private static float L2F32V128(ref float a, ref float b, nuint n)
    {
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var d0 = Vector128.LoadUnsafe(ref a, i) - Vector128.LoadUnsafe(ref b, i);
            var d1 = Vector128.LoadUnsafe(ref a, i + 4) - Vector128.LoadUnsafe(ref b, i + 4);
            var d2 = Vector128.LoadUnsafe(ref a, i + 8) - Vector128.LoadUnsafe(ref b, i + 8);
            var d3 = Vector128.LoadUnsafe(ref a, i + 12) - Vector128.LoadUnsafe(ref b, i + 12);
            s0 = Vector128.MultiplyAddEstimate(d0, d0, s0);
            s1 = Vector128.MultiplyAddEstimate(d1, d1, s1);
            s2 = Vector128.MultiplyAddEstimate(d2, d2, s2);
            s3 = Vector128.MultiplyAddEstimate(d3, d3, s3);
        }
        for (; i + 4 <= n; i += 4)
        {
            var d = Vector128.LoadUnsafe(ref a, i) - Vector128.LoadUnsafe(ref b, i);
            s0 = Vector128.MultiplyAddEstimate(d, d, s0);
        }
        if (i < n)
        {
            nuint last = n - 4;
            var d = (Vector128.LoadUnsafe(ref a, last) - Vector128.LoadUnsafe(ref b, last)) & KeepLast128(n - i);
            s1 = Vector128.MultiplyAddEstimate(d, d, s1);
        }
        return HorizontalSum.Of((s0 + s1) + (s2 + s3));
    }

    private static float L2F32Scalar(ref float a, ref float b, nuint n)
    {
        float s0 = 0, s1 = 0;
        nuint i = 0;
        for (; i + 2 <= n; i += 2)
        {
            float d0 = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            float d1 = Unsafe.Add(ref a, i + 1) - Unsafe.Add(ref b, i + 1);
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        if (i < n)
        {
            float d = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            s0 += d * d;
        }
        return s0 + s1;
    }

    // ---- inner product ----------------------------------------------------------------------------



    private static float DotF32V128(ref float a, ref float b, nuint n)
    {
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            s0 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, i), Vector128.LoadUnsafe(ref b, i), s0);
            s1 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, i + 4), Vector128.LoadUnsafe(ref b, i + 4), s1);
            s2 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, i + 8), Vector128.LoadUnsafe(ref b, i + 8), s2);
            s3 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, i + 12), Vector128.LoadUnsafe(ref b, i + 12), s3);
        }
        for (; i + 4 <= n; i += 4)
            s0 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, i), Vector128.LoadUnsafe(ref b, i), s0);
        if (i < n)
        {
            nuint last = n - 4;
            s1 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, last) & KeepLast128(n - i), Vector128.LoadUnsafe(ref b, last), s1);
        }
        return HorizontalSum.Of((s0 + s1) + (s2 + s3));
    }

    private static float DotF32Scalar(ref float a, ref float b, nuint n)
    {
        float s0 = 0, s1 = 0;
        nuint i = 0;
        for (; i + 2 <= n; i += 2)
        {
            s0 += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
            s1 += Unsafe.Add(ref a, i + 1) * Unsafe.Add(ref b, i + 1);
        }
        if (i < n) s0 += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return s0 + s1;
    }

    // ---- cosine: a·b, a·a, b·b in one pass --------------------------------------------------------

    private static (float, float, float) CosF32V512(ref float a, ref float b, nuint n)
    {
        // Three sums per chunk, in four interleaved sets: twelve FMA chains cover the 4-cycle latency.
        Vector512<float> ab0 = default, aa0 = default, bb0 = default, ab1 = default, aa1 = default, bb1 = default;
        Vector512<float> ab2 = default, aa2 = default, bb2 = default, ab3 = default, aa3 = default, bb3 = default;
        ref float end = ref Unsafe.Add(ref a, n & ~(nuint)63);
        while (Unsafe.IsAddressLessThan(ref a, ref end))
        {
            Step(ref a, ref b, 0, ref ab0, ref aa0, ref bb0);
            Step(ref a, ref b, 16, ref ab1, ref aa1, ref bb1);
            Step(ref a, ref b, 32, ref ab2, ref aa2, ref bb2);
            Step(ref a, ref b, 48, ref ab3, ref aa3, ref bb3);
            a = ref Unsafe.Add(ref a, 64);
            b = ref Unsafe.Add(ref b, 64);
        }
        nuint rest = n & 63;
        if (rest >= 16)
        {
            Step(ref a, ref b, 0, ref ab0, ref aa0, ref bb0);
            if (rest >= 32) Step(ref a, ref b, 16, ref ab1, ref aa1, ref bb1);
            if (rest >= 48) Step(ref a, ref b, 32, ref ab2, ref aa2, ref bb2);
        }
        nuint tail = rest & 15;
        if (tail != 0)
        {
            var m = KeepLast512(tail);
            var x = Vector512.LoadUnsafe(ref Unsafe.Add(ref a, (nint)rest - 16)) & m;
            var y = Vector512.LoadUnsafe(ref Unsafe.Add(ref b, (nint)rest - 16)) & m;
            ab3 = Vector512.MultiplyAddEstimate(x, y, ab3); aa3 = Vector512.MultiplyAddEstimate(x, x, aa3); bb3 = Vector512.MultiplyAddEstimate(y, y, bb3);
        }
        return (HorizontalSum.Of((ab0 + ab1) + (ab2 + ab3)), HorizontalSum.Of((aa0 + aa1) + (aa2 + aa3)), HorizontalSum.Of((bb0 + bb1) + (bb2 + bb3)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(ref float a, ref float b, nint offset, ref Vector512<float> ab, ref Vector512<float> aa, ref Vector512<float> bb)
        {
            var x = Vector512.LoadUnsafe(ref Unsafe.Add(ref a, offset));
            var y = Vector512.LoadUnsafe(ref Unsafe.Add(ref b, offset));
            ab = Vector512.MultiplyAddEstimate(x, y, ab);
            aa = Vector512.MultiplyAddEstimate(x, x, aa);
            bb = Vector512.MultiplyAddEstimate(y, y, bb);
        }
    }

    private static (float, float, float) CosF32V256(ref float a, ref float b, nuint n)
    {
        // Three sums per chunk, in four interleaved sets: twelve FMA chains cover the 4-cycle latency.
        Vector256<float> ab0 = default, aa0 = default, bb0 = default, ab1 = default, aa1 = default, bb1 = default;
        Vector256<float> ab2 = default, aa2 = default, bb2 = default, ab3 = default, aa3 = default, bb3 = default;
        ref float end = ref Unsafe.Add(ref a, n & ~(nuint)31);
        while (Unsafe.IsAddressLessThan(ref a, ref end))
        {
            Step(ref a, ref b, 0, ref ab0, ref aa0, ref bb0);
            Step(ref a, ref b, 8, ref ab1, ref aa1, ref bb1);
            Step(ref a, ref b, 16, ref ab2, ref aa2, ref bb2);
            Step(ref a, ref b, 24, ref ab3, ref aa3, ref bb3);
            a = ref Unsafe.Add(ref a, 32);
            b = ref Unsafe.Add(ref b, 32);
        }
        nuint rest = n & 31;
        if (rest >= 8)
        {
            Step(ref a, ref b, 0, ref ab0, ref aa0, ref bb0);
            if (rest >= 16) Step(ref a, ref b, 8, ref ab1, ref aa1, ref bb1);
            if (rest >= 24) Step(ref a, ref b, 16, ref ab2, ref aa2, ref bb2);
        }
        nuint tail = rest & 7;
        if (tail != 0)
        {
            var m = KeepLast256(tail);
            var x = Vector256.LoadUnsafe(ref Unsafe.Add(ref a, (nint)rest - 8)) & m;
            var y = Vector256.LoadUnsafe(ref Unsafe.Add(ref b, (nint)rest - 8)) & m;
            ab3 = Vector256.MultiplyAddEstimate(x, y, ab3); aa3 = Vector256.MultiplyAddEstimate(x, x, aa3); bb3 = Vector256.MultiplyAddEstimate(y, y, bb3);
        }
        return (HorizontalSum.Of((ab0 + ab1) + (ab2 + ab3)), HorizontalSum.Of((aa0 + aa1) + (aa2 + aa3)), HorizontalSum.Of((bb0 + bb1) + (bb2 + bb3)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(ref float a, ref float b, nint offset, ref Vector256<float> ab, ref Vector256<float> aa, ref Vector256<float> bb)
        {
            var x = Vector256.LoadUnsafe(ref Unsafe.Add(ref a, offset));
            var y = Vector256.LoadUnsafe(ref Unsafe.Add(ref b, offset));
            ab = Vector256.MultiplyAddEstimate(x, y, ab);
            aa = Vector256.MultiplyAddEstimate(x, x, aa);
            bb = Vector256.MultiplyAddEstimate(y, y, bb);
        }
    }

    private static (float, float, float) CosF32V128(ref float a, ref float b, nuint n)
    {
        Vector128<float> ab0 = default, aa0 = default, bb0 = default, ab1 = default, aa1 = default, bb1 = default;
        nuint i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var x0 = Vector128.LoadUnsafe(ref a, i); var y0 = Vector128.LoadUnsafe(ref b, i);
            var x1 = Vector128.LoadUnsafe(ref a, i + 4); var y1 = Vector128.LoadUnsafe(ref b, i + 4);
            ab0 = Vector128.MultiplyAddEstimate(x0, y0, ab0); aa0 = Vector128.MultiplyAddEstimate(x0, x0, aa0); bb0 = Vector128.MultiplyAddEstimate(y0, y0, bb0);
            ab1 = Vector128.MultiplyAddEstimate(x1, y1, ab1); aa1 = Vector128.MultiplyAddEstimate(x1, x1, aa1); bb1 = Vector128.MultiplyAddEstimate(y1, y1, bb1);
        }
        for (; i + 4 <= n; i += 4)
        {
            var x = Vector128.LoadUnsafe(ref a, i); var y = Vector128.LoadUnsafe(ref b, i);
            ab0 = Vector128.MultiplyAddEstimate(x, y, ab0); aa0 = Vector128.MultiplyAddEstimate(x, x, aa0); bb0 = Vector128.MultiplyAddEstimate(y, y, bb0);
        }
        if (i < n)
        {
            nuint last = n - 4;
            var m = KeepLast128(n - i);
            var x = Vector128.LoadUnsafe(ref a, last) & m; var y = Vector128.LoadUnsafe(ref b, last) & m;
            ab1 = Vector128.MultiplyAddEstimate(x, y, ab1); aa1 = Vector128.MultiplyAddEstimate(x, x, aa1); bb1 = Vector128.MultiplyAddEstimate(y, y, bb1);
        }
        return (HorizontalSum.Of(ab0 + ab1), HorizontalSum.Of(aa0 + aa1), HorizontalSum.Of(bb0 + bb1));
    }

    private static (float, float, float) CosF32Scalar(ref float a, ref float b, nuint n)
    {
        float ab = 0, aa = 0, bb = 0;
        for (nuint i = 0; i < n; i++)
        {
            float x = Unsafe.Add(ref a, i), y = Unsafe.Add(ref b, i);
            ab += x * y; aa += x * x; bb += y * y;
        }
        return (ab, aa, bb);
    }
}
