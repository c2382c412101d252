using Quiver.Storage.Wal;

namespace Quiver.Storage.Tests.Wal;

public class WriteAheadLogTests
{
    internal static WalOptions Small(string dir, List<string>? log = null) =>
        new(dir, "ch0", PageSizeBits: 16, MemorySizeBits: 20, SegmentSizeBits: 18, Log: log is null ? null : s => { lock (log) log.Add(s); });

    internal static WalEntry Entry(int i, int length = 100)
    {
        var payload = new byte[length];
        new Random(i).NextBytes(payload);
        BitConverter.TryWriteBytes(payload.AsSpan(), i);
        return new WalEntry(i % 3 == 0 ? WalEntryKind.Delete : WalEntryKind.Insert, (ulong)i * 1000, 5, i % 4, payload);
    }

    internal static async Task<List<WalRecord>> ReadAll(WriteAheadLog wal, long from = 0)
    {
        var list = new List<WalRecord>();
        await foreach (var r in wal.Scan(from)) list.Add(r);
        return list;
    }

    private static void AssertSame(WalEntry expected, WalEntry actual)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.CollectionId, actual.CollectionId);
        Assert.Equal(expected.PartitionId, actual.PartitionId);
        Assert.True(expected.Payload.Span.SequenceEqual(actual.Payload.Span));
    }

    [Fact]
    public async Task AppendedEntriesSurviveReopenInOrder()
    {
        using var dir = new ScratchDirectory("test");
        var addresses = new List<long>();
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path)))
        {
            for (int i = 0; i < 300; i++) addresses.Add(await wal.AppendAsync(Entry(i, 50 + i * 7 % 900)));
            Assert.True(wal.CommittedUntilAddress > addresses[^1]);
        }
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path)))
        {
            var all = await ReadAll(wal);
            Assert.Equal(300, all.Count);
            for (int i = 0; i < 300; i++)
            {
                Assert.Equal(addresses[i], all[i].Address);
                AssertSame(Entry(i, 50 + i * 7 % 900), all[i].Entry);
            }
            // Scan from a position returns that entry onwards.
            var tail = await ReadAll(wal, addresses[200]);
            Assert.Equal(100, tail.Count);
            Assert.Equal(addresses[200], tail[0].Address);
            Assert.Equal(all[200].NextAddress, all[201].Address);
        }
    }

    [Fact]
    public async Task ManyConcurrentWritersShareCommitsAndLoseNothing()
    {
        using var dir = new ScratchDirectory("test");
        const int writers = 8, perWriter = 400;
        var acked = new System.Collections.Concurrent.ConcurrentDictionary<long, (int W, int I)>();
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path)))
        {
            await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < perWriter; i++)
                {
                    long a = await wal.AppendAsync(Entry(w * 10_000 + i, 64));
                    Assert.True(wal.CommittedUntilAddress > a, "acknowledged before durable");
                    Assert.True(acked.TryAdd(a, (w, i)));
                }
            })));
        }
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path)))
        {
            var all = await ReadAll(wal);
            Assert.Equal(writers * perWriter, all.Count);
            var lastPerWriter = new int[writers];
            Array.Fill(lastPerWriter, -1);
            foreach (var r in all)
            {
                var (w, i) = acked[r.Address];
                AssertSame(Entry(w * 10_000 + i, 64), r.Entry);
                Assert.Equal(lastPerWriter[w] + 1, i); // each writer's entries in its own order
                lastPerWriter[w] = i;
            }
        }
    }

    [Fact]
    public async Task PipelinedEnqueueThenWaitIsDurable()
    {
        using var dir = new ScratchDirectory("test");
        await using var wal = await WriteAheadLog.OpenAsync(Small(dir.Path) with { GroupCommitDelay = TimeSpan.FromMilliseconds(2) });
        var pending = Enumerable.Range(0, 1000).Select(i => wal.AppendAsync(Entry(i, 30)).AsTask()).ToArray();
        var addresses = await Task.WhenAll(pending);
        Assert.Equal(addresses.Length, addresses.Distinct().Count());
        Assert.True(wal.CommittedUntilAddress > addresses.Max());
        Assert.Equal(1000, (await ReadAll(wal)).Count);
    }

    [Fact]
    public async Task TailingReaderSeesNewCommits()
    {
        using var dir = new ScratchDirectory("test");
        await using var wal = await WriteAheadLog.OpenAsync(Small(dir.Path));
        await wal.AppendAsync(Entry(0));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<int>();
        var reader = Task.Run(async () =>
        {
            await foreach (var r in wal.Scan(0, follow: true, cts.Token))
            {
                seen.Add(BitConverter.ToInt32(r.Entry.Payload.Span));
                if (seen.Count == 5) break;
            }
        });
        for (int i = 1; i < 5; i++)
        {
            await Task.Delay(20);
            await wal.AppendAsync(Entry(i));
        }
        await reader;
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, seen);
    }

    [Fact]
    public async Task TruncationPersists()
    {
        using var dir = new ScratchDirectory("test");
        var addresses = new List<long>();
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path)))
        {
            for (int i = 0; i < 50; i++) addresses.Add(await wal.AppendAsync(Entry(i)));
            await wal.TruncateUntilAsync(addresses[30]);
            Assert.Equal(addresses[30], wal.BeginAddress);
            var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => wal.TruncateUntilAsync(wal.TailAddress + 4096));
            Assert.Contains("truncation point", e.Message);
        }
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path)))
        {
            Assert.Equal(addresses[30], wal.BeginAddress);
            var all = await ReadAll(wal);
            Assert.Equal(20, all.Count);
            Assert.Equal(addresses[30], all[0].Address);
        }
    }

    [Fact]
    public async Task OversizedEntryIsRefusedWithItsLimit()
    {
        using var dir = new ScratchDirectory("test");
        await using var wal = await WriteAheadLog.OpenAsync(Small(dir.Path));
        var e = Assert.Throws<ArgumentException>(() => wal.Enqueue(new WalEntry(WalEntryKind.Insert, 1, 1, 1, new byte[wal.MaxEntryBytes + 1])));
        Assert.Contains("split the batch", e.Message);
        Assert.Contains(wal.MaxEntryBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        await wal.AppendAsync(new WalEntry(WalEntryKind.Insert, 1, 1, 1, new byte[wal.MaxEntryBytes]));
        Assert.Single(await ReadAll(wal));
    }

    [Fact]
    public async Task SecondOpenOfTheSameDirectoryIsRefused()
    {
        using var dir = new ScratchDirectory("test");
        await using var wal = await WriteAheadLog.OpenAsync(Small(dir.Path));
        var e = await Assert.ThrowsAsync<IOException>(() => WriteAheadLog.OpenAsync(Small(dir.Path)));
        Assert.Contains("already open", e.Message);
    }

    [Fact]
    public void BadOptionsNameTheParameter()
    {
        Assert.Contains("PageSizeBits", Assert.Throws<ArgumentOutOfRangeException>(() => new WalOptions("/tmp/x", "c", PageSizeBits: 40).Validate()).Message);
        Assert.Contains("channel", Assert.Throws<ArgumentException>(() => new WalOptions("/tmp/x", "a/b").Validate()).Message);
        Assert.Contains("MemorySizeBits", Assert.Throws<ArgumentOutOfRangeException>(() => new WalOptions("/tmp/x", "c", PageSizeBits: 20, MemorySizeBits: 20).Validate()).Message);
    }

    /// <summary>Writes entries, closes, and returns their positions plus the encoded size of each.</summary>
    private static async Task<List<long>> WriteEntries(string dir, int count)
    {
        var addresses = new List<long>();
        await using var wal = await WriteAheadLog.OpenAsync(Small(dir));
        for (int i = 0; i < count; i++) addresses.Add(await wal.AppendAsync(Entry(i, 200)));
        return addresses;
    }

    private static string SegmentFile(string dir, long address) => Path.Combine(dir, "wal.log." + (address >> 18));

    private static void Overwrite(string dir, long address, int offsetInEntry, byte[] bytes)
    {
        // FASTER puts a 4-byte length header before each entry; the entry's bytes start after it.
        using var f = new FileStream(SegmentFile(dir, address), FileMode.Open, FileAccess.ReadWrite);
        f.Position = (address & ((1 << 18) - 1)) + 4 + offsetInEntry;
        f.Write(bytes);
        f.Flush(true);
    }

    [Fact]
    public async Task TornTailIsCutBackToTheLastWholeEntry()
    {
        using var dir = new ScratchDirectory("test");
        var addresses = await WriteEntries(dir.Path, 40);
        // The last entry's second half never reached the disk.
        Overwrite(dir.Path, addresses[^1], 130, new byte[106]);
        var log = new List<string>();
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path, log)))
        {
            var line = Assert.Single(log);
            Assert.Contains("torn tail", line);
            Assert.Contains(addresses[^1].ToString(System.Globalization.CultureInfo.InvariantCulture), line);
            var all = await ReadAll(wal);
            Assert.Equal(39, all.Count);
            Assert.Equal(addresses[^1], wal.TailAddress);
            // New appends go where the torn entry was, and everything reopens cleanly.
            for (int i = 100; i < 110; i++) await wal.AppendAsync(Entry(i, 200));
        }
        log.Clear();
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path, log)))
        {
            Assert.Empty(log);
            var all = await ReadAll(wal);
            Assert.Equal(49, all.Count);
            Assert.Equal(100, BitConverter.ToInt32(all[39].Entry.Payload.Span));
        }
    }

    [Fact]
    public async Task ASegmentFileCutShortInsideTheLastEntryIsATornTail()
    {
        using var dir = new ScratchDirectory("test");
        var addresses = await WriteEntries(dir.Path, 40);
        string file = SegmentFile(dir.Path, addresses[^1]);
        long cut = (addresses[^1] & ((1 << 18) - 1)) + 4 + 100; // mid-way through the last entry
        using (var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite)) f.SetLength(cut);
        var log = new List<string>();
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path, log)))
        {
            Assert.Contains("torn tail", Assert.Single(log));
            Assert.Equal(39, (await ReadAll(wal)).Count);
            await wal.AppendAsync(Entry(500, 200));
        }
        await using (var wal = await WriteAheadLog.OpenAsync(Small(dir.Path)))
        {
            var all = await ReadAll(wal);
            Assert.Equal(40, all.Count);
            Assert.Equal(500, BitConverter.ToInt32(all[^1].Entry.Payload.Span));
        }
    }

    [Fact]
    public async Task CorruptionInTheMiddleIsRefusedWithItsPosition()
    {
        using var dir = new ScratchDirectory("test");
        var addresses = await WriteEntries(dir.Path, 40);
        Overwrite(dir.Path, addresses[12], 60, new byte[] { 0xAB });
        var e = await Assert.ThrowsAsync<WalCorruptionException>(() => WriteAheadLog.OpenAsync(Small(dir.Path)));
        Assert.Equal(addresses[12], e.Address);
        Assert.Contains(addresses[12].ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Contains("refusing", e.Message);
        // Refusing changed nothing: a second open refuses at the same place.
        var again = await Assert.ThrowsAsync<WalCorruptionException>(() => WriteAheadLog.OpenAsync(Small(dir.Path)));
        Assert.Equal(addresses[12], again.Address);
    }
}
