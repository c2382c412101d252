namespace Quiver.Node.Data;

/// <summary>
/// The coordinator's record of one flushed segment (Milvus's DataCoord SegmentInfo, reduced): where its files are
/// and which shard and partition it belongs to. Written after the segment's files and manifest are in object
/// storage, so a record always points at a whole segment.
/// </summary>
public sealed record SegmentRecord(int Format, long SegmentId, long CollectionId, long PartitionId, string VirtualChannel, long Rows, ulong FlushTs);
