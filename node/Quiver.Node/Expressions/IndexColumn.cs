using System.Numerics;
using Apache.Arrow;
using Quiver.Kernel.Bits;

namespace Quiver.Node.Expressions;

/// <summary>One field's Arrow arrays across a segment's batches, with the segment row each batch starts at.</summary>
internal sealed class IndexColumn
{
    public IndexColumn(IArrowArray[] arrays, int rows)
    {
        Arrays = arrays;
        Rows = rows;
        FirstRow = new int[arrays.Length];
        for (int b = 1; b < arrays.Length; b++) FirstRow[b] = FirstRow[b - 1] + arrays[b - 1].Length;
    }

    public IArrowArray[] Arrays { get; }

    /// <summary>Segment row of each batch's first row.</summary>
    public int[] FirstRow { get; }

    public int Rows { get; }

    /// <summary>The null rows over the segment, or null when every row has a value.</summary>
    public Bitset? Nulls()
    {
        Bitset? nulls = null;
        ulong[]? scratch = null;
        for (int b = 0; b < Arrays.Length; b++)
        {
            var a = Arrays[b];
            if (a.Length == 0 || a.NullCount == 0) continue;
            scratch ??= new ulong[Bitset.WordsFor(Arrays.Max(x => x.Length))];
            var words = scratch.AsSpan(0, Bitset.WordsFor(a.Length));
            if (!BitWords.TryValidity(a, 0, a.Length, words)) continue;
            BitWords.Not(words, a.Length);
            nulls ??= new Bitset(Rows);
            BitWords.Splice(nulls.Words, FirstRow[b], words, a.Length);
        }
        return nulls;
    }
}

/// <summary>Sets of row numbers written into segment bitsets, and the sort that groups rows by value.</summary>
internal static class RowSets
{
    /// <summary>Sets bit r of <paramref name="words"/> for every r in <paramref name="rows"/>.</summary>
    public static void Scatter(ReadOnlySpan<int> rows, Span<ulong> words)
    {
        foreach (int r in rows) words[r >> 6] |= 1UL << r;
    }

    /// <summary>
    /// Sorts <paramref name="values"/> ascending carrying <paramref name="rows"/> along, then puts the rows of each
    /// run of equal values back in ascending order (Array.Sort is not stable; ascending rows scatter into a bitset
    /// with sequential writes).
    /// </summary>
    public static void SortByValue<T>(T[] values, int[] rows) where T : unmanaged, INumber<T>
    {
        System.Array.Sort(values, rows);
        for (int i = 0; i < values.Length;)
        {
            int j = i + 1;
            while (j < values.Length && values[j] == values[i]) j++;
            if (j - i > 1) System.Array.Sort(rows, i, j - i);
            i = j;
        }
    }

    /// <summary>First index in sorted <paramref name="values"/> whose value is ≥ x (no NaN among them).</summary>
    public static int LowerBound<T>(ReadOnlySpan<T> values, T x) where T : unmanaged, INumber<T>
    {
        int lo = 0, hi = values.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (values[mid] < x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>First index in sorted <paramref name="values"/> whose value is &gt; x.</summary>
    public static int UpperBound<T>(ReadOnlySpan<T> values, T x) where T : unmanaged, INumber<T>
    {
        int lo = 0, hi = values.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (values[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// The [lo, hi) of sorted values satisfying a normalised condition (None/All included), and whether the raw
    /// outcome is the complement of that run (<c>!=</c>).
    /// </summary>
    public static (int Lo, int Hi, bool Complement) Run<T>(ReadOnlySpan<T> values, NumCondition<T> c) where T : unmanaged, INumber<T>
    {
        int n = values.Length;
        return c.Kind switch
        {
            CondKind.None => (0, 0, false),
            CondKind.All => (0, 0, true),
            CondKind.Eq => (LowerBound(values, c.A), UpperBound(values, c.A), false),
            CondKind.Ne => (LowerBound(values, c.A), UpperBound(values, c.A), true),
            CondKind.Lt => (0, LowerBound(values, c.A), false),
            CondKind.Le => (0, UpperBound(values, c.A), false),
            CondKind.Gt => (UpperBound(values, c.A), n, false),
            CondKind.Ge => (LowerBound(values, c.A), n, false),
            _ => Range(values, c),
        };
    }

    private static (int, int, bool) Range<T>(ReadOnlySpan<T> values, NumCondition<T> c) where T : unmanaged, INumber<T>
    {
        int lo = c.LowStrict ? UpperBound(values, c.A) : LowerBound(values, c.A);
        int hi = c.HighStrict ? LowerBound(values, c.B) : UpperBound(values, c.B);
        return (lo, Math.Max(lo, hi), false);
    }
}
