using System.Numerics;

namespace Quiver.Node.Expressions;

/// <summary>
/// Rows grouped by key, keys in ascending order: key k's rows (ascending) are <c>Rows[Starts[k]..Starts[k + 1]]</c>,
/// so a run of keys is a run of rows. The key types live in the subclasses; the answers are written here.
/// </summary>
internal abstract class Postings(int[] starts, int[] rows)
{
    public int[] Starts { get; } = starts;

    public int[] Rows { get; } = rows;

    public int KeyCount => Starts.Length - 1;

    public virtual long MemoryBytes => 4L * (Starts.Length + Rows.Length);

    public ReadOnlySpan<int> RowsOf(int lo, int hi) => Rows.AsSpan(Starts[lo], Starts[hi] - Starts[lo]);

    /// <summary>Rows of keys [lo, hi).</summary>
    public int CountOf(int lo, int hi) => Starts[hi] - Starts[lo];

    /// <summary>
    /// Writes the rows of keys [lo, hi) into <paramref name="into"/> (raw outcome their complement when
    /// <paramref name="complement"/>) — or the rows outside them, flipping <paramref name="rawIsComplement"/>, when
    /// that side has fewer; false (nothing written) when even that costs more than <paramref name="budgetNs"/>.
    /// </summary>
    public bool Answer(int lo, int hi, bool complement, double budgetNs, Span<ulong> into, out bool rawIsComplement)
    {
        int inside = CountOf(lo, hi), outside = Rows.Length - inside;
        bool takeInside = inside <= outside;
        rawIsComplement = takeInside ? complement : !complement;
        if (ScalarIndex.LookupNs + Math.Min(inside, outside) * ScalarIndex.ScatterNsPerRow > budgetNs) return false;
        into.Clear();
        if (takeInside) RowSets.Scatter(RowsOf(lo, hi), into);
        else
        {
            RowSets.Scatter(RowsOf(0, lo), into);
            RowSets.Scatter(RowsOf(hi, KeyCount), into);
        }
        return true;
    }

    /// <summary>Writes the rows of a set of keys (an <c>in</c> list); false when that costs more than <paramref name="budgetNs"/>.</summary>
    public bool AnswerKeys(IReadOnlyList<int> keys, double budgetNs, Span<ulong> into)
    {
        long count = 0;
        foreach (int k in keys) count += CountOf(k, k + 1);
        if (ScalarIndex.LookupNs * (1 + keys.Count / 16.0) + count * ScalarIndex.ScatterNsPerRow > budgetNs) return false;
        into.Clear();
        foreach (int k in keys) RowSets.Scatter(RowsOf(k, k + 1), into);
        return true;
    }
}

/// <summary>Distinct numeric keys (no NaN) in ascending order with their rows: BITMAP on integers and Bool, numeric Array elements.</summary>
internal sealed class NumericPostings<T> : Postings where T : unmanaged, INumber<T>
{
    private NumericPostings(T[] keys, int[] starts, int[] rows) : base(starts, rows) => Keys = keys;

    public T[] Keys { get; }

    public override long MemoryBytes => (long)Keys.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() + base.MemoryBytes;

    /// <summary>Groups (value, row) pairs — values without NaN — by value; the arrays are sorted in place.</summary>
    public static NumericPostings<T> Build(T[] values, int[] rows)
    {
        RowSets.SortByValue(values, rows);
        var keys = new List<T>();
        var starts = new List<int>();
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0 && values[i] == values[i - 1]) continue;
            keys.Add(values[i]);
            starts.Add(i);
        }
        starts.Add(values.Length);
        return new NumericPostings<T>(keys.ToArray(), starts.ToArray(), rows);
    }

    /// <summary>Key index of <paramref name="x"/>, or −1.</summary>
    public int Find(T x)
    {
        int k = RowSets.LowerBound<T>(Keys, x);
        return k < Keys.Length && Keys[k] == x ? k : -1;
    }

    /// <summary>The keys satisfying a normalised condition, and whether the raw outcome is their complement.</summary>
    public (int Lo, int Hi, bool Complement) Run(NumCondition<T> c) => RowSets.Run<T>(Keys, c);
}
