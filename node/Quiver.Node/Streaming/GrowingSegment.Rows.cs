using System.Text;
using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Node.Errors;
using Quiver.Storage.Segments;

namespace Quiver.Node.Streaming;

// Row access: primary-key lookups, visibility, output fields. The slow paths (query by id, count(*),
// output fields); none of it is on the vector search loop.
public sealed partial class GrowingSegment
{
    /// <summary>
    /// True when a row with this primary key (long or string) was ever appended, deleted or not: the
    /// shard routes a delete to every segment that may hold the key.
    /// </summary>
    public bool ContainsKey(object primaryKey) => NewestRow(primaryKey) >= 0;

    /// <summary>
    /// The newest row with <paramref name="primaryKey"/> visible at <paramref name="snapshotTs"/>; false (row −1)
    /// when none is.
    /// </summary>
    public bool TryGetRow(object primaryKey, ulong snapshotTs, out long row)
    {
        // The state is read before the map: every row the map names was published before the map
        // named it, but a row newer than this state is skipped so the answer stays within one snapshot.
        var state = _state;
        int r = NewestRow(primaryKey);
        while (r >= 0)
        {
            bool inSnapshot = r < state.RowCount;
            var b = (inSnapshot ? state : _state).Locate(r, out int local);
            if (inSnapshot && Visible(b, local, snapshotTs))
            {
                row = r;
                return true;
            }
            r = b.PrevSameKey[local];
        }
        row = -1;
        return false;
    }

    private int NewestRow(object primaryKey)
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        if (_intKeys != null)
        {
            long key = primaryKey switch
            {
                long l => l,
                int i => i,
                _ => throw QuiverException.Invalid($"the primary key '{Schema.PrimaryKey.Name}' is Int64; got a {primaryKey.GetType().Name}"),
            };
            return _intKeys.TryGetValue(key, out int row) ? row : -1;
        }
        if (primaryKey is not string s)
            throw QuiverException.Invalid($"the primary key '{Schema.PrimaryKey.Name}' is VarChar; got a {primaryKey.GetType().Name}");
        return _stringKeys!.TryGetValue(s, out int r) ? r : -1;
    }

    /// <summary>Rows visible at <paramref name="snapshotTs"/> (count(*), query without vectors).</summary>
    public long LiveCount(ulong snapshotTs)
    {
        long live = 0;
        foreach (var b in _state.Batches)
        {
            if (b.MinTs > snapshotTs) continue;
            var ts = b.Timestamps;
            var del = b.DeleteTs;
            for (int i = 0; i < b.Length; i++)
                if (ts[i] <= snapshotTs && del[i] > snapshotTs) live++;
        }
        return live;
    }

    /// <inheritdoc/>
    public Bitset VisibleRows(ulong snapshotTs)
    {
        var state = _state;
        var bits = new Bitset(state.RowCount);
        var words = bits.Words;
        foreach (var b in state.Batches)
        {
            if (b.MinTs > snapshotTs) continue;
            var ts = b.Timestamps;
            var del = b.DeleteTs;
            bool checkInsert = b.MaxTs > snapshotTs;
            if (!checkInsert && Volatile.Read(ref b.DeletedRows) == 0)
            {
                SetRange(words, b.Start, b.Length);
                continue;
            }
            int row = b.Start;
            for (int i = 0; i < b.Length; i++, row++)
            {
                bool visible = (!checkInsert || ts[i] <= snapshotTs) && Volatile.Read(ref del[i]) > snapshotTs;
                words[row >> 6] |= (visible ? 1UL : 0UL) << (row & 63);
            }
        }
        return bits;
    }

    private static void SetRange(Span<ulong> words, int start, int count)
    {
        int end = start + count;
        while (start < end && (start & 63) != 0) words[start >> 6] |= 1UL << (start++ & 63);
        int fullEnd = end & ~63;
        if (start < fullEnd)
        {
            words.Slice(start >> 6, (fullEnd - start) >> 6).Fill(ulong.MaxValue);
            start = fullEnd;
        }
        while (start < end) words[start >> 6] |= 1UL << (start++ & 63);
    }

    /// <summary>The rows visible at <paramref name="snapshotTs"/>, ascending, over the rows present when enumeration starts.</summary>
    public IEnumerable<long> RowsVisibleAt(ulong snapshotTs)
    {
        var state = _state;
        for (int bi = 0; bi < state.Count; bi++)
        {
            var b = state.Batches[bi];
            if (b.MinTs > snapshotTs) continue;
            for (int i = 0; i < b.Length; i++)
                if (Visible(b, i, snapshotTs)) yield return b.Start + i;
        }
    }

    /// <summary>The hybrid timestamp row <paramref name="row"/> was inserted at.</summary>
    public ulong InsertTimestamp(long row)
    {
        var b = Locate(row, out int local);
        return b.Timestamps[local];
    }

    /// <summary>The hybrid timestamp row <paramref name="row"/> was deleted at, or <see cref="ulong.MaxValue"/> when it is not deleted.</summary>
    public ulong DeleteTimestamp(long row)
    {
        var b = Locate(row, out int local);
        return Volatile.Read(ref b.DeleteTs[local]);
    }

    /// <summary>True when row <paramref name="row"/> is visible at <paramref name="snapshotTs"/>.</summary>
    public bool IsVisible(long row, ulong snapshotTs)
    {
        var b = Locate(row, out int local);
        return Visible(b, local, snapshotTs);
    }

    private static bool Visible(GrowingBatch b, int local, ulong snapshotTs) =>
        b.Timestamps[local] <= snapshotTs && Volatile.Read(ref b.DeleteTs[local]) > snapshotTs;

    /// <summary>
    /// One value as a plain .NET object, as <see cref="SegmentReader.GetValue"/> gives it: null, bool, sbyte,
    /// short, int, long, float, double, string, an element array for Array fields, float[] / byte[] for vectors.
    /// </summary>
    public object? GetValue(string field, long row)
    {
        int index = IndexOf(field);
        if (index < 0) throw QuiverException.Invalid($"field '{field}' is not in the schema of segment {SegmentId}");
        var f = Schema.Fields[index];
        var b = Locate(row, out int r);
        var array = b.Batch.Column(index);
        if (array.IsNull(r)) return null;
        return f.Type switch
        {
            FieldType.FloatVector => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b.Vectors[index].Span).Slice(r * f.Dim, f.Dim).ToArray(),
            _ when f.Type.IsVector() => b.Vectors[index].Span.Slice(r * f.Type.VectorBytes(f.Dim), f.Type.VectorBytes(f.Dim)).ToArray(),
            _ => ArrowValues.Read(f, array, r),
        };
    }

    /// <summary>The primary key of a row: long or string.</summary>
    public object PrimaryKey(long row) => GetValue(Schema.PrimaryKey.Name, row)!;

    /// <inheritdoc/>
    public long Int64Key(long row)
    {
        if (_intKeys is null) throw QuiverException.Invalid($"the primary key '{Schema.PrimaryKey.Name}' is VarChar, not Int64");
        var b = Locate(row, out int local);
        return ((Int64Array)b.Batch.Column(_pkIndex)).Values[local];
    }


    private GrowingBatch Locate(long row, out int local)
    {
        var state = _state;
        if ((ulong)row >= (ulong)state.RowCount)
            throw new ArgumentOutOfRangeException(nameof(row), row, $"growing segment {SegmentId} has {state.RowCount} rows");
        return state.Locate((int)row, out local);
    }
}
