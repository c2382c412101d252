using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Node.Streaming;

/// <summary>
/// What a shard's delegator and the proxy need of any segment, growing or sealed: search one vector field,
/// resolve primary keys and rows, read values, count, and take deletes. Row numbers are the segment's own.
/// Distances are reported the Milvus way (L2 squared, IP and COSINE as similarities, HAMMING/JACCARD distances).
/// </summary>
public interface IQuerySegment
{
    long SegmentId { get; }
    long PartitionId { get; }
    long RowCount { get; }
    /// <summary>The storage schema of the rows (column layout of <see cref="Batches"/>).</summary>
    Quiver.Storage.Segments.SegmentSchema Schema { get; }
    /// <summary>True once the segment takes no more rows (flushed, or being flushed).</summary>
    bool IsSealed { get; }
    long LiveCount(ulong snapshotTs);
    /// <summary>The rows as Arrow record batches (the segment's columns, then <c>_ts</c>), in row order: what filters read.</summary>
    IReadOnlyList<Apache.Arrow.RecordBatch> Batches { get; }
    /// <summary>Rows visible at <paramref name="snapshotTs"/> (inserted at or before it, not deleted at or before it), one bit per row.</summary>
    Bitset VisibleRows(ulong snapshotTs);
    /// <summary>The hybrid timestamp a row was inserted at.</summary>
    ulong InsertTimestamp(long row);
    bool IsVisible(long row, ulong snapshotTs);
    bool TryGetRow(object primaryKey, ulong snapshotTs, out long row);
    object PrimaryKey(long row);
    /// <summary>The primary key of a row of an Int64-keyed segment, unboxed (the search merge's hot path).</summary>
    long Int64Key(long row);
    object? GetValue(string field, long row);
    int Delete(ReadOnlySpan<long> primaryKeys, ulong ts);
    int Delete(ReadOnlySpan<string> primaryKeys, ulong ts);
    int Search(string vectorField, Metric metric, ReadOnlySpan<float> queries, int k, ulong snapshotTs, Bitset? filter,
        Span<int> rows, Span<float> distances, Span<int> found = default);
    int Search(string vectorField, Metric metric, ReadOnlySpan<byte> queries, int k, ulong snapshotTs, Bitset? filter,
        Span<int> rows, Span<float> distances, Span<int> found = default);
}
