using System.Buffers.Binary;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Wal;

/// <summary>
/// The small object beside an archived WAL channel's segments that says which positions they cover:
/// magic "QWAR", version, segment size bits, begin and end position, CRC-32C.
/// </summary>
internal readonly record struct WalArchiveMarker(int Version, int SegmentSizeBits, long BeginAddress, long EndAddress)
{
    public const string FileName = "archive";
    public const int CurrentVersion = 1;
    private const uint Magic = 0x52415751; // "QWAR"
    private const int Size = 32;

    public byte[] Encode()
    {
        var b = new byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(b, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), Version);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), SegmentSizeBits);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(12), BeginAddress);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(20), EndAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(28), Crc32C.Compute(b.AsSpan(0, 28)));
        return b;
    }

    public static WalArchiveMarker Decode(byte[] b)
    {
        if (b.Length != Size || BinaryPrimitives.ReadUInt32LittleEndian(b) != Magic)
            throw new InvalidDataException("WAL archive marker: not a Quiver WAL archive marker");
        if (BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(28)) != Crc32C.Compute(b.AsSpan(0, 28)))
            throw new InvalidDataException("WAL archive marker: CRC-32C mismatch");
        int version = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(4));
        if (version != CurrentVersion)
            throw new InvalidDataException($"WAL archive marker: version {version} is not understood (this build reads {CurrentVersion})");
        return new WalArchiveMarker(version, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8)),
            BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(12)), BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(20)));
    }
}
