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
/// multiple of 64) is done by the scalar form, which is also the oracle the tests hold the vector forms to.
/// Bits past the row count stay 0.
/// </summary>
internal static class CompareKernels
{
    /// <summary>words[i / 64] bit i = TOp(TMap(x[i], m), a, b).</summary>
    public static void Compare<T, TMap, TOp>(ReadOnlySpan<T> x, T m, T a, T b, Span<ulong> words)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
    {
        int rows = x.Length;
        int full = rows >> 6;
        if (words.Length < Bitset.WordsFor(rows)) throw new ArgumentException("the mask is shorter than the column", nameof(words));
        ref T r = ref MemoryMarshal.GetReference(x);
        int w = 0;
        // SAFETY (all vector loops): word w reads elements [64w, 64w + 64) and w < full = rows / 64, so every load is inside x.
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var vm = Vector512.Create(m);
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector512<T>.Count)
                    bits |= TOp.Test(TMap.Map(Vector512.LoadUnsafe(ref r, at + (nuint)k), vm), va, vb).ExtractMostSignificantBits() << k;
                words[w] = bits;
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var vm = Vector256.Create(m);
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector256<T>.Count)
                    bits |= (ulong)TOp.Test(TMap.Map(Vector256.LoadUnsafe(ref r, at + (nuint)k), vm), va, vb).ExtractMostSignificantBits() << k;
                words[w] = bits;
            }
        }
        else if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            var vm = Vector128.Create(m);
            var va = Vector128.Create(a);
            var vb = Vector128.Create(b);
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector128<T>.Count)
                    bits |= (ulong)TOp.Test(TMap.Map(Vector128.LoadUnsafe(ref r, at + (nuint)k), vm), va, vb).ExtractMostSignificantBits() << k;
                words[w] = bits;
            }
        }
        ScalarFrom<T, TMap, TOp>(x, m, a, b, words, w);
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
        int full = rows >> 6;
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        int w = 0;
        // SAFETY: as in Compare — whole words only, inside both spans.
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector512<T>.Count)
                {
                    var vy = Vector512.LoadUnsafe(ref ry, at + (nuint)k);
                    bits |= TOp.Test(Vector512.LoadUnsafe(ref rx, at + (nuint)k), vy, vy).ExtractMostSignificantBits() << k;
                }
                words[w] = bits;
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector256<T>.Count)
                {
                    var vy = Vector256.LoadUnsafe(ref ry, at + (nuint)k);
                    bits |= (ulong)TOp.Test(Vector256.LoadUnsafe(ref rx, at + (nuint)k), vy, vy).ExtractMostSignificantBits() << k;
                }
                words[w] = bits;
            }
        }
        else if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector128<T>.Count)
                {
                    var vy = Vector128.LoadUnsafe(ref ry, at + (nuint)k);
                    bits |= (ulong)TOp.Test(Vector128.LoadUnsafe(ref rx, at + (nuint)k), vy, vy).ExtractMostSignificantBits() << k;
                }
                words[w] = bits;
            }
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

    /// <summary>
    /// words bit i = x[i] equals one of <paramref name="values"/>: a short <c>in</c> list, one vector compare per
    /// value (long lists use a hash set instead).
    /// </summary>
    public static void AnyEqual<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> values, Span<ulong> words) where T : unmanaged, INumber<T>
    {
        int rows = x.Length;
        int full = rows >> 6;
        ref T r = ref MemoryMarshal.GetReference(x);
        int w = 0;
        // SAFETY: as in Compare — whole words only.
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector512<T>.Count)
                {
                    var v = Vector512.LoadUnsafe(ref r, at + (nuint)k);
                    var hit = Vector512<T>.Zero;
                    foreach (var c in values) hit |= Vector512.Equals(v, Vector512.Create(c));
                    bits |= hit.ExtractMostSignificantBits() << k;
                }
                words[w] = bits;
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector256<T>.Count)
                {
                    var v = Vector256.LoadUnsafe(ref r, at + (nuint)k);
                    var hit = Vector256<T>.Zero;
                    foreach (var c in values) hit |= Vector256.Equals(v, Vector256.Create(c));
                    bits |= (ulong)hit.ExtractMostSignificantBits() << k;
                }
                words[w] = bits;
            }
        }
        else if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            for (; w < full; w++)
            {
                ulong bits = 0;
                nuint at = (nuint)w << 6;
                for (int k = 0; k < 64; k += Vector128<T>.Count)
                {
                    var v = Vector128.LoadUnsafe(ref r, at + (nuint)k);
                    var hit = Vector128<T>.Zero;
                    foreach (var c in values) hit |= Vector128.Equals(v, Vector128.Create(c));
                    bits |= (ulong)hit.ExtractMostSignificantBits() << k;
                }
                words[w] = bits;
            }
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
}
