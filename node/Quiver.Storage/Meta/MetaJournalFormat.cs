using System.Buffers.Binary;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Meta;

/// <summary>
/// The embedded meta store's journal file, <c>meta-{generation:D8}.journal</c> (see README.md):
/// a 20-byte header (magic "QVMJ", major, minor, generation, CRC32C), then framed records. A frame
/// is <c>u32 payload length, u32 CRC32C(payload), u32 CRC32C(first 8 bytes)</c> and the payload;
/// the payload starts with a record-format version byte and a kind byte. All integers little-endian.
/// </summary>
internal static class MetaJournalFormat
{
    public const uint Magic = 0x4A4D5651; // "QVMJ" read as a little-endian u32
    public const ushort Major = 1;
    public const ushort Minor = 0;
    public const int HeaderSize = 20;
    public const int FrameHeaderSize = 12;
    public const byte RecordVersion = 1;

    /// <summary>A frame larger than this is refused as corrupt: a commit holds at most a few MiB.</summary>
    public const int MaxPayload = 256 << 20;

    public static byte[] EncodeHeader(long generation)
    {
        var h = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), Major);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), Minor);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(8), generation);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), Crc32C.Compute(h.AsSpan(0, 16)));
        return h;
    }

    public static void CheckHeader(ReadOnlySpan<byte> file, string path, long generation)
    {
        if (file.Length < HeaderSize)
            throw Corrupt(path, 0, $"the file is {file.Length} bytes, shorter than its {HeaderSize}-byte header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic)
            throw Corrupt(path, 0, "the magic is not QVMJ; this is not a Quiver meta journal");
        if (BinaryPrimitives.ReadUInt32LittleEndian(file[16..]) != Crc32C.Compute(file[..16]))
            throw Corrupt(path, 0, "the header checksum does not match");
        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(file[4..]);
        ushort minor = BinaryPrimitives.ReadUInt16LittleEndian(file[6..]);
        if (major != Major)
        {
            throw new MetaStoreException(MetaStoreErrorCode.UnsupportedVersion,
                $"meta journal {path} has format {major}.{minor}; this build reads {Major}.x. Open it with the Quiver version that wrote it.");
        }
        long g = BinaryPrimitives.ReadInt64LittleEndian(file[8..]);
        if (g != generation)
            throw Corrupt(path, 8, $"the header says generation {g} but the file name says {generation}");
    }

    public static byte[] EncodeCommit(long revision, IReadOnlyList<MetaMutation> mutations)
    {
        var w = new ByteWriter();
        w.U8(RecordVersion);
        w.U8((byte)JournalRecordKind.Commit);
        w.I64(revision);
        w.U32((uint)mutations.Count);
        foreach (var m in mutations)
        {
            w.U8(m.IsPut ? (byte)1 : (byte)2);
            w.Blob(MetaKeys.ToUtf8(m.Key, "key"));
            if (m.IsPut)
            {
                w.Blob(m.Value);
                w.I64(m.Lease);
            }
        }
        return Frame(w.WrittenSpan);
    }

    public static byte[] EncodeLeaseGrant(long leaseId, TimeSpan ttl)
    {
        var w = new ByteWriter(32);
        w.U8(RecordVersion);
        w.U8((byte)JournalRecordKind.LeaseGrant);
        w.I64(leaseId);
        w.I64((long)ttl.TotalMilliseconds);
        return Frame(w.WrittenSpan);
    }

    private static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var f = new byte[FrameHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(f, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(4), Crc32C.Compute(payload));
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(8), Crc32C.Compute(f.AsSpan(0, 8)));
        payload.CopyTo(f.AsSpan(FrameHeaderSize));
        return f;
    }

    /// <summary>
    /// Decodes every whole record after the header. Stops at a torn tail (returned as
    /// <paramref name="validLength"/> &lt; file length) and throws <see cref="MetaStoreException"/>
    /// (<see cref="MetaStoreErrorCode.Corrupt"/>, with the offset) at damage that more data follows.
    /// </summary>
    /// <remarks>
    /// Each record is written with one write and fsynced before the call returns, so a crash can
    /// leave only the last record incomplete: cut short, or its length reached with bytes that never
    /// made it (zeros). A bad record with nothing after it is therefore torn; a bad record with more
    /// data after it is damage and is refused. A flipped byte in the very last record is
    /// indistinguishable from a torn write and is cut too; that record was the newest write.
    /// </remarks>
    public static List<(long Offset, JournalRecord Record)> Scan(ReadOnlySpan<byte> file, string path, out long validLength)
    {
        var records = new List<(long, JournalRecord)>();
        int pos = HeaderSize;
        while (pos < file.Length)
        {
            int rem = file.Length - pos;
            if (rem < FrameHeaderSize)
                break; // torn inside the frame header
            var head = file.Slice(pos, FrameHeaderSize);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(head);
            uint payloadCrc = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            uint headCrc = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
            if (Crc32C.Compute(head[..8]) != headCrc)
            {
                if (!file[pos..].ContainsAnyExcept((byte)0))
                    break; // zero-filled tail: space the file system extended but the write never filled
                throw Corrupt(path, pos, "a record header fails its checksum and data follows it");
            }
            if (length < 2 || length > MaxPayload)
                throw Corrupt(path, pos, $"a record claims {length} payload bytes");
            if ((long)FrameHeaderSize + length > rem)
                break; // torn inside the payload
            var payload = file.Slice(pos + FrameHeaderSize, (int)length);
            int end = pos + FrameHeaderSize + (int)length;
            if (Crc32C.Compute(payload) != payloadCrc)
            {
                if (end == file.Length)
                    break; // the last record, written only in part
                throw Corrupt(path, pos, "a record's payload fails its checksum and more records follow");
            }
            records.Add((pos, DecodePayload(payload, path, pos)));
            pos = end;
        }
        validLength = pos;
        return records;
    }

    private static JournalRecord DecodePayload(ReadOnlySpan<byte> payload, string path, long offset)
    {
        var r = new ByteReader(payload);
        try
        {
            byte version = r.U8();
            if (version != RecordVersion)
            {
                throw new MetaStoreException(MetaStoreErrorCode.UnsupportedVersion,
                    $"meta journal {path} has a record of format version {version} at offset {offset}; this build reads version {RecordVersion}");
            }
            var kind = (JournalRecordKind)r.U8();
            switch (kind)
            {
                case JournalRecordKind.Commit:
                {
                    long revision = r.I64();
                    uint count = r.U32();
                    if (count > (uint)payload.Length)
                        throw new FormatException($"{count} mutations cannot fit in {payload.Length} bytes");
                    var muts = new List<MetaMutation>((int)count);
                    for (uint i = 0; i < count; i++)
                    {
                        byte op = r.U8();
                        string key = MetaKeys.FromUtf8(r.Blob(MetaKeys.MaxKeyBytes));
                        if (op == 1)
                        {
                            byte[] value = r.Blob(MetaKeys.MaxValueBytes).ToArray();
                            muts.Add(MetaMutation.Put(key, value, r.I64()));
                        }
                        else if (op == 2)
                        {
                            muts.Add(MetaMutation.Delete(key));
                        }
                        else
                        {
                            throw new FormatException($"unknown mutation kind {op}");
                        }
                    }
                    EnsureConsumed(ref r);
                    return new JournalRecord(kind, revision, muts, 0, TimeSpan.Zero);
                }
                case JournalRecordKind.LeaseGrant:
                {
                    long id = r.I64();
                    long ttlMs = r.I64();
                    EnsureConsumed(ref r);
                    return new JournalRecord(kind, 0, [], id, TimeSpan.FromMilliseconds(ttlMs));
                }
                default:
                    throw new FormatException($"unknown record kind {(byte)kind}");
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw Corrupt(path, offset, $"a record passes its checksum but does not decode ({e.Message})");
        }
    }

    private static void EnsureConsumed(ref ByteReader r)
    {
        if (r.Remaining != 0)
            throw new FormatException($"{r.Remaining} bytes left over");
    }

    public static MetaStoreException Corrupt(string path, long offset, string what) =>
        new(MetaStoreErrorCode.Corrupt,
            $"meta journal {path} is corrupt at offset {offset}: {what}. The store refuses to open rather than drop " +
            "acknowledged writes; restore the directory from a backup, or cut the file at that offset by hand to accept the loss.");
}
