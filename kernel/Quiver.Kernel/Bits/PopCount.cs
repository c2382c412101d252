using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Quiver.Kernel.Bits;

/// <summary>
/// Population counts over ulong words, alone or of a combination of two word spans (a xor b, a and b,
/// a or b), without materialising the combination. The vector paths use the nibble lookup with
/// vpshufb and sum bytes with vpsadbw (Muła, Kurz, Lemire, "Faster population counts using AVX2
/// instructions", 2018): .NET 10 does not expose VPOPCNTQ. The scalar path uses the POPCNT instruction.
/// </summary>
public static class PopCount
{
    /// <summary>Number of set bits in <paramref name="words"/>.</summary>
    public static long Count(ReadOnlySpan<ulong> words) => Combined<FirstOp>(words, words, SimdCapabilities.Best);

    /// <summary>popcount(a xor b): the Hamming distance of two bit-packed vectors.</summary>
    public static long Xor(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => Combined<XorOp>(a, b, SimdCapabilities.Best);

    /// <summary>popcount(a and b).</summary>
    public static long And(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => Combined<AndOp>(a, b, SimdCapabilities.Best);

    /// <summary>popcount(a or b).</summary>
    public static long Or(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => Combined<OrOp>(a, b, SimdCapabilities.Best);

    internal static long Count(ReadOnlySpan<ulong> words, SimdPath path) => Combined<FirstOp>(words, words, path);
    internal static long Xor(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, SimdPath path) => Combined<XorOp>(a, b, path);
    internal static long And(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, SimdPath path) => Combined<AndOp>(a, b, path);
    internal static long Or(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, SimdPath path) => Combined<OrOp>(a, b, path);

    /// <summary>8 zeros then 8 all-ones, to keep the last lanes of an overlapping tail vector.</summary>
    private static ReadOnlySpan<ulong> TailMask => [0, 0, 0, 0, 0, 0, 0, 0, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];

    /// <summary>Bits set in each nibble value 0..15, repeated for every 128-bit lane of vpshufb.</summary>
    private static ReadOnlySpan<byte> NibbleCounts =>
    [
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long Combined<TOp>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, SimdPath path) where TOp : struct, IWordOp
    {
        if (a.Length != b.Length) ThrowHelper.LengthMismatch(a.Length, b.Length);
        ref ulong x = ref MemoryMarshal.GetReference(a);
        ref ulong y = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length;
        // The byte-lookup paths need the byte shuffle of their width; without it, and below eight words
        // (measured: 4 words 4.7 ns by lookup, 2.9 ns by POPCNT; 16 words 5.1 ns vs 7.6 ns), POPCNT wins.
        if (path == SimdPath.V512 && n >= 8 && Avx512BW.IsSupported) return V512<TOp>(ref x, ref y, n);
        if (path >= SimdPath.V256 && n >= 8 && Avx2.IsSupported) return V256<TOp>(ref x, ref y, n);
        return Scalar<TOp>(ref x, ref y, n);
    }

    private static long V512<TOp>(ref ulong a, ref ulong b, nuint n) where TOp : struct, IWordOp
    {
        var lut = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(NibbleCounts));
        Vector512<ulong> s0 = default, s1 = default;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            s0 += Bytes(TOp.Apply(Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref b, i)), lut);
            s1 += Bytes(TOp.Apply(Vector512.LoadUnsafe(ref a, i + 8), Vector512.LoadUnsafe(ref b, i + 8)), lut);
        }
        if (i + 8 <= n)
        {
            s0 += Bytes(TOp.Apply(Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref b, i)), lut);
            i += 8;
        }
        if (i < n)
        {
            var keep = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), n - i);
            s1 += Bytes(TOp.Apply(Vector512.LoadUnsafe(ref a, n - 8), Vector512.LoadUnsafe(ref b, n - 8)) & keep, lut);
        }
        return (long)Vector512.Sum(s0 + s1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<ulong> Bytes(Vector512<ulong> v, Vector512<byte> lut)
        {
            var low = Vector512.Create((byte)0x0F);
            var bytes = v.AsByte();
            var counts = Avx512BW.Shuffle(lut, bytes & low) + Avx512BW.Shuffle(lut, Vector512.ShiftRightLogical(v, 4).AsByte() & low);
            return Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64();
        }
    }

    private static long V256<TOp>(ref ulong a, ref ulong b, nuint n) where TOp : struct, IWordOp
    {
        var lut = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(NibbleCounts));
        Vector256<ulong> s0 = default, s1 = default;
        nuint i = 0;
        for (; i + 8 <= n; i += 8)
        {
            s0 += Bytes(TOp.Apply(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i)), lut);
            s1 += Bytes(TOp.Apply(Vector256.LoadUnsafe(ref a, i + 4), Vector256.LoadUnsafe(ref b, i + 4)), lut);
        }
        if (i + 4 <= n)
        {
            s0 += Bytes(TOp.Apply(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i)), lut);
            i += 4;
        }
        if (i < n)
        {
            var keep = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), 4 + n - i);
            s1 += Bytes(TOp.Apply(Vector256.LoadUnsafe(ref a, n - 4), Vector256.LoadUnsafe(ref b, n - 4)) & keep, lut);
        }
        return (long)Vector256.Sum(s0 + s1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<ulong> Bytes(Vector256<ulong> v, Vector256<byte> lut)
        {
            var low = Vector256.Create((byte)0x0F);
            var bytes = v.AsByte();
            var counts = Avx2.Shuffle(lut, bytes & low) + Avx2.Shuffle(lut, Vector256.ShiftRightLogical(v, 4).AsByte() & low);
            return Avx2.SumAbsoluteDifferences(counts, Vector256<byte>.Zero).AsUInt64();
        }
    }

    private static long Scalar<TOp>(ref ulong a, ref ulong b, nuint n) where TOp : struct, IWordOp
    {
        long c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        nuint i = 0;
        for (; i + 4 <= n; i += 4)
        {
            c0 += BitOperations.PopCount(TOp.Apply(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i)));
            c1 += BitOperations.PopCount(TOp.Apply(Unsafe.Add(ref a, i + 1), Unsafe.Add(ref b, i + 1)));
            c2 += BitOperations.PopCount(TOp.Apply(Unsafe.Add(ref a, i + 2), Unsafe.Add(ref b, i + 2)));
            c3 += BitOperations.PopCount(TOp.Apply(Unsafe.Add(ref a, i + 3), Unsafe.Add(ref b, i + 3)));
        }
        for (; i < n; i++) c0 += BitOperations.PopCount(TOp.Apply(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i)));
        return c0 + c1 + c2 + c3;
    }
}
