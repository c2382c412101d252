using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// INVERTED (AUTOINDEX) on an Array field: every element value with the rows whose array holds it — integer
/// elements by their long value, Float/Double elements by their double value (NaN never matches, so it is left
/// out), VarChar by UTF-8 bytes, Bool as 0/1. <c>array_contains(a, v)</c> and <c>array_contains_any</c> are the
/// union of the listed values' rows, <c>array_contains_all</c> their intersection, each value matched by the rules
/// the scan uses (numbers exactly across int and float). A row repeating a value appears twice in its rows; writing
/// bits is idempotent.
/// </summary>
internal sealed class ArrayScalarIndex : ScalarIndex
{
    private readonly Postings _postings;

    private ArrayScalarIndex(string indexType, SegmentField field, int rowCount, Bitset? nulls, Postings postings)
        : base(indexType, field, rowCount, nulls) => _postings = postings;

    public override long MemoryBytes => _postings.MemoryBytes + NullsBytes;

    public static ArrayScalarIndex Build(string indexType, SegmentField field, IndexColumn column)
    {
        var nulls = column.Nulls();
        var element = field.ElementType;
        var utf8 = element == FieldType.VarChar ? new Utf8Postings.Builder() : null;
        var longs = new List<long>();
        var doubles = new List<double>();
        var rows = new List<int>();
        for (int b = 0; b < column.Arrays.Length; b++)
        {
            var list = (ListArray)column.Arrays[b];
            var offsets = list.ValueOffsets;
            var values = list.Values;
            int first = column.FirstRow[b];
            for (int i = 0; i < list.Length; i++)
            {
                int row = first + i;
                if (nulls is not null && nulls.Test(row)) continue;
                for (int at = offsets[i]; at < offsets[i + 1]; at++)
                {
                    switch (values)
                    {
                        case StringArray s: utf8!.Add(s.GetBytes(at), row); continue;
                        case FloatArray f when !float.IsNaN(f.Values[at]): doubles.Add(f.Values[at]); break;
                        case DoubleArray d when !double.IsNaN(d.Values[at]): doubles.Add(d.Values[at]); break;
                        case FloatArray or DoubleArray: continue; // NaN
                        case BooleanArray x: longs.Add(BitWords.Bit(x.ValueBuffer.Span, x.Offset + at) ? 1 : 0); break;
                        case Int8Array x: longs.Add(x.Values[at]); break;
                        case Int16Array x: longs.Add(x.Values[at]); break;
                        case Int32Array x: longs.Add(x.Values[at]); break;
                        default: longs.Add(((Int64Array)values).Values[at]); break;
                    }
                    rows.Add(row);
                }
            }
        }
        Postings postings = utf8 is not null ? utf8.Finish()
            : element is FieldType.Float or FieldType.Double ? NumericPostings<double>.Build(doubles.ToArray(), rows.ToArray())
            : NumericPostings<long>.Build(longs.ToArray(), rows.ToArray());
        return new ArrayScalarIndex(indexType, field, column.Rows, nulls, postings);
    }

    private protected override bool Answer(IndexQuery query, double budgetNs, Span<ulong> into, out bool complement)
    {
        complement = false;
        if (query is not ContainsQuery q) return false;
        var list = q.List;
        // The keys of the listed values this field's elements can equal, as the scan matches them; a value no
        // element can equal is −1 (it empties an _all, and adds nothing to an _any).
        var keys = new List<int>();
        bool impossible = false;
        switch (_postings)
        {
            case Utf8Postings p:
                foreach (var v in list.Values)
                    if (v is string s) keys.Add(p.Find(Constants.Utf8(s)));
                break;
            case NumericPostings<double> p:
                foreach (long l in list.Longs)
                {
                    double d = l;
                    keys.Add(NumberSemantics.CompareExact(l, d) == 0 ? p.Find(d) : -1);
                }
                foreach (double d in list.Doubles) keys.Add(p.Find(d));
                break;
            case NumericPostings<long> p when Field.ElementType == FieldType.Bool:
                if (list.HasTrue) keys.Add(p.Find(1));
                if (list.HasFalse) keys.Add(p.Find(0));
                break;
            case NumericPostings<long> p:
                foreach (long l in list.Longs) keys.Add(p.Find(l));
                // A non-integral value is in no integer array: _all of a list holding one is FALSE everywhere.
                impossible = list.Doubles.Count > 0;
                break;
        }
        long count = 0;
        foreach (int k in keys)
            if (k >= 0) count += _postings.CountOf(k, k + 1);
        if (LookupNs * (1 + keys.Count / 16.0) + count * ScatterNsPerRow > budgetNs) return false;
        into.Clear();
        if (q.Mode == ContainsMode.Any)
        {
            foreach (int k in keys)
                if (k >= 0) RowSets.Scatter(_postings.RowsOf(k, k + 1), into);
            return true;
        }
        if (keys.Count == 0 && !impossible)
        {
            complement = true; // _all of []: every (non-null) row
            return true;
        }
        if (impossible || keys.Contains(-1)) return true;
        RowSets.Scatter(_postings.RowsOf(keys[0], keys[0] + 1), into);
        if (keys.Count > 1)
        {
            var next = new ulong[into.Length];
            foreach (int k in keys.Skip(1).Distinct())
            {
                System.Array.Clear(next);
                RowSets.Scatter(_postings.RowsOf(k, k + 1), next);
                BitOps.And(into, next);
            }
        }
        return true;
    }
}
