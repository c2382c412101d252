using Quiver.Storage.Wal;

namespace Quiver.Storage.Tests.Wal;

public class WalEntryCodecTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(512)]
    [InlineData(70_000)]
    public void RoundTrips(int payloadLength)
    {
        var payload = new byte[payloadLength];
        new Random(payloadLength).NextBytes(payload);
        var entry = new WalEntry(WalEntryKind.Delete, 0xFEDC_BA98_7654_3210UL, 42, -7, payload);
        var bytes = WalEntryCodec.Encode(entry);
        Assert.Equal(WalEntryCodec.HeaderSize + payloadLength, bytes.Length);
        Assert.Equal(WalDecodeStatus.Ok, WalEntryCodec.TryDecode(bytes, out var back));
        Assert.Equal(entry.Kind, back.Kind);
        Assert.Equal(entry.Timestamp, back.Timestamp);
        Assert.Equal(42, back.CollectionId);
        Assert.Equal(-7, back.PartitionId);
        Assert.True(payload.AsSpan().SequenceEqual(back.Payload.Span));
    }

    [Fact]
    public void EveryFlippedBitIsCaught()
    {
        var bytes = WalEntryCodec.Encode(new WalEntry(WalEntryKind.Insert, 7, 1, 2, new byte[] { 1, 2, 3, 4, 5 }));
        for (int i = 0; i < bytes.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                var copy = (byte[])bytes.Clone();
                copy[i] ^= (byte)(1 << bit);
                Assert.NotEqual(WalDecodeStatus.Ok, WalEntryCodec.TryDecode(copy, out _));
            }
        }
    }

    [Fact]
    public void ShortOrLongBuffersAreTruncated()
    {
        var bytes = WalEntryCodec.Encode(new WalEntry(WalEntryKind.Insert, 7, 1, 2, new byte[10]));
        Assert.Equal(WalDecodeStatus.Truncated, WalEntryCodec.TryDecode(bytes.AsMemory(0, bytes.Length - 1), out _));
        Assert.Equal(WalDecodeStatus.Truncated, WalEntryCodec.TryDecode(bytes.AsMemory(0, 20), out _));
        Assert.Equal(WalDecodeStatus.Truncated, WalEntryCodec.TryDecode(bytes.Concat(new byte[1]).ToArray(), out _));
    }

    [Fact]
    public void NewerVersionIsNamedNotMistakenForCorruption()
    {
        var bytes = WalEntryCodec.Encode(new WalEntry(WalEntryKind.Insert, 7, 1, 2, new byte[3]));
        bytes[0] = 2;
        // Re-seal the CRC as a newer writer would.
        uint crc = Quiver.Kernel.Hashing.Crc32C.Append(Quiver.Kernel.Hashing.Crc32C.Compute(bytes.AsSpan(0, 32)), bytes.AsSpan(36));
        BitConverter.TryWriteBytes(bytes.AsSpan(32), crc);
        Assert.Equal(WalDecodeStatus.UnknownVersion, WalEntryCodec.TryDecode(bytes, out _));
    }

    [Fact]
    public void UnknownKindIsRefusedOnEncode()
    {
        var e = Assert.Throws<ArgumentException>(() => WalEntryCodec.Encode(new WalEntry((WalEntryKind)9, 0, 0, 0, default)));
        Assert.Contains("kind 9", e.Message);
    }
}
