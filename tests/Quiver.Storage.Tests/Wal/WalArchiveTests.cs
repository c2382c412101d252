using Quiver.Storage.ObjectStore;
using Quiver.Storage.Wal;

namespace Quiver.Storage.Tests.Wal;

public class WalArchiveTests
{
    [Fact]
    public async Task ClosedSegmentsRebuildTheLogFromObjectStorage()
    {
        using var dir = new ScratchDirectory("walarchive");
        using var store = new LocalObjectStore(dir.File("objects"));
        var options = WriteAheadLogTests.Small(dir.File("wal"));
        var addresses = new List<long>();
        long archivedEnd;
        await using (var wal = await WriteAheadLog.OpenAsync(options))
        {
            // 256 KiB segments: 3000 entries of ~1 KiB fill about eleven.
            for (int i = 0; i < 3000; i++) addresses.Add(await wal.AppendAsync(WriteAheadLogTests.Entry(i, 1000)));
            int copied = await wal.ArchiveAsync(store);
            Assert.True(copied >= 10, $"only {copied} segments archived");
            Assert.Equal(0, await wal.ArchiveAsync(store)); // already there: nothing copied twice
            archivedEnd = (wal.CommittedUntilAddress >> options.SegmentSizeBits) << options.SegmentSizeBits;
        }
        var keys = new List<string>();
        await foreach (var o in store.ListAsync(ObjectKeys.WalPrefix("ch0"))) keys.Add(o.Key);
        Assert.Contains("wal/ch0/archive", keys);
        Assert.Contains("wal/ch0/segment-000000000000", keys);

        // A node with an empty disk rebuilds the log: every entry in the archived segments, at its old position.
        await using (var restored = await WriteAheadLog.RestoreFromArchiveAsync(options with { Directory = dir.File("restored") }, store))
        {
            var all = await WriteAheadLogTests.ReadAll(restored);
            int expected = addresses.Count(a => a < archivedEnd);
            Assert.Equal(expected, all.Count);
            for (int i = 0; i < all.Count; i++)
            {
                Assert.Equal(addresses[i], all[i].Address);
                Assert.Equal(i, BitConverter.ToInt32(all[i].Entry.Payload.Span));
            }
            // And it takes new appends after the archived end.
            long next = await restored.AppendAsync(WriteAheadLogTests.Entry(99_999, 10));
            Assert.True(next >= archivedEnd);
        }
        await Assert.ThrowsAsync<IOException>(() => WriteAheadLog.RestoreFromArchiveAsync(options with { Directory = dir.File("restored") }, store));
    }
}
