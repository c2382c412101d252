using System.Buffers.Binary;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Wal;

/// <summary>
/// The versioned binary form of a <see cref="WalEntry"/>, little-endian:
/// <code>
///  0  u8   format version (1)
///  1  u8   kind (WalEntryKind)
///  2  u16  reserved, 0
///  4  u32  payload length
///  8  u64  hybrid timestamp
/// 16  i64  collection id
/// 24  i64  partition id
/// 32  u32  CRC-32C of bytes 0..32 and the payload
/// 36  payload
/// </code>
/// The CRC covers everything but itself, so a torn or flipped entry is caught before it is applied.
/// </summary>
public static class WalEntryCodec
{
    /// <summary>The format version this build writes and the newest it reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 36;

    private const int CrcOffset = 32;

    /// <summary>Encoded size of an entry with <paramref name="payloadLength"/> payload bytes.</summary>
    public static int EncodedSize(int payloadLength) => HeaderSize + payloadLength;

    /// <summary>Writes <paramref name="entry"/> into <paramref name="destination"/>, which must hold <see cref="EncodedSize"/> bytes; returns the bytes written.</summary>
    public static int Encode(in WalEntry entry, Span<byte> destination)
    {
        if (!Enum.IsDefined(entry.Kind))
            throw new ArgumentException($"unknown WAL entry kind {(byte)entry.Kind}", nameof(entry));
        int size = EncodedSize(entry.Payload.Length);
        if (destination.Length < size)
            throw new ArgumentException($"destination holds {destination.Length} bytes, the entry needs {size}", nameof(destination));
        destination[0] = FormatVersion;
        destination[1] = (byte)entry.Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], entry.Payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], entry.Timestamp);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], entry.CollectionId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], entry.PartitionId);
        entry.Payload.Span.CopyTo(destination[HeaderSize..]);
        uint crc = Crc32C.Append(Crc32C.Compute(destination[..CrcOffset]), destination.Slice(HeaderSize, entry.Payload.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[CrcOffset..], crc);
        return size;
    }

    /// <summary>Encodes into a new array.</summary>
    public static byte[] Encode(in WalEntry entry)
    {
        var bytes = new byte[EncodedSize(entry.Payload.Length)];
        Encode(entry, bytes);
        return bytes;
    }

    /// <summary>
    /// Decodes an entry, or says why it cannot: <see cref="WalDecodeStatus.Ok"/> only when the length,
    /// version, kind and CRC all check. The payload of the result aliases <paramref name="source"/>.
    /// </summary>
    public static WalDecodeStatus TryDecode(ReadOnlyMemory<byte> source, out WalEntry entry)
    {
        entry = default;
        var s = source.Span;
        if (s.Length < HeaderSize) return WalDecodeStatus.Truncated;
        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(s[4..]);
        if (payloadLength < 0 || payloadLength != s.Length - HeaderSize) return WalDecodeStatus.Truncated;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(s[CrcOffset..]);
        uint crc = Crc32C.Append(Crc32C.Compute(s[..CrcOffset]), s.Slice(HeaderSize, payloadLength));
        if (crc != stored) return WalDecodeStatus.ChecksumMismatch;
        // The version is checked after the CRC: a byte that checks out but is newer is a real newer writer.
        if (s[0] != FormatVersion) return WalDecodeStatus.UnknownVersion;
        var kind = (WalEntryKind)s[1];
        if (!Enum.IsDefined(kind) || BinaryPrimitives.ReadUInt16LittleEndian(s[2..]) != 0) return WalDecodeStatus.UnknownVersion;
        entry = new WalEntry(
            kind,
            BinaryPrimitives.ReadUInt64LittleEndian(s[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[24..]),
            source.Slice(HeaderSize, payloadLength));
        return WalDecodeStatus.Ok;
    }
}

/// <summary>Outcome of <see cref="WalEntryCodec.TryDecode"/>.</summary>
public enum WalDecodeStatus
{
    Ok,
    /// <summary>Shorter than its header says (a torn write).</summary>
    Truncated,
    /// <summary>The CRC-32C does not match: torn or corrupted bytes.</summary>
    ChecksumMismatch,
    /// <summary>Whole and checksummed, but written by a newer format version or with an unknown kind.</summary>
    UnknownVersion,
}
