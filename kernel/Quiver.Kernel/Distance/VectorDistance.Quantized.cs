using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Distance;

// Kernels for quantized codes: uint8 codes against int16 query weights (scalar quantization). Codes are
// widened to int16 lanes and multiplied pairwise into int32 lanes (vpmaddwd), so sums are exact as long
// as the caller keeps |weight| · 255 · length below 2³¹ (see MaxWeight).
public static partial class VectorDistance
{
    /// <summary>
    /// The largest |weight| for which <see cref="Dot(ReadOnlySpan{byte}, ReadOnlySpan{short})"/> over
    /// <paramref name="length"/> elements cannot overflow int32: min(32767, (2³¹ − 1) / (255 · length)).
    /// </summary>
    public static int MaxWeight(int length) => (int)Math.Min(short.MaxValue, int.MaxValue / (255L * Math.Max(1, length)));

    /// <summary>Exact Σ codes[i] · weights[i] (uint8 × int16), for |weights[i]| ≤ <see cref="MaxWeight"/>(length).</summary>
    public static int Dot(ReadOnlySpan<byte> codes, ReadOnlySpan<short> weights) => DotCodes(codes, weights, SimdCapabilities.Best);

    /// <summary>
    /// <see cref="Dot(ReadOnlySpan{byte}, ReadOnlySpan{short})"/> of the weights against each of
    /// <paramref name="results"/>.Length code rows laid out every <paramref name="stride"/> bytes.
    /// </summary>
    public static void Dot(ReadOnlySpan<short> weights, ReadOnlySpan<byte> rows, int stride, Span<int> results)
    {
        int n = weights.Length;
        if (stride < n) ThrowHelper.OutOfRange(nameof(stride), stride, $"at least the row length {n}");
        if (results.Length > 0 && (long)(results.Length - 1) * stride + n > rows.Length)
            ThrowHelper.OutOfRange(nameof(rows), rows.Length, $"at least {(long)(results.Length - 1) * stride + n} bytes for {results.Length} rows");
        var path = SimdCapabilities.Best;
        for (int r = 0; r < results.Length; r++) results[r] = DotCodes(rows.Slice(r * stride, n), weights, path);
    }

    internal static int DotCodes(ReadOnlySpan<byte> codes, ReadOnlySpan<short> weights, SimdPath path)
    {
        CheckPair(codes.Length, weights.Length);
        ref byte c = ref MemoryMarshal.GetReference(codes);
        ref short w = ref MemoryMarshal.GetReference(weights);
        nuint n = (nuint)codes.Length;
        return Fit(path, codes.Length, 8) switch
        {
            SimdPath.V512 => DotCodesV512(ref c, ref w, n),
            SimdPath.V256 => DotCodesV256(ref c, ref w, n),
            SimdPath.V128 => DotCodesV128(ref c, ref w, n),
            _ => DotCodesScalar(ref c, ref w, n),
        };
    }

    private static int DotCodesV512(ref byte c, ref short w, nuint n)
    {
        Vector512<int> s0 = default, s1 = default;
        nuint i = 0;
        for (; i + 64 <= n; i += 64)
        {
            s0 += MAdd(UnsignedWiden.Widen512(ref c, i), Vector512.LoadUnsafe(ref w, i));
            s1 += MAdd(UnsignedWiden.Widen512(ref c, i + 32), Vector512.LoadUnsafe(ref w, i + 32));
        }
        for (; i + 32 <= n; i += 32) s0 += MAdd(UnsignedWiden.Widen512(ref c, i), Vector512.LoadUnsafe(ref w, i));
        if (i < n) s1 += MAdd(UnsignedWiden.Widen512(ref c, n - 32), Vector512.LoadUnsafe(ref w, n - 32) & KeepLast512x16(n - i));
        return HorizontalSum.Of(s0 + s1);
    }

    private static int DotCodesV256(ref byte c, ref short w, nuint n)
    {
        Vector256<int> s0 = default, s1 = default;
        nuint i = 0;
        for (; i + 32 <= n; i += 32)
        {
            s0 = MAddAcc(s0, UnsignedWiden.Widen256(ref c, i), Vector256.LoadUnsafe(ref w, i));
            s1 = MAddAcc(s1, UnsignedWiden.Widen256(ref c, i + 16), Vector256.LoadUnsafe(ref w, i + 16));
        }
        for (; i + 16 <= n; i += 16) s0 = MAddAcc(s0, UnsignedWiden.Widen256(ref c, i), Vector256.LoadUnsafe(ref w, i));
        if (i < n) s1 = MAddAcc(s1, UnsignedWiden.Widen256(ref c, n - 16), Vector256.LoadUnsafe(ref w, n - 16) & KeepLast256x16(n - i));
        return HorizontalSum.Of(s0 + s1);
    }

    private static int DotCodesV128(ref byte c, ref short w, nuint n)
    {
        Vector128<int> s0 = default, s1 = default;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            s0 += MAdd(UnsignedWiden.Widen128(ref c, i), Vector128.LoadUnsafe(ref w, i));
            s1 += MAdd(UnsignedWiden.Widen128(ref c, i + 8), Vector128.LoadUnsafe(ref w, i + 8));
        }
        for (; i + 8 <= n; i += 8) s0 += MAdd(UnsignedWiden.Widen128(ref c, i), Vector128.LoadUnsafe(ref w, i));
        if (i < n) s1 += MAdd(UnsignedWiden.Widen128(ref c, n - 8), Vector128.LoadUnsafe(ref w, n - 8) & KeepLast128x16(n - i));
        return HorizontalSum.Of(s0 + s1);
    }

    private static int DotCodesScalar(ref byte c, ref short w, nuint n)
    {
        int s = 0;
        for (nuint i = 0; i < n; i++) s += Unsafe.Add(ref c, i) * Unsafe.Add(ref w, i);
        return s;
    }
}
