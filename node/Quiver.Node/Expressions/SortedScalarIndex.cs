using System.Numerics;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// STL_SORT, and INVERTED on a numeric field: every non-null value sorted ascending beside its row (rows of equal
/// values ascending), NaN rows apart. A compare or a chained range is one contiguous run found by two binary
/// searches; <c>in</c> is one run per listed value. The answer writes the run's rows, or — when the run holds most
/// rows — the rows outside it (NaN included) as the complement.
/// </summary>
internal sealed class SortedScalarIndex<T> : ScalarIndex where T : unmanaged, INumber<T>
{
    private readonly T[] _values;
    private readonly int[] _rows;
    private readonly int[] _nanRows;

    private SortedScalarIndex(string indexType, SegmentField field, int rowCount, Bitset? nulls, T[] values, int[] rows, int[] nanRows)
        : base(indexType, field, rowCount, nulls)
    {
        _values = values;
        _rows = rows;
        _nanRows = nanRows;
    }

    public override long MemoryBytes => (long)_values.Length * Unsafe.SizeOf<T>() + 4L * _rows.Length + 4L * _nanRows.Length + NullsBytes;

    public static SortedScalarIndex<T> Build(string indexType, SegmentField field, IndexColumn column)
    {
        var nulls = column.Nulls();
        int valid = column.Rows - (int)(nulls?.PopCount() ?? 0);
        var values = new T[valid];
        var rows = new int[valid];
        var nan = new List<int>();
        int k = 0;
        for (int b = 0; b < column.Arrays.Length; b++)
        {
            var span = ((PrimitiveArray<T>)column.Arrays[b]).Values;
            int first = column.FirstRow[b];
            for (int i = 0; i < span.Length; i++)
            {
                int row = first + i;
                if (nulls is not null && nulls.Test(row)) continue;
                T v = span[i];
                if (T.IsNaN(v)) nan.Add(row);
                else
                {
                    values[k] = v;
                    rows[k++] = row;
                }
            }
        }
        if (k < valid)
        {
            System.Array.Resize(ref values, k);
            System.Array.Resize(ref rows, k);
        }
        RowSets.SortByValue(values, rows);
        return new SortedScalarIndex<T>(indexType, field, column.Rows, nulls, values, rows, nan.ToArray());
    }

    private protected override bool Answer(IndexQuery query, double budgetNs, Span<ulong> into, out bool complement)
    {
        complement = false;
        switch (query)
        {
            case NumericQuery<T> q:
            {
                var (lo, hi, outsideHolds) = RowSets.Run<T>(_values, q.Condition);
                int inside = hi - lo, outside = _values.Length - inside + _nanRows.Length;
                bool takeInside = inside <= outside;
                if (LookupNs + Math.Min(inside, outside) * ScatterNsPerRow > budgetNs) return false;
                into.Clear();
                if (takeInside) RowSets.Scatter(_rows.AsSpan(lo, hi - lo), into);
                else
                {
                    RowSets.Scatter(_rows.AsSpan(0, lo), into);
                    RowSets.Scatter(_rows.AsSpan(hi), into);
                    RowSets.Scatter(_nanRows, into);
                }
                complement = takeInside ? outsideHolds : !outsideHolds;
                return true;
            }
            case NumericInQuery<T> q:
            {
                var wanted = q.Values.Where(v => !T.IsNaN(v)).Distinct().ToArray();
                var runs = new (int Lo, int Hi)[wanted.Length];
                long count = 0;
                for (int i = 0; i < wanted.Length; i++)
                {
                    runs[i] = (RowSets.LowerBound<T>(_values, wanted[i]), RowSets.UpperBound<T>(_values, wanted[i]));
                    count += runs[i].Hi - runs[i].Lo;
                }
                if (LookupNs * (1 + wanted.Length / 16.0) + count * ScatterNsPerRow > budgetNs) return false;
                into.Clear();
                foreach (var (lo, hi) in runs) RowSets.Scatter(_rows.AsSpan(lo, hi - lo), into);
                return true;
            }
            default:
                return false;
        }
    }
}
