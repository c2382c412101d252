using Quiver.Kernel.Distance;
using Quiver.Node.Proxy;
using Quiver.Node.Streaming;
using Quiver.Node.Tests.Proxy;
using Quiver.Storage.Wal;

namespace Quiver.Node.Tests.Streaming;

public class ShardChannelTests
{
    private static long _clock;

    private static ValueTask<ulong> Tso() => ValueTask.FromResult((ulong)Interlocked.Increment(ref _clock) << 18);

    private static long _ids = 1000;

    private static ValueTask<long> SegmentIds() => ValueTask.FromResult(Interlocked.Increment(ref _ids));

    private static Task<ShardChannel> Open(string dir) => ShardChannel.OpenAsync("c1v0", 1, InsertPreparerTests.Schema().ToSegmentSchema(),
        new WalOptions(dir, "c1v0", PageSizeBits: 20, MemorySizeBits: 22, SegmentSizeBits: 24), Tso, SegmentIds);

    private static Apache.Arrow.RecordBatch Batch(long firstId, int n)
    {
        var schema = InsertPreparerTests.Schema();
        var data = new Quiver.Node.Proxy.InsertData(n)
            .Column("id", Enumerable.Range(0, n).Select(i => firstId + i).ToArray())
            .Column("vec", Enumerable.Range(0, n * 4).Select(i => (float)((firstId + i / 4) % 97 + i % 4)).ToArray());
        return InsertPreparer.Prepare(schema, schema.ToSegmentSchema(), 1, data, 0, false, _ => 0).Shards[0].Batch;
    }

    private static long Live(ShardChannel shard) => shard.Segments.Sum(s => s.LiveCount(shard.ServiceableTimestamp));

    [Fact]
    public async Task WritesAreSearchableWhenAcknowledgedAndSurviveReopen()
    {
        using var dir = new ScratchDirectory("shard");
        ulong deleteTs;
        await using (var shard = await Open(dir.Path))
        {
            ulong t1 = await shard.InsertAsync(partitionId: 7, Batch(0, 100));
            Assert.Equal(100, Live(shard));
            Assert.True(shard.ServiceableTimestamp >= t1);
            await shard.InsertAsync(8, Batch(100, 50));
            deleteTs = await shard.DeleteAsync(new long[] { 3, 4, 120, 999 });
            Assert.Equal(147, Live(shard));
            Assert.Equal(2, shard.Segments.Count);
        }
        await using (var shard = await Open(dir.Path))
        {
            Assert.Equal(147, Live(shard));
            Assert.Equal(2, shard.Segments.Count);
            Assert.Equal(deleteTs, shard.ServiceableTimestamp);
            var seg = shard.Segments.Single(s => s.PartitionId == 7);
            Assert.False(seg.TryGetRow(3L, shard.ServiceableTimestamp, out _));
            Assert.True(seg.TryGetRow(5L, shard.ServiceableTimestamp, out long row));
            Assert.Equal(5L, seg.PrimaryKey(row));
            // The same row comes back at the top of a search for its own vector.
            var query = (float[])seg.GetValue("vec", row)!;
            var rows = new int[1];
            var distances = new float[1];
            seg.Search("vec", Metric.L2, query, 1, shard.ServiceableTimestamp, null, rows, distances);
            Assert.Equal(0f, distances[0]);
        }
    }

    [Fact]
    public async Task TheReplaySkipsInsertsOfSegmentsACompactionMergedAway()
    {
        // A crash between a flush's segment record and its checkpoint leaves the segment's inserts in the WAL; if a
        // compaction then merges that segment away, its id must still count as flushed, or the replay inserts its rows
        // a second time next to the merged segment's copy.
        using var dir = new ScratchDirectory("shard");
        long segmentId;
        await using (var shard = await Open(dir.Path))
        {
            await shard.InsertAsync(7, Batch(0, 30));
            segmentId = shard.Segments.Single().SegmentId;
        }
        var wal = new WalOptions(dir.Path, "c1v0", PageSizeBits: 20, MemorySizeBits: 22, SegmentSizeBits: 24);
        var schema = InsertPreparerTests.Schema().ToSegmentSchema();
        await using (var shard = await ShardChannel.OpenAsync("c1v0", 1, schema, wal, Tso, SegmentIds, [], 0, default, compactedSegments: [segmentId]))
            Assert.Equal(0, Live(shard));
        await using (var shard = await ShardChannel.OpenAsync("c1v0", 1, schema, wal, Tso, SegmentIds, [], 0))
            Assert.Equal(30, Live(shard));
    }

    [Fact]
    public async Task ConcurrentWritersAreAppliedInOrderAndShareCommits()
    {
        using var dir = new ScratchDirectory("shard");
        await using (var shard = await Open(dir.Path))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < 25; i++)
                {
                    long first = w * 100_000 + i * 10;
                    await shard.InsertAsync(1, Batch(first, 10));
                    if (i % 5 == 4) await shard.DeleteAsync(new long[] { first });
                }
            })));
            Assert.Equal(8 * 25 * 10 - 8 * 5, Live(shard));
        }
        await using (var shard = await Open(dir.Path))
            Assert.Equal(8 * 25 * 10 - 8 * 5, Live(shard));
    }

    [Fact]
    public async Task AnUpsertAsDeleteThenInsertKeepsTheNewRow()
    {
        using var dir = new ScratchDirectory("shard");
        await using var shard = await Open(dir.Path);
        await shard.InsertAsync(1, Batch(0, 5));
        await shard.DeleteAsync(new long[] { 2 });
        await shard.InsertAsync(1, Batch(2, 1));
        Assert.Equal(5, Live(shard));
        var seg = shard.Segments.Single();
        Assert.True(seg.TryGetRow(2L, shard.ServiceableTimestamp, out long row));
        Assert.Equal(5, row); // the re-inserted row, not the deleted one
    }
}
