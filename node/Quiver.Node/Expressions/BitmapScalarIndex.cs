using System.Numerics;
using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// BITMAP on a Bool, Int8..Int64 or VarChar field: per distinct value (long keys for Bool and integers, UTF-8 keys
/// for VarChar) its rows, and — for a value held by at least 1 row in 32 — a bitset over the whole segment, so a
/// frequent value is answered by OR-ing words instead of writing its rows one by one. The bitsets together take
/// at most the 4 bytes a row the row lists take, whatever the cardinality (Milvus advises BITMAP for low
/// cardinality; here a high one just leaves every value sparse).
/// </summary>
internal sealed class BitmapScalarIndex : ScalarIndex
{
    // OR-ing one bitset word (8 bytes read, 8 written) against writing one row's bit.
    private const double WordNs = 0.15;

    private readonly Postings _postings;
    private readonly NumericPostings<long>? _longKeys;
    private readonly Utf8Postings? _utf8Keys;
    private readonly Bitset?[] _dense;
    private readonly double[] _costBefore;

    private BitmapScalarIndex(string indexType, SegmentField field, int rowCount, Bitset? nulls, Postings postings) : base(indexType, field, rowCount, nulls)
    {
        _postings = postings;
        _longKeys = postings as NumericPostings<long>;
        _utf8Keys = postings as Utf8Postings;
        int keys = postings.KeyCount;
        _dense = new Bitset?[keys];
        _costBefore = new double[keys + 1];
        double wordsCost = Bitset.WordsFor(rowCount) * WordNs;
        for (int k = 0; k < keys; k++)
        {
            int count = postings.CountOf(k, k + 1);
            if ((long)count * 32 >= rowCount)
            {
                var bits = new Bitset(rowCount);
                RowSets.Scatter(postings.RowsOf(k, k + 1), bits.Words);
                _dense[k] = bits;
            }
            _costBefore[k + 1] = _costBefore[k] + (_dense[k] is null ? count * ScatterNsPerRow : wordsCost);
        }
    }

    public override long MemoryBytes => _postings.MemoryBytes + _dense.Count(d => d is not null) * (long)Bitset.WordsFor(RowCount) * 8 + 8L * _costBefore.Length + NullsBytes;

    public static BitmapScalarIndex Build(string indexType, SegmentField field, IndexColumn column)
    {
        var nulls = column.Nulls();
        if (field.Type == FieldType.VarChar)
        {
            var builder = new Utf8Postings.Builder();
            for (int b = 0; b < column.Arrays.Length; b++)
            {
                var s = (StringArray)column.Arrays[b];
                int first = column.FirstRow[b];
                for (int i = 0; i < s.Length; i++)
                    if (nulls is null || !nulls.Test(first + i)) builder.Add(s.GetBytes(i), first + i);
            }
            return new BitmapScalarIndex(indexType, field, column.Rows, nulls, builder.Finish());
        }
        int valid = column.Rows - (int)(nulls?.PopCount() ?? 0);
        var values = new long[valid];
        var rows = new int[valid];
        int n = 0;
        for (int b = 0; b < column.Arrays.Length; b++)
        {
            var a = column.Arrays[b];
            int first = column.FirstRow[b];
            for (int i = 0; i < a.Length; i++)
            {
                if (nulls is not null && nulls.Test(first + i)) continue;
                values[n] = a switch
                {
                    BooleanArray x => x.GetValue(i) == true ? 1 : 0,
                    Int8Array x => x.Values[i],
                    Int16Array x => x.Values[i],
                    Int32Array x => x.Values[i],
                    _ => ((Int64Array)a).Values[i],
                };
                rows[n++] = first + i;
            }
        }
        return new BitmapScalarIndex(indexType, field, column.Rows, nulls, NumericPostings<long>.Build(values, rows));
    }

    private protected override bool Answer(IndexQuery query, double budgetNs, Span<ulong> into, out bool complement)
    {
        complement = false;
        switch (query)
        {
            case NumericQuery<sbyte> q when _longKeys is not null: return Numeric(q.Condition, budgetNs, into, out complement);
            case NumericQuery<short> q when _longKeys is not null: return Numeric(q.Condition, budgetNs, into, out complement);
            case NumericQuery<int> q when _longKeys is not null: return Numeric(q.Condition, budgetNs, into, out complement);
            case NumericQuery<long> q when _longKeys is not null: return Numeric(q.Condition, budgetNs, into, out complement);
            case NumericInQuery<sbyte> q when _longKeys is not null: return Keys(q.Values.Select(v => _longKeys.Find(v)), budgetNs, into);
            case NumericInQuery<short> q when _longKeys is not null: return Keys(q.Values.Select(v => _longKeys.Find(v)), budgetNs, into);
            case NumericInQuery<int> q when _longKeys is not null: return Keys(q.Values.Select(v => _longKeys.Find(v)), budgetNs, into);
            case NumericInQuery<long> q when _longKeys is not null: return Keys(q.Values.Select(v => _longKeys.Find(v)), budgetNs, into);
            case BoolQuery q when _longKeys is not null && Field.Type == FieldType.Bool: return Keys([_longKeys.Find(q.Value ? 1 : 0)], budgetNs, into);
            case StringQuery q when _utf8Keys is not null: return Run(_utf8Keys.Run(q.Op, q.Value), budgetNs, into, out complement);
            case PrefixQuery q when _utf8Keys is not null:
            {
                var (lo, hi) = _utf8Keys.PrefixRun(q.Prefix);
                return Run((lo, hi, false), budgetNs, into, out complement);
            }
            case StringInQuery q when _utf8Keys is not null: return Keys(q.Values.Select(v => _utf8Keys.Find(v)), budgetNs, into);
            default: return false;
        }
    }

    private bool Numeric<T>(NumCondition<T> c, double budgetNs, Span<ulong> into, out bool complement) where T : unmanaged, IBinaryInteger<T>
    {
        var wide = new NumCondition<long>(c.Kind, long.CreateTruncating(c.A), long.CreateTruncating(c.B), c.LowStrict, c.HighStrict);
        return Run(_longKeys!.Run(wide), budgetNs, into, out complement);
    }

    /// <summary>Keys [lo, hi), or the keys outside them as the complement when that is cheaper.</summary>
    private bool Run((int Lo, int Hi, bool Complement) run, double budgetNs, Span<ulong> into, out bool complement)
    {
        var (lo, hi, outsideHolds) = run;
        double inside = _costBefore[hi] - _costBefore[lo];
        double outside = _costBefore[^1] - inside;
        bool takeInside = inside <= outside;
        complement = takeInside ? outsideHolds : !outsideHolds;
        if (LookupNs + Math.Min(inside, outside) > budgetNs) return false;
        into.Clear();
        if (takeInside) Write(lo, hi, into);
        else
        {
            Write(0, lo, into);
            Write(hi, _postings.KeyCount, into);
        }
        return true;
    }

    private bool Keys(IEnumerable<int> found, double budgetNs, Span<ulong> into)
    {
        var keys = found.Where(k => k >= 0).Distinct().ToArray();
        double cost = LookupNs * (1 + keys.Length / 16.0);
        foreach (int k in keys) cost += _costBefore[k + 1] - _costBefore[k];
        if (cost > budgetNs) return false;
        into.Clear();
        foreach (int k in keys) Write(k, k + 1, into);
        return true;
    }

    private void Write(int lo, int hi, Span<ulong> into)
    {
        for (int k = lo; k < hi; k++)
        {
            if (_dense[k] is { } d) BitOps.Or(into, d.Words);
            else RowSets.Scatter(_postings.RowsOf(k, k + 1), into);
        }
    }
}
