namespace Quiver.Node.Data;

/// <summary>
/// A built index file of one sealed segment (Milvus's segment-index meta, reduced): which index definition it
/// was built from, where the file is, and its size and CRC-32C. Written after the file is in object storage.
/// </summary>
public sealed record SegmentIndexRecord(int Format, long SegmentId, long CollectionId, long IndexId, string IndexType, string Key, long Size, uint Crc32C);
