namespace Quiver.Storage.Segments;

/// <summary>Which log a segment file belongs to; decides its object-store folder.</summary>
public enum SegmentFileKind
{
    /// <summary>Arrow rows: <c>insert_log/</c>.</summary>
    Insert = 0,
    /// <summary>Arrow delete log (pk, ts): <c>delta_log/</c>.</summary>
    Delta = 1,
    /// <summary>Statistics (bloom filter, min/max): <c>stats_log/</c>.</summary>
    Stats = 2,
}

/// <summary>What a manifest records of one written file: its name (relative to the segment folder), size, CRC-32C, rows and kind.</summary>
public sealed record SegmentFileInfo(string Name, long Size, uint Crc32C, long Rows, SegmentFileKind Kind = SegmentFileKind.Insert);
