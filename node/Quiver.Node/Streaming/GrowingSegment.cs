using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using Array = System.Array;
using Quiver.Node.Errors;
using Quiver.Storage.Segments;

namespace Quiver.Node.Streaming;

/// <summary>
/// The in-memory, append-only, searchable segment of one shard (vchannel) and partition: the rows the
/// shard has committed to the WAL and not yet flushed. It holds the immutable Arrow record batches it
/// was given, exactly as a sealed segment file will hold them, and searches them by brute force.
/// </summary>
/// <remarks>
/// <para>Visibility (Milvus's MVCC on hybrid timestamps): a row is visible at snapshot T iff its insert
/// timestamp ≤ T and it has no delete timestamp ≤ T. A delete at ts marks every row of the key whose
/// insert ts &lt; ts, so an upsert (delete at T, then insert at T) hides the old rows and keeps the new.</para>
/// <para>Threading: one writer (the shard) calls <see cref="Append"/>, <see cref="Delete(ReadOnlySpan{long}, ulong)"/>
/// and <see cref="Seal"/>; any number of readers search and read rows concurrently, without locks. The
/// writer builds everything about a batch first and then publishes a new immutable <see cref="State"/>
/// (batch array + row count) with one volatile write, so a reader always sees a whole prefix of batches.
/// The primary-key map is updated after the publish, so every row it names is already readable.</para>
/// </remarks>
public sealed partial class GrowingSegment : IQuerySegment
{
    private readonly ConcurrentDictionary<long, int>? _intKeys;
    private readonly ConcurrentDictionary<string, int>? _stringKeys;
    private readonly int _pkIndex;
    private readonly GrowingSearchScratch.Pool _scratch = new();
    private volatile State _state = State.Empty;
    private long _memoryBytes;
    private long _keyBytes;
    private volatile bool _sealed;

    public GrowingSegment(long segmentId, long partitionId, SegmentSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        SegmentId = segmentId;
        PartitionId = partitionId;
        Schema = schema;
        _pkIndex = IndexOf(schema.PrimaryKey.Name);
        if (schema.PrimaryKey.Type == FieldType.Int64) _intKeys = new ConcurrentDictionary<long, int>();
        else _stringKeys = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
    }

    public long SegmentId { get; }

    public long PartitionId { get; }

    public SegmentSchema Schema { get; }

    /// <summary>Rows appended (deleted rows included); rows are numbered 0..RowCount − 1 in append order.</summary>
    public long RowCount => _state.RowCount;

    /// <summary>Bytes held: the batches' Arrow buffers, per-row bookkeeping and the primary-key map.</summary>
    public long MemoryBytes => Volatile.Read(ref _memoryBytes) + Volatile.Read(ref _keyBytes);

    /// <summary>The appended batches in order, immutable: what the flush writes as the segment file.</summary>
    public IReadOnlyList<RecordBatch> Batches => _state.BatchList;

    /// <summary>True once <see cref="Seal"/> was called: no more appends; deletes still apply until the segment is dropped.</summary>
    public bool IsSealed => _sealed;

    /// <summary>Stops appends; the segment stays searchable and deletable while it is flushed and handed off.</summary>
    public void Seal() => _sealed = true;

    /// <summary>
    /// Appends a record batch built for <see cref="Schema"/> (its user fields, then <c>_ts</c>) and returns the
    /// segment row number of its first row. The batch is kept as is and must not be disposed or changed.
    /// </summary>
    public long Append(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_sealed) throw new InvalidOperationException($"growing segment {SegmentId} is sealed; appends go to a new segment");
        CheckBatch(batch);
        var state = _state;
        if (batch.Length == 0) return state.RowCount;
        if ((long)state.RowCount + batch.Length > int.MaxValue)
            throw new InvalidOperationException($"growing segment {SegmentId} would pass {int.MaxValue} rows; seal it first");

        int start = state.RowCount;
        var grown = new GrowingBatch(Schema, batch, start);
        var pk = batch.Column(_pkIndex);
        if (_intKeys != null)
        {
            var latest = LinkKeys(((Int64Array)pk).Values, _intKeys, grown, start, static _ => 0, out long keyBytes);
            Publish(state, grown, keyBytes);
            foreach (var (key, row) in latest) _intKeys[key] = row;
        }
        else
        {
            var latest = LinkKeys<string>(StringKeys((StringArray)pk), _stringKeys!, grown, start, static s => 2L * s.Length + 24, out long keyBytes);
            Publish(state, grown, keyBytes);
            foreach (var (key, row) in latest) _stringKeys![key] = row;
        }
        return start;
    }

    /// <summary>The one volatile write that makes a batch visible; the key map is updated after it (class remarks).</summary>
    private void Publish(State state, GrowingBatch grown, long keyBytes)
    {
        _state = state.With(grown);
        Interlocked.Add(ref _memoryBytes, grown.MemoryBytes());
        Interlocked.Add(ref _keyBytes, keyBytes);
    }

    private static string[] StringKeys(StringArray keys)
    {
        var result = new string[keys.Length];
        for (int i = 0; i < result.Length; i++) result[i] = keys.GetString(i, Encoding.UTF8);
        return result;
    }

    /// <summary>
    /// Fills the batch's same-key chain from the map and from the batch itself (a key may repeat inside it)
    /// and returns each key's newest row, for the map once the batch is published; <paramref name="bytes"/>
    /// is what the new keys add to the map (an entry ≈ 48 bytes + the key's own).
    /// </summary>
    private static Dictionary<TKey, int> LinkKeys<TKey>(ReadOnlySpan<TKey> keys, ConcurrentDictionary<TKey, int> map, GrowingBatch grown, int start,
        Func<TKey, long> keySize, out long bytes) where TKey : notnull
    {
        var latest = new Dictionary<TKey, int>(keys.Length, map.Comparer);
        bytes = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            if (latest.TryGetValue(key, out int prev) || map.TryGetValue(key, out prev)) grown.PrevSameKey[i] = prev;
            else
            {
                grown.PrevSameKey[i] = -1;
                bytes += 48 + keySize(key);
            }
            latest[key] = start + i;
        }
        return latest;
    }

    /// <summary>
    /// Marks deleted as of <paramref name="ts"/> every row with one of <paramref name="primaryKeys"/> whose insert
    /// timestamp is below ts; returns how many rows became deleted.
    /// </summary>
    public int Delete(ReadOnlySpan<long> primaryKeys, ulong ts)
    {
        if (_intKeys is null) throw QuiverException.Invalid($"the primary key '{Schema.PrimaryKey.Name}' is VarChar; delete takes string keys");
        var state = _state;
        int deleted = 0;
        foreach (long key in primaryKeys)
            if (_intKeys.TryGetValue(key, out int row)) deleted += DeleteChain(state, row, ts);
        return deleted;
    }

    /// <inheritdoc cref="Delete(ReadOnlySpan{long}, ulong)"/>
    public int Delete(ReadOnlySpan<string> primaryKeys, ulong ts)
    {
        if (_stringKeys is null) throw QuiverException.Invalid($"the primary key '{Schema.PrimaryKey.Name}' is Int64; delete takes integer keys");
        var state = _state;
        int deleted = 0;
        foreach (string key in primaryKeys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(primaryKeys));
            if (_stringKeys.TryGetValue(key, out int row)) deleted += DeleteChain(state, row, ts);
        }
        return deleted;
    }

    private static int DeleteChain(State state, int row, ulong ts)
    {
        int deleted = 0;
        while (row >= 0)
        {
            var b = state.Locate(row, out int local);
            if (b.Timestamps[local] < ts)
            {
                ulong current = b.DeleteTs[local];
                if (current == GrowingBatch.NotDeleted)
                {
                    deleted++;
                    Interlocked.Increment(ref b.DeletedRows);
                }
                // The earliest delete wins: WAL order is timestamp order, so this only matters on replays.
                if (ts < current) Volatile.Write(ref b.DeleteTs[local], ts);
            }
            row = b.PrevSameKey[local];
        }
        return deleted;
    }

    private void CheckBatch(RecordBatch batch)
    {
        var expected = Schema.Arrow;
        if (!ReferenceEquals(batch.Schema, expected))
        {
            var got = batch.Schema;
            if (got.FieldsList.Count != expected.FieldsList.Count)
                throw QuiverException.Invalid($"the batch has {got.FieldsList.Count} columns; segment {SegmentId}'s schema has {expected.FieldsList.Count} (its fields, then _ts)");
            for (int i = 0; i < got.FieldsList.Count; i++)
            {
                Field g = got.FieldsList[i], e = expected.FieldsList[i];
                if (g.Name != e.Name || g.IsNullable != e.IsNullable || !SameType(g.DataType, e.DataType))
                    throw QuiverException.Invalid($"the batch's column {i} is '{g.Name}' ({g.DataType.Name}{(g.IsNullable ? ", nullable" : "")}); the schema has '{e.Name}' ({e.DataType.Name}{(e.IsNullable ? ", nullable" : "")})");
            }
        }
        if (batch.ColumnCount != expected.FieldsList.Count)
            throw QuiverException.Invalid($"the batch holds {batch.ColumnCount} columns; the schema has {expected.FieldsList.Count}");
        for (int i = 0; i < batch.ColumnCount; i++)
        {
            var column = batch.Column(i);
            string name = expected.FieldsList[i].Name;
            if (column.Length != batch.Length)
                throw QuiverException.Invalid($"column '{name}' has {column.Length} values for {batch.Length} rows");
            if (i == _pkIndex || i == Schema.Fields.Count)
            {
                if (column.NullCount != 0) throw QuiverException.Invalid($"column '{name}' has {column.NullCount} null values; it cannot hold nulls");
                continue;
            }
            var f = Schema.Fields[i];
            if (f.Type == FieldType.FloatVector)
            {
                var list = (FixedSizeListArray)column;
                if (list.Values.Length < (long)(list.Offset + list.Length) * f.Dim)
                    throw QuiverException.Invalid($"vector column '{name}' holds {list.Values.Length} floats for {batch.Length} rows of dim {f.Dim}");
            }
            else if (f.Type.IsVector())
            {
                long need = (long)(column.Offset + column.Length) * f.Type.VectorBytes(f.Dim);
                if (column.Data.Buffers[1].Length < need)
                    throw QuiverException.Invalid($"vector column '{name}' holds {column.Data.Buffers[1].Length} bytes; {batch.Length} rows of {f.Type} dim {f.Dim} need {need}");
            }
        }
    }

    private static bool SameType(IArrowType a, IArrowType b) => (a, b) switch
    {
        (FixedSizeListType x, FixedSizeListType y) => x.ListSize == y.ListSize && SameType(x.ValueDataType, y.ValueDataType),
        (FixedSizeBinaryType x, FixedSizeBinaryType y) => x.ByteWidth == y.ByteWidth,
        (ListType x, ListType y) => SameType(x.ValueDataType, y.ValueDataType),
        _ => a.TypeId == b.TypeId,
    };

    private int IndexOf(string field)
    {
        var fields = Schema.Fields;
        for (int i = 0; i < fields.Count; i++)
            if (fields[i].Name == field) return i;
        return -1;
    }

    /// <summary>
    /// What readers see: the first <see cref="Count"/> batches of a shared array (the writer fills slot
    /// Count before publishing Count + 1, and copies into a new array only when it is full) and the row count.
    /// </summary>
    private sealed class State
    {
        public static readonly State Empty = new([], [], 0, 0);

        private readonly GrowingBatch[] _batches;
        private readonly int[] _starts;
        private ReadOnlyCollection<RecordBatch>? _list;

        private State(GrowingBatch[] batches, int[] starts, int count, int rowCount)
        {
            _batches = batches;
            _starts = starts;
            Count = count;
            RowCount = rowCount;
        }

        public int Count { get; }

        public int RowCount { get; }

        public ReadOnlySpan<GrowingBatch> Batches => _batches.AsSpan(0, Count);

        public IReadOnlyList<RecordBatch> BatchList =>
            _list ??= Array.AsReadOnly(Batches.ToArray().Select(b => b.Batch).ToArray());

        public State With(GrowingBatch batch)
        {
            var batches = _batches;
            var starts = _starts;
            if (Count == batches.Length)
            {
                int capacity = Math.Max(8, 2 * Count);
                Array.Resize(ref batches, capacity);
                Array.Resize(ref starts, capacity);
            }
            batches[Count] = batch;
            starts[Count] = batch.Start;
            return new State(batches, starts, Count + 1, RowCount + batch.Length);
        }

        /// <summary>The batch holding segment row <paramref name="row"/> (which must be below RowCount) and the row's index in it.</summary>
        public GrowingBatch Locate(int row, out int local)
        {
            int b = Array.BinarySearch(_starts, 0, Count, row);
            if (b < 0) b = ~b - 1;
            var batch = _batches[b];
            local = row - batch.Start;
            return batch;
        }
    }
}
