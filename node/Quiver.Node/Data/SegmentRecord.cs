namespace Quiver.Node.Data;

/// <summary>
/// The coordinator's record of one flushed segment (Milvus's DataCoord SegmentInfo, reduced): where its files are
/// and which shard and partition it belongs to. Written after the segment's files and manifest are in object
/// storage, so a record always points at a whole segment.
/// </summary>
/// <param name="CompactedFrom">
/// For a segment made by compaction: every segment whose rows it holds (the merged ones and, transitively, what they were
/// merged from). A shard's WAL can still hold inserts of those segments after its checkpoint (a crash between a flush's
/// segment record and its checkpoint leaves them there until the next flush), and the replay must skip them as it skips
/// the inserts of any flushed segment, or their rows would come back a second time.
/// </param>
public sealed record SegmentRecord(int Format, long SegmentId, long CollectionId, long PartitionId, string VirtualChannel, long Rows, ulong FlushTs,
    IReadOnlyList<long>? CompactedFrom = null);
