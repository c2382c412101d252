using System.Buffers.Binary;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Quiver.Node.Errors;
using Quiver.Storage.Segments;
using Array = System.Array;

namespace Quiver.Node.Streaming;

/// <summary>
/// Payloads of the engine's WAL entries (the entry header carries kind, timestamp, collection and partition).
/// <list type="bullet">
/// <item>Insert: <c>u8 version (1) | u8 flags (bit 0: upsert — delete the rows' keys first, in the same entry, so an
/// upsert is atomic) | i64 growing segment id | Arrow IPC stream (schema, one record batch, end)</c>.
/// The rows keep their Arrow form from the proxy to the growing segment and, later, the sealed file.</item>
/// <item>Delete: <c>u8 version (1) | u8 key type (5 Int64, 21 VarChar) | i32 count | keys</c>, Int64 keys
/// little-endian, VarChar keys as i32 byte length + UTF-8.</item>
/// </list>
/// </summary>
public static class WalPayload
{
    private const byte Version = 1;

    public static byte[] EncodeInsert(long segmentId, RecordBatch batch, bool upsert = false)
    {
        using var ms = new MemoryStream();
        ms.WriteByte(Version);
        ms.WriteByte(upsert ? (byte)1 : (byte)0);
        Span<byte> id = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(id, segmentId);
        ms.Write(id);
        using (var writer = new ArrowStreamWriter(ms, batch.Schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }
        return ms.ToArray();
    }

    /// <summary>Decodes an insert payload; the batch is rebound to <paramref name="schema"/>'s Arrow schema after its columns are checked.</summary>
    public static (long SegmentId, RecordBatch Batch, bool Upsert) DecodeInsert(ReadOnlyMemory<byte> payload, SegmentSchema schema, long position)
    {
        var span = payload.Span;
        if (span.Length < 10 || span[0] != Version)
            throw Corrupt(position, $"insert payload version {(span.Length > 0 ? span[0] : -1)} is not understood");
        if ((span[1] & ~1) != 0) throw Corrupt(position, $"insert payload flags {span[1]:X2} are not understood");
        bool upsert = (span[1] & 1) != 0;
        long segmentId = BinaryPrimitives.ReadInt64LittleEndian(span[2..]);
        using var reader = new ArrowStreamReader(payload[10..]);
        var batch = reader.ReadNextRecordBatch() ?? throw Corrupt(position, "insert payload holds no record batch");
        if (!schema.Describes(batch.Schema))
            throw Corrupt(position, $"insert payload columns ({string.Join(", ", batch.Schema.FieldsList.Select(f => f.Name))}) do not match the collection's schema");
        var columns = Enumerable.Range(0, batch.ColumnCount).Select(batch.Column).ToList();
        return (segmentId, new RecordBatch(schema.Arrow, columns, batch.Length), upsert);
    }

    public static byte[] EncodeDelete(Array primaryKeys)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(Version);
        switch (primaryKeys)
        {
            case long[] ints:
                w.Write((byte)FieldType.Int64);
                w.Write(ints.Length);
                foreach (long k in ints) w.Write(k);
                break;
            case string[] strings:
                w.Write((byte)FieldType.VarChar);
                w.Write(strings.Length);
                foreach (string k in strings)
                {
                    var bytes = Encoding.UTF8.GetBytes(k);
                    w.Write(bytes.Length);
                    w.Write(bytes);
                }
                break;
            default:
                throw new ArgumentException($"primary keys must be long[] or string[], got {primaryKeys.GetType().Name}", nameof(primaryKeys));
        }
        w.Flush();
        return ms.ToArray();
    }

    public static Array DecodeDelete(ReadOnlyMemory<byte> payload, long position)
    {
        var s = payload.Span;
        if (s.Length < 6 || s[0] != Version) throw Corrupt(position, "delete payload version is not understood");
        int count = BinaryPrimitives.ReadInt32LittleEndian(s[2..]);
        if (count < 0) throw Corrupt(position, $"delete payload count {count}");
        s = s[6..];
        switch ((FieldType)payload.Span[1])
        {
            case FieldType.Int64:
                if (s.Length != (long)count * 8) throw Corrupt(position, "delete payload length does not match its count");
                var ints = new long[count];
                for (int i = 0; i < count; i++) ints[i] = BinaryPrimitives.ReadInt64LittleEndian(s[(i * 8)..]);
                return ints;
            case FieldType.VarChar:
                var strings = new string[count];
                for (int i = 0; i < count; i++)
                {
                    if (s.Length < 4) throw Corrupt(position, "delete payload ends inside a key");
                    int len = BinaryPrimitives.ReadInt32LittleEndian(s);
                    if (len < 0 || s.Length < 4 + len) throw Corrupt(position, "delete payload ends inside a key");
                    strings[i] = Encoding.UTF8.GetString(s.Slice(4, len));
                    s = s[(4 + len)..];
                }
                return strings;
            default:
                throw Corrupt(position, $"delete payload key type {payload.Span[1]}");
        }
    }

    private static QuiverException Corrupt(long position, string what) =>
        new(ErrorCode.DataCorrupted, $"WAL entry at position {position}: {what}");
}
