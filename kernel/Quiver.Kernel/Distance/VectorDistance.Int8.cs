using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Numerics;
using System.Runtime.Intrinsics.X86;

namespace Quiver.Kernel.Distance;

// int8 and uint8 kernels. Bytes are widened to int16 lanes, products are formed and pair-summed into
// int32 lanes by one instruction (vpmaddwd, or vpdpwssd with AVX-VNNI), so every result is exact.
// Exactness bound: |term| ≤ 255² per element, so any dimension up to MaxIntegerDimension fits int32.
public static partial class VectorDistance
{
    /// <summary>Largest dimension the integer kernels accept: Milvus's limit, and 255²·32768 &lt; 2³¹ keeps every sum exact in int32.</summary>
    public const int MaxIntegerDimension = 32768;

    /// <summary>Exact squared Euclidean distance over int8 vectors.</summary>
    public static int SquaredL2(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b) => Run8<SignedWiden, L2Op8>(a.Length, b.Length, ref U8(a), ref U8(b), SimdCapabilities.Best).Main;

    /// <summary>Exact inner product over int8 vectors.</summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b) => Run8<SignedWiden, DotOp8>(a.Length, b.Length, ref U8(a), ref U8(b), SimdCapabilities.Best).Main;

    /// <summary>Cosine similarity over int8 vectors (exact integer sums, one final division); 0 when either is all zeros.</summary>
    public static float CosineSimilarity(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b) => Cos8(Run8<SignedWiden, CosineOp8>(a.Length, b.Length, ref U8(a), ref U8(b), SimdCapabilities.Best));

    /// <summary>Exact squared Euclidean distance over uint8 vectors.</summary>
    public static int SquaredL2(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Run8<UnsignedWiden, L2Op8>(a.Length, b.Length, ref U8(a), ref U8(b), SimdCapabilities.Best).Main;

    /// <summary>Exact inner product over uint8 vectors.</summary>
    public static int Dot(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Run8<UnsignedWiden, DotOp8>(a.Length, b.Length, ref U8(a), ref U8(b), SimdCapabilities.Best).Main;

    /// <summary>Cosine similarity over uint8 vectors; 0 when either is all zeros.</summary>
    public static float CosineSimilarity(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Cos8(Run8<UnsignedWiden, CosineOp8>(a.Length, b.Length, ref U8(a), ref U8(b), SimdCapabilities.Best));

    internal static int SquaredL2(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, SimdPath path) => Run8<SignedWiden, L2Op8>(a.Length, b.Length, ref U8(a), ref U8(b), path).Main;
    internal static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, SimdPath path) => Run8<SignedWiden, DotOp8>(a.Length, b.Length, ref U8(a), ref U8(b), path).Main;
    internal static float CosineSimilarity(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, SimdPath path) => Cos8(Run8<SignedWiden, CosineOp8>(a.Length, b.Length, ref U8(a), ref U8(b), path));
    internal static int SquaredL2(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, SimdPath path) => Run8<UnsignedWiden, L2Op8>(a.Length, b.Length, ref U8(a), ref U8(b), path).Main;
    internal static int Dot(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, SimdPath path) => Run8<UnsignedWiden, DotOp8>(a.Length, b.Length, ref U8(a), ref U8(b), path).Main;
    internal static float CosineSimilarity(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, SimdPath path) => Cos8(Run8<UnsignedWiden, CosineOp8>(a.Length, b.Length, ref U8(a), ref U8(b), path));

    private static float Cos8((int Main, int Aa, int Bb) s)
    {
        double den = Math.Sqrt((double)s.Aa * s.Bb);
        return den == 0 ? 0f : (float)(s.Main / den);
    }

    private enum Op8 { L2, Dot, Cosine }
    private interface IOp8 { static abstract Op8 Kind { get; } }
    private readonly struct L2Op8 : IOp8 { public static Op8 Kind => Op8.L2; }
    private readonly struct DotOp8 : IOp8 { public static Op8 Kind => Op8.Dot; }
    private readonly struct CosineOp8 : IOp8 { public static Op8 Kind => Op8.Cosine; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte U8<T>(ReadOnlySpan<T> s) where T : unmanaged =>
        ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(s));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Main, int Aa, int Bb) Run8<TW, TOp>(int na, int nb, ref byte a, ref byte b, SimdPath path)
        where TW : struct, IWiden8 where TOp : struct, IOp8
    {
        CheckPair(na, nb);
        if (na > MaxIntegerDimension) ThrowHelper.OutOfRange("length", na, $"at most {MaxIntegerDimension} elements for exact int32 sums");
        nuint n = (nuint)na;
        return Fit(path, na, 8) switch
        {
            SimdPath.V512 => Sum8V512<TW, TOp>(ref a, ref b, n),
            SimdPath.V256 => Sum8V256<TW, TOp>(ref a, ref b, n),
            SimdPath.V128 => Sum8V128<TW, TOp>(ref a, ref b, n),
            _ => Sum8Scalar<TW, TOp>(ref a, ref b, n),
        };
    }

    private static (int, int, int) Sum8V512<TW, TOp>(ref byte a, ref byte b, nuint n) where TW : struct, IWiden8 where TOp : struct, IOp8
    {
        Vector512<int> s0 = default, s1 = default, aa = default, bb = default;
        nuint i = 0;
        for (; i + 64 <= n; i += 64)
        {
            Accumulate(TW.Widen512(ref a, i), TW.Widen512(ref b, i), ref s0, ref aa, ref bb);
            Accumulate(TW.Widen512(ref a, i + 32), TW.Widen512(ref b, i + 32), ref s1, ref aa, ref bb);
        }
        for (; i + 32 <= n; i += 32)
            Accumulate(TW.Widen512(ref a, i), TW.Widen512(ref b, i), ref s0, ref aa, ref bb);
        if (i < n)
        {
            var m = KeepLast512x16(n - i);
            Accumulate(TW.Widen512(ref a, n - 32) & m, TW.Widen512(ref b, n - 32) & m, ref s1, ref aa, ref bb);
        }
        return (HorizontalSum.Of(s0 + s1), HorizontalSum.Of(aa), HorizontalSum.Of(bb));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(Vector512<short> x, Vector512<short> y, ref Vector512<int> s, ref Vector512<int> aa, ref Vector512<int> bb)
        {
            if (TOp.Kind == Op8.L2) { var d = x - y; s += MAdd(d, d); return; }
            s += MAdd(x, y);
            if (TOp.Kind == Op8.Cosine) { aa += MAdd(x, x); bb += MAdd(y, y); }
        }
    }

    private static (int, int, int) Sum8V256<TW, TOp>(ref byte a, ref byte b, nuint n) where TW : struct, IWiden8 where TOp : struct, IOp8
    {
        Vector256<int> s0 = default, s1 = default, aa = default, bb = default;
        nuint i = 0;
        for (; i + 32 <= n; i += 32)
        {
            Accumulate(TW.Widen256(ref a, i), TW.Widen256(ref b, i), ref s0, ref aa, ref bb);
            Accumulate(TW.Widen256(ref a, i + 16), TW.Widen256(ref b, i + 16), ref s1, ref aa, ref bb);
        }
        for (; i + 16 <= n; i += 16)
            Accumulate(TW.Widen256(ref a, i), TW.Widen256(ref b, i), ref s0, ref aa, ref bb);
        if (i < n)
        {
            var m = KeepLast256x16(n - i);
            Accumulate(TW.Widen256(ref a, n - 16) & m, TW.Widen256(ref b, n - 16) & m, ref s1, ref aa, ref bb);
        }
        return (HorizontalSum.Of(s0 + s1), HorizontalSum.Of(aa), HorizontalSum.Of(bb));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(Vector256<short> x, Vector256<short> y, ref Vector256<int> s, ref Vector256<int> aa, ref Vector256<int> bb)
        {
            if (TOp.Kind == Op8.L2) { var d = x - y; s = MAddAcc(s, d, d); return; }
            s = MAddAcc(s, x, y);
            if (TOp.Kind == Op8.Cosine) { aa = MAddAcc(aa, x, x); bb = MAddAcc(bb, y, y); }
        }
    }

    private static (int, int, int) Sum8V128<TW, TOp>(ref byte a, ref byte b, nuint n) where TW : struct, IWiden8 where TOp : struct, IOp8
    {
        Vector128<int> s0 = default, s1 = default, aa = default, bb = default;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Accumulate(TW.Widen128(ref a, i), TW.Widen128(ref b, i), ref s0, ref aa, ref bb);
            Accumulate(TW.Widen128(ref a, i + 8), TW.Widen128(ref b, i + 8), ref s1, ref aa, ref bb);
        }
        for (; i + 8 <= n; i += 8)
            Accumulate(TW.Widen128(ref a, i), TW.Widen128(ref b, i), ref s0, ref aa, ref bb);
        if (i < n)
        {
            var m = KeepLast128x16(n - i);
            Accumulate(TW.Widen128(ref a, n - 8) & m, TW.Widen128(ref b, n - 8) & m, ref s1, ref aa, ref bb);
        }
        return (HorizontalSum.Of(s0 + s1), HorizontalSum.Of(aa), HorizontalSum.Of(bb));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(Vector128<short> x, Vector128<short> y, ref Vector128<int> s, ref Vector128<int> aa, ref Vector128<int> bb)
        {
            if (TOp.Kind == Op8.L2) { var d = x - y; s += MAdd(d, d); return; }
            s += MAdd(x, y);
            if (TOp.Kind == Op8.Cosine) { aa += MAdd(x, x); bb += MAdd(y, y); }
        }
    }

    private static (int, int, int) Sum8Scalar<TW, TOp>(ref byte a, ref byte b, nuint n) where TW : struct, IWiden8 where TOp : struct, IOp8
    {
        int s = 0, aa = 0, bb = 0;
        for (nuint i = 0; i < n; i++)
        {
            int x = TW.Widen(Unsafe.Add(ref a, i)), y = TW.Widen(Unsafe.Add(ref b, i));
            if (TOp.Kind == Op8.L2) { int d = x - y; s += d * d; }
            else
            {
                s += x * y;
                if (TOp.Kind == Op8.Cosine) { aa += x * x; bb += y * y; }
            }
        }
        return (s, aa, bb);
    }

    // Pairwise multiply-add of int16 lanes into int32 lanes. The cross-platform fallback pairs lanes
    // differently but forms the same total, which is all the kernels use.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> MAdd(Vector512<short> x, Vector512<short> y)
    {
        if (Avx512BW.IsSupported) return Avx512BW.MultiplyAddAdjacent(x, y);
        var (xl, xh) = Vector512.Widen(x);
        var (yl, yh) = Vector512.Widen(y);
        return xl * yl + xh * yh;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MAddAcc(Vector256<int> acc, Vector256<short> x, Vector256<short> y)
    {
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(acc, x, y);
        if (Avx2.IsSupported) return acc + Avx2.MultiplyAddAdjacent(x, y);
        var (xl, xh) = Vector256.Widen(x);
        var (yl, yh) = Vector256.Widen(y);
        return acc + xl * yl + xh * yh;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> MAdd(Vector128<short> x, Vector128<short> y)
    {
        if (Sse2.IsSupported) return Sse2.MultiplyAddAdjacent(x, y);
        var (xl, xh) = Vector128.Widen(x);
        var (yl, yh) = Vector128.Widen(y);
        return xl * yl + xh * yh;
    }

    /// <summary>Loads bytes and widens them to int16 lanes, sign- or zero-extending.</summary>
    internal interface IWiden8
    {
        static abstract int Widen(byte value);
        static abstract Vector128<short> Widen128(ref byte p, nuint i);
        static abstract Vector256<short> Widen256(ref byte p, nuint i);
        static abstract Vector512<short> Widen512(ref byte p, nuint i);
    }

    internal readonly struct SignedWiden : IWiden8
    {
        public static int Widen(byte value) => (sbyte)value;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Widen128(ref byte p, nuint i) =>
            Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i))).AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Widen256(ref byte p, nuint i) =>
            Vector256.WidenLower(Vector128.LoadUnsafe(ref p, i).AsSByte().ToVector256Unsafe());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Widen512(ref byte p, nuint i) =>
            Vector512.WidenLower(Vector256.LoadUnsafe(ref p, i).AsSByte().ToVector512Unsafe());
    }

    internal readonly struct UnsignedWiden : IWiden8
    {
        public static int Widen(byte value) => value;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Widen128(ref byte p, nuint i) =>
            Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i))).AsByte()).AsInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Widen256(ref byte p, nuint i) =>
            Vector256.WidenLower(Vector128.LoadUnsafe(ref p, i).ToVector256Unsafe()).AsInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Widen512(ref byte p, nuint i) =>
            Vector512.WidenLower(Vector256.LoadUnsafe(ref p, i).ToVector512Unsafe()).AsInt16();
    }
}
