using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Tests.Coordinator;

public sealed class IdAllocatorTests : IDisposable
{
    private const string Key = "test/meta/coordinator/id";

    private readonly ScratchDirectory _dir = new("ids");

    public void Dispose() => _dir.Dispose();

    private EmbeddedMetaStore OpenStore() => EmbeddedMetaStore.Open(new EmbeddedMetaStoreOptions { Directory = _dir.Path, Log = _ => { } });

    /// <summary>Asserts that no two [first, first + count) ranges share an id and that every id is ≥ 1.</summary>
    private static void AssertDisjoint(IEnumerable<(long First, int Count)> ranges)
    {
        var sorted = ranges.OrderBy(r => r.First).ToList();
        Assert.True(sorted[0].First >= 1);
        for (int i = 1; i < sorted.Count; i++)
            Assert.True(sorted[i].First >= sorted[i - 1].First + sorted[i - 1].Count, $"ids overlap at {sorted[i].First}");
    }

    [Fact]
    public async Task IdsStartAtOneAndAreConsecutiveWithinABlock()
    {
        await using var meta = OpenStore();
        var ids = await IdAllocator.OpenAsync(meta, Key, blockSize: 100);
        Assert.Equal(1, await ids.AllocateAsync());
        Assert.Equal(2, await ids.AllocateAsync(10));
        Assert.Equal(12, await ids.AllocateAsync());
        // 88 ids are left in the block; 90 do not fit, so a new block of at least 100 is reserved.
        Assert.Equal(101, await ids.AllocateAsync(90));
        // A request larger than a block gets a block of its own size.
        long big = await ids.AllocateAsync(250);
        Assert.Equal(201, big);
        Assert.Equal(451, await ids.AllocateAsync());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await ids.AllocateAsync(0));
    }

    [Fact]
    public async Task IdsNeverRepeatAcrossReopen()
    {
        var seen = new List<(long, int)>();
        for (int run = 0; run < 3; run++)
        {
            await using var meta = OpenStore();
            var ids = await IdAllocator.OpenAsync(meta, Key, blockSize: 50);
            for (int i = 0; i < 30; i++)
            {
                int count = 1 + i % 7;
                seen.Add((await ids.AllocateAsync(count), count));
            }
        }
        AssertDisjoint(seen);
    }

    [Fact]
    public async Task TwoAllocatorsOnOneStoreNeverOverlap()
    {
        await using var meta = OpenStore();
        var a = await IdAllocator.OpenAsync(meta, Key, blockSize: 7);
        var b = await IdAllocator.OpenAsync(meta, Key, blockSize: 5);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var allocator = t % 2 == 0 ? a : b;
            var mine = new List<(long, int)>();
            for (int i = 0; i < 150; i++)
            {
                int count = 1 + (i * 3 + t) % 9; // sometimes more than a block
                mine.Add((await allocator.AllocateAsync(count), count));
            }
            return mine;
        })));
        AssertDisjoint(results.SelectMany(r => r));
    }

    [Fact]
    public async Task ManyThreadsOnOneAllocatorGetDistinctIds()
    {
        await using var meta = OpenStore();
        var ids = await IdAllocator.OpenAsync(meta, Key, blockSize: 1000);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new long[5000];
            for (int i = 0; i < mine.Length; i++)
                mine[i] = await ids.AllocateAsync();
            return mine;
        })));
        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(1, all.Min());
    }

    [Fact]
    public async Task AReservationWhoseReplyWasLostOnlySkipsItsBlock()
    {
        await using var store = OpenStore();
        var meta = new LostReplyMetaStore(store);
        var ids = await IdAllocator.OpenAsync(meta, Key, blockSize: 10);
        Assert.Equal(1, await ids.AllocateAsync(10));
        meta.LoseNextTxnReply();
        var e = await Assert.ThrowsAsync<QuiverException>(async () => await ids.AllocateAsync());
        Assert.Equal(ErrorCode.Unavailable, e.Code);
        Assert.Contains(Key, e.Message);
        Assert.Equal(21, await ids.AllocateAsync()); // 11..20 were reserved by the lost call and are never handed out
    }
}
