using System.Text.Json;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Tests.Coordinator;

public sealed class TimestampOracleTests : IDisposable
{
    private const string Key = "test/meta/coordinator/tso";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ScratchDirectory _dir = new("tso");

    public void Dispose() => _dir.Dispose();

    private EmbeddedMetaStore OpenStore() => EmbeddedMetaStore.Open(new EmbeddedMetaStoreOptions { Directory = _dir.Path, Log = _ => { } });

    private static async Task<long> SavedBoundAsync(IMetaStore meta) =>
        JsonDocument.Parse((await meta.GetAsync(Key))!.Value).RootElement.GetProperty("physicalBoundMs").GetInt64();

    [Fact]
    public async Task TimestampsStrictlyIncreaseUnderEightConcurrentTasks()
    {
        await using var meta = OpenStore();
        // A short window makes the eight tasks race through several bound saves as well.
        var tso = await TimestampOracle.OpenAsync(meta, Key, TimeProvider.System, TimeSpan.FromMilliseconds(5));
        var perTask = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var mine = new List<(ulong First, int Count)>();
            for (int i = 0; i < 3000; i++)
            {
                int count = 1 + (i + t) % 4;
                mine.Add((await tso.AllocateAsync(count), count));
            }
            return mine;
        })));

        foreach (var mine in perTask)
        {
            for (int i = 1; i < mine.Count; i++)
                Assert.True(mine[i].First >= mine[i - 1].First + (ulong)mine[i - 1].Count, "a task's timestamps must increase past its previous range");
        }
        // Ranges of all tasks together never overlap, and each stays inside one millisecond.
        var all = perTask.SelectMany(x => x).OrderBy(r => r.First).ToList();
        for (int i = 1; i < all.Count; i++)
            Assert.True(all[i].First >= all[i - 1].First + (ulong)all[i - 1].Count, $"ranges overlap at {all[i].First}");
        Assert.All(all, r => Assert.Equal(HybridTimestamp.Physical(r.First), HybridTimestamp.Physical(r.First + (ulong)r.Count - 1)));
    }

    [Fact]
    public async Task TimestampsIncreaseAcrossReopenEvenWhenTheClockGoesBack()
    {
        var clock = new ManualClock(Start);
        ulong last;
        await using (var meta = OpenStore())
        {
            var tso = await TimestampOracle.OpenAsync(meta, Key, clock);
            last = 0;
            for (int i = 0; i < 100; i++)
            {
                ulong ts = await tso.AllocateAsync();
                Assert.True(ts > last);
                last = ts;
            }
            Assert.Equal(clock.NowMs, HybridTimestamp.Physical(last));
            Assert.Equal(99, HybridTimestamp.Logical(last));
        }

        clock.Advance(TimeSpan.FromHours(-1));
        await using (var meta = OpenStore())
        {
            var tso = await TimestampOracle.OpenAsync(meta, Key, clock);
            ulong ts = await tso.AllocateAsync();
            Assert.True(ts > last, "the first timestamp after a restart must exceed the last one before it");
            // It starts at the bound the previous run saved (its start + 3 s), not at the clock.
            Assert.Equal(Start.ToUnixTimeMilliseconds() + 3000, HybridTimestamp.Physical(ts));
            Assert.Equal(0, HybridTimestamp.Logical(ts));
        }

        // And with the real clock it follows the clock (or the saved bound, whichever is later).
        await using (var meta = OpenStore())
        {
            var tso = await TimestampOracle.OpenAsync(meta, Key, TimeProvider.System);
            long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            ulong ts = await tso.AllocateAsync();
            Assert.True(ts > last);
            Assert.True(HybridTimestamp.Physical(ts) >= before);
        }
    }

    [Fact]
    public async Task AClockGoingBackWhileRunningNeverRepeatsAndEveryTimestampStaysUnderTheSavedBound()
    {
        var clock = new ManualClock(Start);
        await using var meta = OpenStore();
        var tso = await TimestampOracle.OpenAsync(meta, Key, clock);
        ulong last = 0;
        TimeSpan[] steps = [TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(-2), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(-1), TimeSpan.FromSeconds(30), TimeSpan.Zero];
        foreach (var step in steps)
        {
            clock.Advance(step);
            for (int i = 0; i < 10; i++)
            {
                ulong ts = await tso.AllocateAsync();
                Assert.True(ts > last, $"after a step of {step}");
                last = ts;
                // Persisted before handed out: a crash now would restart above this timestamp.
                Assert.True(HybridTimestamp.Physical(ts) < await SavedBoundAsync(meta));
            }
        }
        Assert.Equal(clock.NowMs, HybridTimestamp.Physical(last));
    }

    [Fact]
    public async Task LogicalOverflowMovesToTheNextMillisecond()
    {
        var clock = new ManualClock(Start);
        long t = clock.NowMs;
        await using var meta = OpenStore();
        var tso = await TimestampOracle.OpenAsync(meta, Key, clock);

        ulong a = await tso.AllocateAsync((int)HybridTimestamp.LogicalPerMillisecond - 1);
        Assert.Equal(HybridTimestamp.Compose(t, 0), a);
        ulong b = await tso.AllocateAsync(2); // does not fit in the one logical value left
        Assert.Equal(HybridTimestamp.Compose(t + 1, 0), b);
        ulong c = await tso.AllocateAsync((int)HybridTimestamp.LogicalPerMillisecond);
        Assert.Equal(HybridTimestamp.Compose(t + 2, 0), c);

        // One at a time, with the clock standing still: the counter wraps into the next millisecond.
        ulong last = c;
        for (int i = 0; i < HybridTimestamp.LogicalPerMillisecond + 3; i++)
        {
            ulong ts = await tso.AllocateAsync();
            Assert.True(ts > last);
            last = ts;
        }
        Assert.Equal(HybridTimestamp.Compose(t + 4, 2), last);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await tso.AllocateAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await tso.AllocateAsync((int)HybridTimestamp.LogicalPerMillisecond + 1));
    }

    [Fact]
    public async Task AnOracleWhoseKeyWasTakenOverStops()
    {
        var clock = new ManualClock(Start);
        await using var meta = OpenStore();
        var first = await TimestampOracle.OpenAsync(meta, Key, clock);
        ulong a = await first.AllocateAsync();
        var second = await TimestampOracle.OpenAsync(meta, Key, clock);
        ulong b = await second.AllocateAsync();
        Assert.True(b > a);

        clock.Advance(TimeSpan.FromSeconds(10)); // past the first oracle's bound: it must save, and finds the key moved
        var e = await Assert.ThrowsAsync<QuiverException>(async () => await first.AllocateAsync());
        Assert.Equal(ErrorCode.Unavailable, e.Code);
        Assert.Contains(Key, e.Message);
        await Assert.ThrowsAsync<QuiverException>(async () => await first.AllocateAsync()); // and stays stopped
        Assert.True(await second.AllocateAsync() > b);
    }

    [Fact]
    public async Task ANewerRecordVersionIsRefusedWithTheKeyNamed()
    {
        await using var meta = OpenStore();
        await meta.PutAsync(Key, """{"version":9,"physicalBoundMs":1}"""u8.ToArray());
        var e = await Assert.ThrowsAsync<QuiverException>(() => TimestampOracle.OpenAsync(meta, Key, TimeProvider.System));
        Assert.Equal(ErrorCode.DataCorrupted, e.Code);
        Assert.Contains(Key, e.Message);
        Assert.Contains("version 9", e.Message);
    }

    [Fact]
    public async Task ASaveWhoseReplyWasLostIsRecognisedAsOurs()
    {
        var clock = new ManualClock(Start);
        await using var store = OpenStore();
        var meta = new LostReplyMetaStore(store);
        var tso = await TimestampOracle.OpenAsync(meta, Key, clock);
        ulong a = await tso.AllocateAsync();
        clock.Advance(TimeSpan.FromSeconds(10));
        meta.LoseNextTxnReply();
        var e = await Assert.ThrowsAsync<QuiverException>(async () => await tso.AllocateAsync());
        Assert.Equal(ErrorCode.Unavailable, e.Code);
        Assert.True(e.Retriable);
        // The save landed; the next call finds our own record on the key and carries on.
        ulong b = await tso.AllocateAsync();
        Assert.True(b > a);
        Assert.True(HybridTimestamp.Physical(b) < await SavedBoundAsync(store));
    }
}
