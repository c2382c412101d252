using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Bits;

namespace Quiver.Node.Expressions;

/// <summary>
/// Column-at-a-time numeric compares writing 64 rows per mask word. One ISA ladder per kernel: Vector512 →
/// Vector256 → Vector128 → scalar. A word is built from 64 / lanes vector compares, each contributing its lanes'
/// most significant bits (<c>ExtractMostSignificantBits</c>) at its lane offset; the last partial word (rows not a
/// multiple of 64) is an overlapping word over the last 64 rows shifted down, or — under 64 rows — the scalar form,
/// which is also the oracle the tests hold the vector forms to. Bits past the row count stay 0.
/// </summary>
internal static class CompareKernels
{
    /// <summary>words[i / 64] bit i = TOp(TMap(x[i], m), a, b).</summary>
    public static void Compare<T, TMap, TOp>(ReadOnlySpan<T> x, T m, T a, T b, Span<ulong> words)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
    {
        int rows = x.Length;
        int full = rows >> 6, tail = rows & 63;
        if (words.Length < Bitset.WordsFor(rows)) throw new ArgumentException("the mask is shorter than the column", nameof(words));
        ref T r = ref MemoryMarshal.GetReference(x);
        int w = 0;
        // SAFETY (all vector forms): word w reads elements [64w, 64w + 64) and w < full = rows / 64, so every load is
        // inside x; the overlapping last word reads [rows − 64, rows), inside x because rows ≥ 64 there.
        // A batch of 1 000 rows ends in a 40-row partial word: taking it from the last 64 rows (shifted down) keeps
        // the tail vectorised, which is most of what a small batch costs beyond its rows.
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var vm = Vector512.Create(m);
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            for (; w < full; w++) words[w] = Word512<T, TMap, TOp>(ref r, (nuint)w << 6, vm, va, vb);
            if (tail != 0 && full > 0) words[w++] = Word512<T, TMap, TOp>(ref r, (nuint)(rows - 64), vm, va, vb) >> (64 - tail);
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var vm = Vector256.Create(m);
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; w < full; w++) words[w] = Word256<T, TMap, TOp>(ref r, (nuint)w << 6, vm, va, vb);
            if (tail != 0 && full > 0) words[w++] = Word256<T, TMap, TOp>(ref r, (nuint)(rows - 64), vm, va, vb) >> (64 - tail);
        }
        else if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            var vm = Vector128.Create(m);
            var va = Vector128.Create(a);
            var vb = Vector128.Create(b);
            for (; w < full; w++) words[w] = Word128<T, TMap, TOp>(ref r, (nuint)w << 6, vm, va, vb);
            if (tail != 0 && full > 0) words[w++] = Word128<T, TMap, TOp>(ref r, (nuint)(rows - 64), vm, va, vb) >> (64 - tail);
        }
        ScalarFrom<T, TMap, TOp>(x, m, a, b, words, w);
    }

    /// <summary>The 64 outcomes of elements [at, at + 64) as one word (the caller keeps the loads inside the column).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Word512<T, TMap, TOp>(ref T r, nuint at, Vector512<T> vm, Vector512<T> va, Vector512<T> vb)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector512<T>.Count)
            bits |= TOp.Test(TMap.Map(Vector512.LoadUnsafe(ref r, at + (nuint)k), vm), va, vb).ExtractMostSignificantBits() << k;
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Word256<T, TMap, TOp>(ref T r, nuint at, Vector256<T> vm, Vector256<T> va, Vector256<T> vb)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector256<T>.Count)
            bits |= (ulong)TOp.Test(TMap.Map(Vector256.LoadUnsafe(ref r, at + (nuint)k), vm), va, vb).ExtractMostSignificantBits() << k;
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Word128<T, TMap, TOp>(ref T r, nuint at, Vector128<T> vm, Vector128<T> va, Vector128<T> vb)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector128<T>.Count)
            bits |= (ulong)TOp.Test(TMap.Map(Vector128.LoadUnsafe(ref r, at + (nuint)k), vm), va, vb).ExtractMostSignificantBits() << k;
        return bits;
    }

    /// <summary>The scalar form: rows from word <paramref name="fromWord"/> on (the oracle, and the tail of the vector forms).</summary>
    public static void ScalarFrom<T, TMap, TOp>(ReadOnlySpan<T> x, T m, T a, T b, Span<ulong> words, int fromWord)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
    {
        int rows = x.Length;
        for (int w = fromWord, start = fromWord << 6; start < rows; w++, start += 64)
        {
            int end = Math.Min(rows, start + 64);
            ulong bits = 0;
            for (int i = start; i < end; i++)
                if (TOp.Test(TMap.Map(x[i], m), a, b)) bits |= 1UL << (i - start);
            words[w] = bits;
        }
    }

    /// <summary>words bit i = TOp(x[i], y[i]) — two columns of the same type, row by row (a field against a field).</summary>
    public static void Compare2<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<ulong> words)
        where T : unmanaged, INumber<T> where TOp : struct, ICompareOp<T>
    {
        int rows = x.Length;
        if (y.Length != rows) throw new ArgumentException("the columns differ in length", nameof(y));
        int full = rows >> 6, tail = rows & 63;
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        int w = 0;
        // SAFETY: as in Compare — whole words, and the overlapping last word only when rows ≥ 64, inside both spans.
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; w < full; w++) words[w] = Pair512<T, TOp>(ref rx, ref ry, (nuint)w << 6);
            if (tail != 0 && full > 0) words[w++] = Pair512<T, TOp>(ref rx, ref ry, (nuint)(rows - 64)) >> (64 - tail);
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; w < full; w++) words[w] = Pair256<T, TOp>(ref rx, ref ry, (nuint)w << 6);
            if (tail != 0 && full > 0) words[w++] = Pair256<T, TOp>(ref rx, ref ry, (nuint)(rows - 64)) >> (64 - tail);
        }
        else if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            for (; w < full; w++) words[w] = Pair128<T, TOp>(ref rx, ref ry, (nuint)w << 6);
            if (tail != 0 && full > 0) words[w++] = Pair128<T, TOp>(ref rx, ref ry, (nuint)(rows - 64)) >> (64 - tail);
        }
        for (int start = w << 6; start < rows; w++, start += 64)
        {
            int end = Math.Min(rows, start + 64);
            ulong bits = 0;
            for (int i = start; i < end; i++)
                if (TOp.Test(x[i], y[i], y[i])) bits |= 1UL << (i - start);
            words[w] = bits;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pair512<T, TOp>(ref T rx, ref T ry, nuint at) where T : unmanaged, INumber<T> where TOp : struct, ICompareOp<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector512<T>.Count)
        {
            var vy = Vector512.LoadUnsafe(ref ry, at + (nuint)k);
            bits |= TOp.Test(Vector512.LoadUnsafe(ref rx, at + (nuint)k), vy, vy).ExtractMostSignificantBits() << k;
        }
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pair256<T, TOp>(ref T rx, ref T ry, nuint at) where T : unmanaged, INumber<T> where TOp : struct, ICompareOp<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector256<T>.Count)
        {
            var vy = Vector256.LoadUnsafe(ref ry, at + (nuint)k);
            bits |= (ulong)TOp.Test(Vector256.LoadUnsafe(ref rx, at + (nuint)k), vy, vy).ExtractMostSignificantBits() << k;
        }
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pair128<T, TOp>(ref T rx, ref T ry, nuint at) where T : unmanaged, INumber<T> where TOp : struct, ICompareOp<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector128<T>.Count)
        {
            var vy = Vector128.LoadUnsafe(ref ry, at + (nuint)k);
            bits |= (ulong)TOp.Test(Vector128.LoadUnsafe(ref rx, at + (nuint)k), vy, vy).ExtractMostSignificantBits() << k;
        }
        return bits;
    }

    /// <summary>
    /// words bit i = x[i] equals one of <paramref name="values"/>: a short <c>in</c> list, one vector compare per
    /// value (long lists use a hash set instead).
    /// </summary>
    public static void AnyEqual<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> values, Span<ulong> words) where T : unmanaged, INumber<T>
    {
        int rows = x.Length;
        int full = rows >> 6, tail = rows & 63;
        ref T r = ref MemoryMarshal.GetReference(x);
        int w = 0;
        // SAFETY: as in Compare — whole words, and the overlapping last word only when rows ≥ 64.
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; w < full; w++) words[w] = Any512(ref r, (nuint)w << 6, values);
            if (tail != 0 && full > 0) words[w++] = Any512(ref r, (nuint)(rows - 64), values) >> (64 - tail);
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; w < full; w++) words[w] = Any256(ref r, (nuint)w << 6, values);
            if (tail != 0 && full > 0) words[w++] = Any256(ref r, (nuint)(rows - 64), values) >> (64 - tail);
        }
        else if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            for (; w < full; w++) words[w] = Any128(ref r, (nuint)w << 6, values);
            if (tail != 0 && full > 0) words[w++] = Any128(ref r, (nuint)(rows - 64), values) >> (64 - tail);
        }
        for (int start = w << 6; start < rows; w++, start += 64)
        {
            int end = Math.Min(rows, start + 64);
            ulong bits = 0;
            for (int i = start; i < end; i++)
                if (values.Contains(x[i])) bits |= 1UL << (i - start);
            words[w] = bits;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Any512<T>(ref T r, nuint at, ReadOnlySpan<T> values) where T : unmanaged, INumber<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector512<T>.Count)
        {
            var v = Vector512.LoadUnsafe(ref r, at + (nuint)k);
            var hit = Vector512<T>.Zero;
            foreach (var c in values) hit |= Vector512.Equals(v, Vector512.Create(c));
            bits |= hit.ExtractMostSignificantBits() << k;
        }
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Any256<T>(ref T r, nuint at, ReadOnlySpan<T> values) where T : unmanaged, INumber<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector256<T>.Count)
        {
            var v = Vector256.LoadUnsafe(ref r, at + (nuint)k);
            var hit = Vector256<T>.Zero;
            foreach (var c in values) hit |= Vector256.Equals(v, Vector256.Create(c));
            bits |= (ulong)hit.ExtractMostSignificantBits() << k;
        }
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Any128<T>(ref T r, nuint at, ReadOnlySpan<T> values) where T : unmanaged, INumber<T>
    {
        ulong bits = 0;
        for (int k = 0; k < 64; k += Vector128<T>.Count)
        {
            var v = Vector128.LoadUnsafe(ref r, at + (nuint)k);
            var hit = Vector128<T>.Zero;
            foreach (var c in values) hit |= Vector128.Equals(v, Vector128.Create(c));
            bits |= (ulong)hit.ExtractMostSignificantBits() << k;
        }
        return bits;
    }
}
