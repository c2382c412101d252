using System.Buffers.Binary;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Meta;

/// <summary>
/// The embedded meta store's snapshot file, <c>meta-{generation:D8}.snapshot</c> (see README.md):
/// header (magic "QVMS", major, minor, generation, revision, next lease id, key count), the keys in
/// UTF-8 order, and a CRC32C of everything before it. Written whole to a temporary name, fsynced,
/// renamed, so a reader sees a complete snapshot or none.
/// </summary>
internal static class MetaSnapshotFormat
{
    public const uint Magic = 0x534D5651; // "QVMS" read as a little-endian u32
    public const ushort Major = 1;
    public const ushort Minor = 0;
    private const int HeaderSize = 4 + 2 + 2 + 8 + 8 + 8 + 4;

    public static byte[] Encode(long generation, long revision, long nextLeaseId, IReadOnlyCollection<KeyValue> keys)
    {
        var w = new ByteWriter(4096);
        w.U32(Magic);
        w.U16(Major);
        w.U16(Minor);
        w.I64(generation);
        w.I64(revision);
        w.I64(nextLeaseId);
        w.U32((uint)keys.Count);
        foreach (var kv in keys)
        {
            w.Blob(MetaKeys.ToUtf8(kv.Key, "key"));
            w.Blob(kv.Value);
            w.I64(kv.CreateRevision);
            w.I64(kv.ModRevision);
            w.I64(kv.Version);
            w.I64(kv.Lease);
        }
        w.U32(Crc32C.Compute(w.WrittenSpan));
        return w.ToArray();
    }

    public static (long Revision, long NextLeaseId, List<KeyValue> Keys) Decode(ReadOnlySpan<byte> file, string path, long generation)
    {
        if (file.Length < HeaderSize + 4)
            throw Corrupt(path, $"the file is {file.Length} bytes, shorter than a header and checksum");
        if (BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic)
            throw Corrupt(path, "the magic is not QVMS; this is not a Quiver meta snapshot");
        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(file[4..]);
        ushort minor = BinaryPrimitives.ReadUInt16LittleEndian(file[6..]);
        if (major != Major)
        {
            throw new MetaStoreException(MetaStoreErrorCode.UnsupportedVersion,
                $"meta snapshot {path} has format {major}.{minor}; this build reads {Major}.x. Open it with the Quiver version that wrote it.");
        }
        var body = file[..^4];
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(file[^4..]))
            throw Corrupt(path, "its checksum does not match (the file was damaged after it was written)");
        var r = new ByteReader(body);
        try
        {
            r.Raw(8);
            long g = r.I64();
            if (g != generation)
                throw Corrupt(path, $"the header says generation {g} but the file name says {generation}");
            long revision = r.I64();
            long nextLease = r.I64();
            uint count = r.U32();
            if (count > (uint)body.Length)
                throw new FormatException($"{count} keys cannot fit in {body.Length} bytes");
            var keys = new List<KeyValue>((int)count);
            for (uint i = 0; i < count; i++)
            {
                string key = MetaKeys.FromUtf8(r.Blob(MetaKeys.MaxKeyBytes));
                byte[] value = r.Blob(MetaKeys.MaxValueBytes).ToArray();
                keys.Add(new KeyValue(key, value, r.I64(), r.I64(), r.I64(), r.I64()));
            }
            if (r.Remaining != 0)
                throw new FormatException($"{r.Remaining} bytes left over");
            return (revision, nextLease, keys);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw Corrupt(path, $"it passes its checksum but does not decode ({e.Message})");
        }
    }

    private static MetaStoreException Corrupt(string path, string what) =>
        new(MetaStoreErrorCode.Corrupt, $"meta snapshot {path} is corrupt: {what}. Restore the directory from a backup.");
}
