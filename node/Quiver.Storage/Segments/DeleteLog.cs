using Apache.Arrow;
using Array = System.Array;

namespace Quiver.Storage.Segments;

/// <summary>
/// A delete log: the primary keys deleted from a segment and the hybrid timestamp of each delete, as an
/// Arrow IPC file with two columns (the primary key field, <c>_ts</c>). A row is dead for a reader at
/// timestamp T when its key appears here with a delete timestamp ≤ T greater than the row's own.
/// </summary>
public static class DeleteLog
{
    /// <summary>Writes the deletes; <paramref name="primaryKeys"/> is <c>long[]</c> or <c>string[]</c> to match the key field.</summary>
    public static SegmentFileInfo Write(string path, SegmentField primaryKey, Array primaryKeys, ReadOnlySpan<ulong> timestamps)
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        ArgumentNullException.ThrowIfNull(primaryKeys);
        var schema = new SegmentSchema([primaryKey with { IsPrimaryKey = true }]);
        var batch = new SegmentBatchBuilder(schema, primaryKeys.Length).Column(primaryKey.Name, primaryKeys).Timestamps(timestamps).Build();
        return SegmentWriter.Write(path, schema, [batch]) with { Kind = SegmentFileKind.Delta };
    }

    /// <summary>Reads a delete log back, checked against the manifest's record when given.</summary>
    public static DeleteLogEntries Read(string path, SegmentFileInfo? expected = null)
    {
        using var reader = SegmentReader.Open(path, expected);
        var pk = reader.Schema.PrimaryKey;
        if (reader.Schema.Fields.Count != 1)
            throw new InvalidDataException($"delete log {path} has {reader.Schema.Fields.Count} fields; a delete log has only the primary key");
        int n = checked((int)reader.RowCount);
        var ts = new ulong[n];
        long[]? ints = pk.Type == FieldType.Int64 ? new long[n] : null;
        string[]? strings = pk.Type == FieldType.VarChar ? new string[n] : null;
        int at = 0;
        for (int b = 0; b < reader.BatchCount; b++)
        {
            reader.Timestamps(b).CopyTo(ts.AsSpan(at));
            if (ints != null) reader.Values<long>(pk.Name, b).CopyTo(ints.AsSpan(at));
            else
            {
                var column = (StringArray)reader.Batch(b).Column(0);
                for (int i = 0; i < column.Length; i++) strings![at + i] = column.GetString(i);
            }
            at += reader.Batch(b).Length;
        }
        return new DeleteLogEntries(ints, strings, ts);
    }
}

/// <summary>The contents of a delete log: one of the key arrays is set, by the key type.</summary>
public sealed record DeleteLogEntries(long[]? Int64Keys, string[]? StringKeys, ulong[] Timestamps)
{
    public int Count => Timestamps.Length;
}
