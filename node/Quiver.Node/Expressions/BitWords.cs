using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Quiver.Kernel.Bits;

namespace Quiver.Node.Expressions;

/// <summary>
/// Word-level helpers for the filter evaluator's masks: bit i of a chunk is bit i % 64 of word i / 64, and bits
/// past the chunk's row count are always 0 (every mask a node writes keeps that invariant, so and/or/not and the
/// final splice need no masking).
/// </summary>
internal static class BitWords
{
    /// <summary>The bits of the last word that belong to <paramref name="rows"/> rows (all ones when rows is a multiple of 64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong TailMask(int rows) => (rows & 63) == 0 ? ulong.MaxValue : (1UL << (rows & 63)) - 1;

    /// <summary>Sets the first <paramref name="rows"/> bits of <paramref name="words"/>, clears the rest.</summary>
    public static void SetAll(Span<ulong> words, int rows)
    {
        words.Fill(ulong.MaxValue);
        if (words.Length > 0) words[^1] = TailMask(rows);
    }

    /// <summary>words = ¬words over the first <paramref name="rows"/> bits.</summary>
    public static void Not(Span<ulong> words, int rows)
    {
        for (int i = 0; i < words.Length; i++) words[i] = ~words[i];
        if (words.Length > 0) words[^1] &= TailMask(rows);
    }

    /// <summary>Bit <paramref name="index"/> of an Arrow bitmap (a Bool column's values, with its offset added by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Bit(ReadOnlySpan<byte> bitmap, int index) => (bitmap[index >> 3] & (1 << (index & 7))) != 0;

    /// <summary>True when no bit is set.</summary>
    public static bool IsEmpty(ReadOnlySpan<ulong> words) => !words.ContainsAnyExcept(0UL);

    /// <summary>dst ∧= src; an empty src means "all ones" (the convention for an all-valid column).</summary>
    public static void AndValid(Span<ulong> dst, ReadOnlySpan<ulong> valid)
    {
        if (!valid.IsEmpty) BitOps.And(dst, valid);
    }

    /// <summary>
    /// The three-valued tail of a leaf: <paramref name="whenTrue"/> holds the raw outcome of every row; the rows
    /// outside <paramref name="known"/> (empty = all known) are UNKNOWN. Leaves TRUE = raw ∧ known and, when asked,
    /// FALSE = ¬raw ∧ known.
    /// </summary>
    public static void Finish(Span<ulong> whenTrue, Span<ulong> whenFalse, ReadOnlySpan<ulong> known, int rows)
    {
        if (!whenFalse.IsEmpty)
        {
            for (int i = 0; i < whenTrue.Length; i++) whenFalse[i] = ~whenTrue[i];
            whenFalse[^1] &= TailMask(rows);
            AndValid(whenFalse, known);
        }
        AndValid(whenTrue, known);
    }

    /// <summary>
    /// Copies <paramref name="rows"/> bits of an Arrow bitmap starting at bit <paramref name="bitOffset"/> into
    /// words (bit 0 of word 0 = the first row); bits past <paramref name="rows"/> are cleared.
    /// </summary>
    public static void CopyBitmap(ReadOnlySpan<byte> bitmap, int bitOffset, int rows, Span<ulong> dest)
    {
        int words = Bitset.WordsFor(rows);
        int shift = bitOffset & 7;
        int firstByte = bitOffset >> 3;
        if (shift == 0 && BitConverter.IsLittleEndian)
        {
            // Byte-aligned (every batch's own bitmap, and chunks of it): a plain copy of the bytes. Like Read64, a
            // bitmap shorter than the rows reads as zeros past its end.
            int bytes = Math.Clamp(Math.Min((rows + 7) >> 3, bitmap.Length - firstByte), 0, words * 8);
            var into = System.Runtime.InteropServices.MemoryMarshal.AsBytes(dest[..words]);
            if (bytes > 0) bitmap.Slice(firstByte, bytes).CopyTo(into);
            into[bytes..].Clear();
            if (words > 0) dest[words - 1] &= TailMask(rows);
            return;
        }
        for (int w = 0; w < words; w++)
        {
            int at = firstByte + (w << 3);
            ulong word = Read64(bitmap, at) >> shift;
            if (shift != 0 && at + 8 < bitmap.Length) word |= (ulong)bitmap[at + 8] << (64 - shift);
            dest[w] = word;
        }
        if (words > 0) dest[words - 1] &= TailMask(rows);
    }

    /// <summary>Eight bytes little-endian from <paramref name="at"/>, zero past the end of the span.</summary>
    private static ulong Read64(ReadOnlySpan<byte> bytes, int at)
    {
        if (at + 8 <= bytes.Length) return BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
        ulong v = 0;
        for (int i = 0; at + i < bytes.Length && i < 8; i++) v |= (ulong)bytes[at + i] << (8 * i);
        return v;
    }

    /// <summary>
    /// The validity of rows [start, start + rows) of an Arrow array as words, or false (and nothing written) when
    /// the array has no nulls — callers then treat every row as valid.
    /// </summary>
    public static bool TryValidity(IArrowArray array, int start, int rows, Span<ulong> dest)
    {
        var data = array.Data;
        if (array.NullCount == 0 || data.Buffers[0].IsEmpty) return false; // no bitmap: every row is valid
        CopyBitmap(data.Buffers[0].Span, data.Offset + start, rows, dest);
        return true;
    }

    /// <summary>
    /// Copies <paramref name="rows"/> bits of <paramref name="src"/> starting at bit <paramref name="bitOffset"/>
    /// into <paramref name="dest"/> (bit 0 of word 0 = the first); bits past <paramref name="rows"/> are cleared.
    /// The reverse of <see cref="Splice"/>: a chunk cut out of a whole-segment bitset.
    /// </summary>
    public static void Extract(ReadOnlySpan<ulong> src, int bitOffset, int rows, Span<ulong> dest)
    {
        int words = Bitset.WordsFor(rows);
        int w0 = bitOffset >> 6, shift = bitOffset & 63;
        if (shift == 0) src.Slice(w0, words).CopyTo(dest);
        else
        {
            for (int k = 0; k < words; k++)
            {
                ulong v = src[w0 + k] >> shift;
                if (w0 + k + 1 < src.Length) v |= src[w0 + k + 1] << (64 - shift);
                dest[k] = v;
            }
        }
        if (words > 0) dest[words - 1] &= TailMask(rows);
    }

    /// <summary>
    /// ORs <paramref name="rows"/> bits of <paramref name="src"/> into <paramref name="dest"/> starting at bit
    /// <paramref name="bitOffset"/>; the destination bits there must be 0 (batches are spliced in row order).
    /// </summary>
    public static void Splice(Span<ulong> dest, int bitOffset, ReadOnlySpan<ulong> src, int rows)
    {
        int words = Bitset.WordsFor(rows);
        int w0 = bitOffset >> 6, shift = bitOffset & 63;
        if (shift == 0)
        {
            src[..words].CopyTo(dest[w0..]);
            return;
        }
        for (int k = 0; k < words; k++)
        {
            ulong v = src[k];
            dest[w0 + k] |= v << shift;
            if (w0 + k + 1 < dest.Length) dest[w0 + k + 1] |= v >> (64 - shift);
        }
    }
}
