using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Distance;

// float16 and bfloat16 kernels: 16-bit lanes are widened to float32 in registers and accumulated in
// float32 exactly as the float32 kernels do. One generic body serves both formats through IWiden16.
public static partial class VectorDistance
{
    /// <summary>Squared Euclidean distance over float16 vectors, accumulated in float32.</summary>
    public static float SquaredL2(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b) => Run16<HalfWiden, L2Op16>(a.Length, b.Length, ref U16(a), ref U16(b), SimdCapabilities.Best);

    /// <summary>Inner product over float16 vectors, accumulated in float32.</summary>
    public static float Dot(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b) => Run16<HalfWiden, DotOp16>(a.Length, b.Length, ref U16(a), ref U16(b), SimdCapabilities.Best);

    /// <summary>Cosine similarity over float16 vectors; 0 when either is all zeros.</summary>
    public static float CosineSimilarity(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b) => Run16<HalfWiden, CosineOp16>(a.Length, b.Length, ref U16(a), ref U16(b), SimdCapabilities.Best);

    /// <summary>Squared Euclidean distance over bfloat16 vectors, accumulated in float32.</summary>
    public static float SquaredL2(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b) => Run16<BFloat16Widen, L2Op16>(a.Length, b.Length, ref U16(a), ref U16(b), SimdCapabilities.Best);

    /// <summary>Inner product over bfloat16 vectors, accumulated in float32.</summary>
    public static float Dot(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b) => Run16<BFloat16Widen, DotOp16>(a.Length, b.Length, ref U16(a), ref U16(b), SimdCapabilities.Best);

    /// <summary>Cosine similarity over bfloat16 vectors; 0 when either is all zeros.</summary>
    public static float CosineSimilarity(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b) => Run16<BFloat16Widen, CosineOp16>(a.Length, b.Length, ref U16(a), ref U16(b), SimdCapabilities.Best);

    internal static float SquaredL2(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, SimdPath path) => Run16<HalfWiden, L2Op16>(a.Length, b.Length, ref U16(a), ref U16(b), path);
    internal static float Dot(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, SimdPath path) => Run16<HalfWiden, DotOp16>(a.Length, b.Length, ref U16(a), ref U16(b), path);
    internal static float CosineSimilarity(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, SimdPath path) => Run16<HalfWiden, CosineOp16>(a.Length, b.Length, ref U16(a), ref U16(b), path);
    internal static float SquaredL2(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b, SimdPath path) => Run16<BFloat16Widen, L2Op16>(a.Length, b.Length, ref U16(a), ref U16(b), path);
    internal static float Dot(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b, SimdPath path) => Run16<BFloat16Widen, DotOp16>(a.Length, b.Length, ref U16(a), ref U16(b), path);
    internal static float CosineSimilarity(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b, SimdPath path) => Run16<BFloat16Widen, CosineOp16>(a.Length, b.Length, ref U16(a), ref U16(b), path);

    private enum Op16 { L2, Dot, Cosine }

    // The operation is a type argument so each instantiation is specialised and no branch on it runs in a loop.
    private interface IOp16 { static abstract Op16 Kind { get; } }
    private readonly struct L2Op16 : IOp16 { public static Op16 Kind => Op16.L2; }
    private readonly struct DotOp16 : IOp16 { public static Op16 Kind => Op16.Dot; }
    private readonly struct CosineOp16 : IOp16 { public static Op16 Kind => Op16.Cosine; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref ushort U16<T>(ReadOnlySpan<T> s) where T : unmanaged =>
        ref Unsafe.As<T, ushort>(ref MemoryMarshal.GetReference(s));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Run16<TW, TOp>(int na, int nb, ref ushort a, ref ushort b, SimdPath path)
        where TW : struct, IWiden16 where TOp : struct, IOp16
    {
        Op16 op = TOp.Kind;
        CheckPair(na, nb);
        nuint n = (nuint)na;
        // The three sums are always formed; for L2 and Dot the JIT drops the unused ones after inlining.
        (float s, float aa, float bb) = Fit(path, na, 4) switch
        {
            SimdPath.V512 => Sum16V512<TW, TOp>(ref a, ref b, n),
            SimdPath.V256 => Sum16V256<TW, TOp>(ref a, ref b, n),
            SimdPath.V128 => Sum16V128<TW, TOp>(ref a, ref b, n),
            _ => Sum16Scalar<TW, TOp>(ref a, ref b, n),
        };
        return op == Op16.Cosine ? Cosine(s, aa, bb) : s;
    }

    // Each width returns (Σ main, Σ a², Σ b²): main is Σ(a−b)² for L2 and Σab for Dot and Cosine.
    private static (float, float, float) Sum16V512<TW, TOp>(ref ushort a, ref ushort b, nuint n) where TW : struct, IWiden16 where TOp : struct, IOp16
    {
        Op16 op = TOp.Kind;
        Vector512<float> s0 = default, s1 = default, aa = default, bb = default;
        nuint i = 0;
        for (; i + 32 <= n; i += 32)
        {
            var x0 = TW.Widen512(Vector256.LoadUnsafe(ref a, i)); var y0 = TW.Widen512(Vector256.LoadUnsafe(ref b, i));
            var x1 = TW.Widen512(Vector256.LoadUnsafe(ref a, i + 16)); var y1 = TW.Widen512(Vector256.LoadUnsafe(ref b, i + 16));
            Accumulate(op, x0, y0, ref s0, ref aa, ref bb);
            Accumulate(op, x1, y1, ref s1, ref aa, ref bb);
        }
        for (; i + 16 <= n; i += 16)
            Accumulate(op, TW.Widen512(Vector256.LoadUnsafe(ref a, i)), TW.Widen512(Vector256.LoadUnsafe(ref b, i)), ref s0, ref aa, ref bb);
        if (i < n)
        {
            var m = KeepLast512(n - i);
            Accumulate(op, TW.Widen512(Vector256.LoadUnsafe(ref a, n - 16)) & m, TW.Widen512(Vector256.LoadUnsafe(ref b, n - 16)) & m, ref s1, ref aa, ref bb);
        }
        return (HorizontalSum.Of(s0 + s1), HorizontalSum.Of(aa), HorizontalSum.Of(bb));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(Op16 op, Vector512<float> x, Vector512<float> y, ref Vector512<float> s, ref Vector512<float> aa, ref Vector512<float> bb)
        {
            if (op == Op16.L2) { var d = x - y; s = Vector512.MultiplyAddEstimate(d, d, s); return; }
            s = Vector512.MultiplyAddEstimate(x, y, s);
            if (op == Op16.Cosine) { aa = Vector512.MultiplyAddEstimate(x, x, aa); bb = Vector512.MultiplyAddEstimate(y, y, bb); }
        }
    }

    private static (float, float, float) Sum16V256<TW, TOp>(ref ushort a, ref ushort b, nuint n) where TW : struct, IWiden16 where TOp : struct, IOp16
    {
        Op16 op = TOp.Kind;
        Vector256<float> s0 = default, s1 = default, aa = default, bb = default;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var x0 = TW.Widen256(Vector128.LoadUnsafe(ref a, i)); var y0 = TW.Widen256(Vector128.LoadUnsafe(ref b, i));
            var x1 = TW.Widen256(Vector128.LoadUnsafe(ref a, i + 8)); var y1 = TW.Widen256(Vector128.LoadUnsafe(ref b, i + 8));
            Accumulate(op, x0, y0, ref s0, ref aa, ref bb);
            Accumulate(op, x1, y1, ref s1, ref aa, ref bb);
        }
        for (; i + 8 <= n; i += 8)
            Accumulate(op, TW.Widen256(Vector128.LoadUnsafe(ref a, i)), TW.Widen256(Vector128.LoadUnsafe(ref b, i)), ref s0, ref aa, ref bb);
        if (i < n)
        {
            var m = KeepLast256(n - i);
            Accumulate(op, TW.Widen256(Vector128.LoadUnsafe(ref a, n - 8)) & m, TW.Widen256(Vector128.LoadUnsafe(ref b, n - 8)) & m, ref s1, ref aa, ref bb);
        }
        return (HorizontalSum.Of(s0 + s1), HorizontalSum.Of(aa), HorizontalSum.Of(bb));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(Op16 op, Vector256<float> x, Vector256<float> y, ref Vector256<float> s, ref Vector256<float> aa, ref Vector256<float> bb)
        {
            if (op == Op16.L2) { var d = x - y; s = Vector256.MultiplyAddEstimate(d, d, s); return; }
            s = Vector256.MultiplyAddEstimate(x, y, s);
            if (op == Op16.Cosine) { aa = Vector256.MultiplyAddEstimate(x, x, aa); bb = Vector256.MultiplyAddEstimate(y, y, bb); }
        }
    }

    private static (float, float, float) Sum16V128<TW, TOp>(ref ushort a, ref ushort b, nuint n) where TW : struct, IWiden16 where TOp : struct, IOp16
    {
        Op16 op = TOp.Kind;
        Vector128<float> s0 = default, s1 = default, aa = default, bb = default;
        nuint i = 0;
        for (; i + 4 <= n; i += 4)
            Accumulate(op, TW.Widen128(Load4(ref a, i)), TW.Widen128(Load4(ref b, i)), ref s0, ref aa, ref bb);
        if (i < n)
        {
            var m = KeepLast128(n - i);
            Accumulate(op, TW.Widen128(Load4(ref a, n - 4)) & m, TW.Widen128(Load4(ref b, n - 4)) & m, ref s1, ref aa, ref bb);
        }
        return (HorizontalSum.Of(s0 + s1), HorizontalSum.Of(aa), HorizontalSum.Of(bb));

        static Vector128<ushort> Load4(ref ushort p, nuint i) =>
            Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref p, i)))).AsUInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(Op16 op, Vector128<float> x, Vector128<float> y, ref Vector128<float> s, ref Vector128<float> aa, ref Vector128<float> bb)
        {
            if (op == Op16.L2) { var d = x - y; s = Vector128.MultiplyAddEstimate(d, d, s); return; }
            s = Vector128.MultiplyAddEstimate(x, y, s);
            if (op == Op16.Cosine) { aa = Vector128.MultiplyAddEstimate(x, x, aa); bb = Vector128.MultiplyAddEstimate(y, y, bb); }
        }
    }

    private static (float, float, float) Sum16Scalar<TW, TOp>(ref ushort a, ref ushort b, nuint n) where TW : struct, IWiden16 where TOp : struct, IOp16
    {
        Op16 op = TOp.Kind;
        float s = 0, aa = 0, bb = 0;
        for (nuint i = 0; i < n; i++)
        {
            float x = TW.Widen(Unsafe.Add(ref a, i)), y = TW.Widen(Unsafe.Add(ref b, i));
            if (op == Op16.L2) { float d = x - y; s += d * d; }
            else
            {
                s += x * y;
                if (op == Op16.Cosine) { aa += x * x; bb += y * y; }
            }
        }
        return (s, aa, bb);
    }

    /// <summary>Widening of a 16-bit float format to float32 lanes.</summary>
    internal interface IWiden16
    {
        static abstract float Widen(ushort bits);
        static abstract Vector128<float> Widen128(Vector128<ushort> lower4);
        static abstract Vector256<float> Widen256(Vector128<ushort> eight);
        static abstract Vector512<float> Widen512(Vector256<ushort> sixteen);
    }

    /// <summary>bfloat16 → float32: the bits move to the top half.</summary>
    internal readonly struct BFloat16Widen : IWiden16
    {
        public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Widen128(Vector128<ushort> lower4) => Vector128.ShiftLeft(Vector128.WidenLower(lower4), 16).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Widen256(Vector128<ushort> eight) => Vector256.ShiftLeft(Vector256.WidenLower(eight.ToVector256Unsafe()), 16).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Widen512(Vector256<ushort> sixteen) => Vector512.ShiftLeft(Vector512.WidenLower(sixteen.ToVector512Unsafe()), 16).AsSingle();
    }

    /// <summary>
    /// IEEE binary16 → float32 without F16C (which .NET 10 does not expose): shifting the half left by 16
    /// then arithmetically right by 3 puts sign, exponent and mantissa at float32 positions (the three
    /// copies of the sign the shift drags along are masked off), and multiplying by 2^112 rebiases the
    /// exponent, which also makes subnormals exact. Infinity and NaN are the only inputs that land at
    /// or above 2^16 in magnitude; they get the all-ones exponent. Seven vector ops per lane group.
    /// </summary>
    internal readonly struct HalfWiden : IWiden16
    {
        private const uint Rebias = 0x77800000;     // 2^112 as float32 bits
        private const int KeepBits = unchecked((int)0x8FFFE000); // sign, exponent and mantissa after the shifts
        private const float SpecialFloor = 65536f;  // every finite half is below 2^16

        public static float Widen(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Widen128(Vector128<ushort> lower4) => Convert(Vector128.WidenLower(lower4));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Widen256(Vector128<ushort> eight) => Convert(Vector256.WidenLower(eight.ToVector256Unsafe()));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Widen512(Vector256<ushort> sixteen) => Convert(Vector512.WidenLower(sixteen.ToVector512Unsafe()));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Convert(Vector128<uint> h)
        {
            var t = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(h, 16).AsInt32(), 3) & Vector128.Create(KeepBits);
            var f = t.AsSingle() * Vector128.Create(Rebias).AsSingle();
            var special = Vector128.GreaterThanOrEqual(Vector128.Abs(f), Vector128.Create(SpecialFloor)).AsUInt32() & Vector128.Create(0x7F800000u);
            return (f.AsUInt32() | special).AsSingle();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Convert(Vector256<uint> h)
        {
            var t = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(h, 16).AsInt32(), 3) & Vector256.Create(KeepBits);
            var f = t.AsSingle() * Vector256.Create(Rebias).AsSingle();
            var special = Vector256.GreaterThanOrEqual(Vector256.Abs(f), Vector256.Create(SpecialFloor)).AsUInt32() & Vector256.Create(0x7F800000u);
            return (f.AsUInt32() | special).AsSingle();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Convert(Vector512<uint> h)
        {
            var t = Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(h, 16).AsInt32(), 3) & Vector512.Create(KeepBits);
            var f = t.AsSingle() * Vector512.Create(Rebias).AsSingle();
            var special = Vector512.GreaterThanOrEqual(Vector512.Abs(f), Vector512.Create(SpecialFloor)).AsUInt32() & Vector512.Create(0x7F800000u);
            return (f.AsUInt32() | special).AsSingle();
        }
    }
}
