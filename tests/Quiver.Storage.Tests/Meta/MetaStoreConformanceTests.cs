using System.Text;
using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

/// <summary>
/// The behaviour every <see cref="IMetaStore"/> shares, run against each backend by a subclass.
/// Each test works under its own random key root, and asserts revisions only relative to each other,
/// so backends shared between tests (etcd) need no reset.
/// </summary>
public abstract class MetaStoreConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(15);

    protected IMetaStore Store { get; private set; } = null!;

    /// <summary>This test's key root, e.g. "conf-1a2b3c4d5e6f/".</summary>
    protected string Root { get; } = "conf-" + Guid.NewGuid().ToString("N")[..12] + "/";

    protected abstract Task<IMetaStore> OpenStoreAsync();

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Store = await OpenStoreAsync();

    public async Task DisposeAsync()
    {
        try
        {
            await CleanupAsync();
        }
        finally
        {
            await Store.DisposeAsync();
        }
    }

    protected string K(string name) => Root + name;

    protected static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    protected static string S(byte[] b) => Encoding.UTF8.GetString(b);

    protected static async Task<List<WatchEvent>> TakeAsync(MetaWatch watch, int count, TimeSpan? within = null)
    {
        using var cts = new CancellationTokenSource(within ?? LongWait);
        var list = new List<WatchEvent>();
        try
        {
            await foreach (var e in watch.ReadAllAsync(cts.Token))
            {
                list.Add(e);
                if (list.Count == count)
                    break;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        Assert.True(list.Count == count,
            $"expected {count} events, got {list.Count}: {string.Join(", ", list.Select(e => $"{e.Type} {e.Entry.Key}@{e.Revision}"))}");
        return list;
    }

    protected static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + LongWait;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up after {LongWait.TotalSeconds} s waiting for {what}");
            await Task.Delay(100);
        }
    }

    private static async Task<MetaStoreException> ThrowsMetaAsync(MetaStoreErrorCode code, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<MetaStoreException>(action);
        Assert.Equal(code, e.Code);
        return e;
    }

    // ---- keys, values, revisions ----

    [Fact]
    public async Task Put_then_get_returns_the_value_and_its_revisions()
    {
        long before = await Store.GetRevisionAsync();
        long rev = await Store.PutAsync(K("a"), B("one"));
        Assert.True(rev > before);
        var kv = await Store.GetAsync(K("a"));
        Assert.NotNull(kv);
        Assert.Equal(K("a"), kv.Key);
        Assert.Equal("one", S(kv.Value));
        Assert.Equal(rev, kv.CreateRevision);
        Assert.Equal(rev, kv.ModRevision);
        Assert.Equal(1, kv.Version);
        Assert.Equal(0, kv.Lease);
        Assert.True(await Store.GetRevisionAsync() >= rev);
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_null_and_an_empty_value_is_kept()
    {
        Assert.Null(await Store.GetAsync(K("missing")));
        await Store.PutAsync(K("empty"), []);
        var kv = await Store.GetAsync(K("empty"));
        Assert.NotNull(kv);
        Assert.Empty(kv.Value);
    }

    [Fact]
    public async Task Overwrites_count_versions_keep_the_create_revision_and_move_the_mod_revision()
    {
        long r1 = await Store.PutAsync(K("v"), B("1"));
        long r2 = await Store.PutAsync(K("v"), B("2"));
        long r3 = await Store.PutAsync(K("v"), B("3"));
        Assert.True(r1 < r2 && r2 < r3, $"revisions {r1}, {r2}, {r3} must increase");
        var kv = await Store.GetAsync(K("v"));
        Assert.NotNull(kv);
        Assert.Equal("3", S(kv.Value));
        Assert.Equal(3, kv.Version);
        Assert.Equal(r1, kv.CreateRevision);
        Assert.Equal(r3, kv.ModRevision);
    }

    [Fact]
    public async Task Returned_values_are_copies()
    {
        byte[] value = B("abc");
        await Store.PutAsync(K("c"), value);
        value[0] = (byte)'X';
        var first = await Store.GetAsync(K("c"));
        first!.Value[1] = (byte)'Y';
        Assert.Equal("abc", S((await Store.GetAsync(K("c")))!.Value));
    }

    [Fact]
    public async Task Delete_reports_whether_the_key_existed_and_a_no_op_takes_no_revision()
    {
        await Store.PutAsync(K("d"), B("x"));
        long before = await Store.GetRevisionAsync();
        Assert.True(await Store.DeleteAsync(K("d")));
        long after = await Store.GetRevisionAsync();
        Assert.True(after > before);
        Assert.Null(await Store.GetAsync(K("d")));
        Assert.False(await Store.DeleteAsync(K("d")));
        Assert.Equal(after, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task A_key_created_again_after_a_delete_starts_at_version_1()
    {
        long r1 = await Store.PutAsync(K("again"), B("1"));
        await Store.PutAsync(K("again"), B("2"));
        await Store.DeleteAsync(K("again"));
        long r4 = await Store.PutAsync(K("again"), B("3"));
        var kv = await Store.GetAsync(K("again"));
        Assert.NotNull(kv);
        Assert.Equal(1, kv.Version);
        Assert.Equal(r4, kv.CreateRevision);
        Assert.NotEqual(r1, kv.CreateRevision);
    }

    [Fact]
    public async Task Range_returns_the_prefix_in_utf8_byte_order_and_nothing_else()
    {
        // U+FF5E sorts before U+1F600 in UTF-8 (and etcd) but after it in UTF-16 ordinal order.
        string[] inside = ["b", "a", "a/x", "ab", "\uFF5E", "\U0001F600", "é", "A", "a/"];
        foreach (string name in inside)
            await Store.PutAsync(K("r/" + name), B(name));
        foreach (string outside in new[] { "r", "r0", "q/x", "r.", "s/a" })
            await Store.PutAsync(K(outside), B(outside));

        var got = await Store.RangeAsync(K("r/"));
        var expected = inside.Select(n => K("r/" + n))
            .OrderBy(k => Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))
            .ToList();
        Assert.Equal(expected, got.Select(kv => kv.Key).ToList());
        Assert.All(got, kv => Assert.Equal(kv.Key[K("r/").Length..], S(kv.Value)));
        Assert.Empty(await Store.RangeAsync(K("nothing-here/")));
    }

    [Fact]
    public async Task DeletePrefix_deletes_only_the_prefix_in_one_revision()
    {
        foreach (string name in new[] { "d/1", "d/2", "d/3", "d2", "e/1" })
            await Store.PutAsync(K(name), B(name));
        await using var watch = await Store.WatchAsync(K(""));
        Assert.Equal(3, await Store.DeletePrefixAsync(K("d/")));
        var events = await TakeAsync(watch, 3);
        Assert.All(events, e => Assert.Equal(WatchEventType.Delete, e.Type));
        Assert.Single(events.Select(e => e.Revision).Distinct());
        Assert.Equal([K("d/1"), K("d/2"), K("d/3")], events.Select(e => e.Entry.Key).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal([K("d2"), K("e/1")], (await Store.RangeAsync(Root)).Select(kv => kv.Key).ToArray());
        Assert.Equal(0, await Store.DeletePrefixAsync(K("d/")));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_ArgumentException_naming_the_problem()
    {
        var empty = await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync("", B("x")));
        Assert.Equal("key", empty.ParamName);
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        var nullValue = await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(K("x"), null!));
        Assert.Equal("value", nullValue.ParamName);
        Assert.Contains("null", nullValue.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeletePrefixAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(K("x"), B("x"), leaseId: -1));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(K("x"), new byte[MetaKeys.MaxValueBytes + 1]));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(new string('k', MetaKeys.MaxKeyBytes + 1), B("x")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(K("\uD800"), B("x")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WatchAsync(K(""), -1));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GrantLeaseAsync(TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => MetaOp.Put("", B("x")));
        Assert.Throws<ArgumentNullException>(() => MetaCompare.Value(K("x"), CompareResult.Equal, null!));
        Assert.Empty(await Store.RangeAsync(Root));
    }

    // ---- transactions ----

    [Fact]
    public async Task Create_if_absent_succeeds_once_and_otherwise_runs_the_failure_branch()
    {
        string leader = K("election/leader");
        var first = await Store.TxnAsync([MetaCompare.Absent(leader)], [MetaOp.Put(leader, B("node-1"))], [MetaOp.Put(K("lost/node-1"), B(""))]);
        Assert.True(first.Succeeded);
        var second = await Store.TxnAsync([MetaCompare.Absent(leader)], [MetaOp.Put(leader, B("node-2"))], [MetaOp.Put(K("lost/node-2"), B(""))]);
        Assert.False(second.Succeeded);
        Assert.True(second.Revision > first.Revision);

        var kv = await Store.GetAsync(leader);
        Assert.Equal("node-1", S(kv!.Value));
        Assert.Equal(first.Revision, kv.ModRevision);
        Assert.Equal([K("lost/node-2")], (await Store.RangeAsync(K("lost/"))).Select(x => x.Key).ToArray());
        Assert.Equal(second.Revision, (await Store.GetAsync(K("lost/node-2")))!.ModRevision);
    }

    [Fact]
    public async Task Compare_and_swap_on_the_mod_revision_detects_a_concurrent_change()
    {
        string key = K("cas");
        long seen = await Store.PutAsync(key, B("1"));
        await Store.PutAsync(key, B("changed by someone else"));
        var stale = await Store.TxnAsync([MetaCompare.ModRevision(key, CompareResult.Equal, seen)], [MetaOp.Put(key, B("2"))]);
        Assert.False(stale.Succeeded);
        Assert.Equal("changed by someone else", S((await Store.GetAsync(key))!.Value));

        var current = await Store.GetAsync(key);
        var fresh = await Store.TxnAsync([MetaCompare.ModRevision(key, CompareResult.Equal, current!.ModRevision)], [MetaOp.Put(key, B("2"))]);
        Assert.True(fresh.Succeeded);
        Assert.Equal("2", S((await Store.GetAsync(key))!.Value));
    }

    [Fact]
    public async Task Compares_on_version_create_revision_value_and_lease()
    {
        string key = K("k");
        long created = await Store.PutAsync(key, B("v1"));
        await Store.PutAsync(key, B("v2"));

        async Task<bool> Holds(MetaCompare c) => (await Store.TxnAsync([c], [])).Succeeded;

        Assert.True(await Holds(MetaCompare.Version(key, CompareResult.Equal, 2)));
        Assert.False(await Holds(MetaCompare.Version(key, CompareResult.Equal, 1)));
        Assert.True(await Holds(MetaCompare.CreateRevision(key, CompareResult.Equal, created)));
        Assert.False(await Holds(MetaCompare.CreateRevision(key, CompareResult.Equal, created + 1)));
        Assert.True(await Holds(MetaCompare.Value(key, CompareResult.Equal, B("v2"))));
        Assert.False(await Holds(MetaCompare.Value(key, CompareResult.Equal, B("v1"))));
        Assert.True(await Holds(MetaCompare.Lease(key, CompareResult.Equal, 0)));
        Assert.False(await Holds(MetaCompare.Absent(key)));
        Assert.True(await Holds(MetaCompare.Absent(K("nobody"))));
        Assert.True(await Holds(MetaCompare.CreateRevision(K("nobody"), CompareResult.Equal, 0)));
        Assert.True(await Holds(MetaCompare.ModRevision(K("nobody"), CompareResult.Equal, 0)));
    }

    [Fact]
    public async Task NotEqual_less_and_greater_compare_the_key_against_the_operand()
    {
        string key = K("n");
        await Store.PutAsync(key, B("m"));
        await Store.PutAsync(key, B("m"));
        await Store.PutAsync(key, B("m")); // version 3

        async Task<bool> Holds(MetaCompare c) => (await Store.TxnAsync([c], [])).Succeeded;

        Assert.True(await Holds(MetaCompare.Version(key, CompareResult.NotEqual, 2)));
        Assert.False(await Holds(MetaCompare.Version(key, CompareResult.NotEqual, 3)));
        Assert.True(await Holds(MetaCompare.Version(key, CompareResult.Less, 4)));
        Assert.False(await Holds(MetaCompare.Version(key, CompareResult.Less, 3)));
        Assert.True(await Holds(MetaCompare.Version(key, CompareResult.Greater, 2)));
        Assert.False(await Holds(MetaCompare.Version(key, CompareResult.Greater, 3)));
        // Values compare bytewise: "m" > "l", "m" < "ma", "m" < "n".
        Assert.True(await Holds(MetaCompare.Value(key, CompareResult.Greater, B("l"))));
        Assert.True(await Holds(MetaCompare.Value(key, CompareResult.Less, B("ma"))));
        Assert.True(await Holds(MetaCompare.Value(key, CompareResult.Less, B("n"))));
        Assert.True(await Holds(MetaCompare.Value(key, CompareResult.NotEqual, B("x"))));
        // All conditions must hold.
        Assert.False((await Store.TxnAsync(
            [MetaCompare.Version(key, CompareResult.Equal, 3), MetaCompare.Value(key, CompareResult.Equal, B("other"))], [])).Succeeded);
    }

    [Fact]
    public async Task A_value_compare_on_a_missing_key_always_fails()
    {
        var r = await Store.TxnAsync([MetaCompare.Value(K("ghost"), CompareResult.NotEqual, B("anything"))], []);
        Assert.False(r.Succeeded);
    }

    [Fact]
    public async Task The_writes_of_a_transaction_share_one_revision_and_deletes_cover_prefixes()
    {
        await Store.PutAsync(K("old/1"), B("1"));
        await Store.PutAsync(K("old/2"), B("2"));
        await Store.PutAsync(K("gone"), B("x"));
        var r = await Store.TxnAsync([], [
            MetaOp.Put(K("x"), B("x")),
            MetaOp.Put(K("y"), B("y")),
            MetaOp.Delete(K("gone")),
            MetaOp.Delete(K("never-there")),
            MetaOp.DeletePrefix(K("old/")),
        ]);
        Assert.True(r.Succeeded);
        Assert.Equal(r.Revision, (await Store.GetAsync(K("x")))!.ModRevision);
        Assert.Equal(r.Revision, (await Store.GetAsync(K("y")))!.ModRevision);
        Assert.Null(await Store.GetAsync(K("gone")));
        Assert.Empty(await Store.RangeAsync(K("old/")));
        Assert.Equal(r.Revision, await Store.GetRevisionAsync());
    }

    [Fact]
    public async Task A_transaction_that_writes_nothing_keeps_the_revision()
    {
        await Store.PutAsync(K("p"), B("1"));
        long before = await Store.GetRevisionAsync();
        var r = await Store.TxnAsync([MetaCompare.Absent(K("p"))], [MetaOp.Put(K("p"), B("2"))]);
        Assert.False(r.Succeeded);
        Assert.Equal(before, r.Revision);
        Assert.Equal(before, await Store.GetRevisionAsync());
        Assert.Equal("1", S((await Store.GetAsync(K("p")))!.Value));
    }

    [Fact]
    public async Task A_transaction_branch_touching_one_key_twice_is_refused()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Store.TxnAsync([], [MetaOp.Put(K("dup"), B("1")), MetaOp.Put(K("dup"), B("2"))]));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Store.TxnAsync([], [MetaOp.Put(K("dup/a"), B("1")), MetaOp.DeletePrefix(K("dup/"))]));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Store.TxnAsync([], Enumerable.Range(0, MetaKeys.MaxTxnOps + 1).Select(i => MetaOp.Put(K($"dup/{i}"), B("x"))).ToList()));
        Assert.True((await Store.TxnAsync([], Enumerable.Range(0, MetaKeys.MaxTxnOps).Select(i => MetaOp.Put(K($"many/{i}"), B("x"))).ToList())).Succeeded);
        Assert.Equal(MetaKeys.MaxTxnOps, (await Store.RangeAsync(K("many/"))).Count);
        Assert.Empty(await Store.RangeAsync(K("dup")));
    }

    [Fact]
    public async Task Concurrent_compare_and_swap_increments_count_exactly()
    {
        const int Workers = 4, Increments = 10;
        string key = K("counter");
        await Store.PutAsync(key, B("0"));
        var tasks = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < Increments; i++)
            {
                while (true)
                {
                    var kv = (await Store.GetAsync(key))!;
                    int next = int.Parse(S(kv.Value), System.Globalization.CultureInfo.InvariantCulture) + 1;
                    var r = await Store.TxnAsync(
                        [MetaCompare.ModRevision(key, CompareResult.Equal, kv.ModRevision)],
                        [MetaOp.Put(key, B(next.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);
                    if (r.Succeeded)
                        break;
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var final = (await Store.GetAsync(key))!;
        Assert.Equal((Workers * Increments).ToString(System.Globalization.CultureInfo.InvariantCulture), S(final.Value));
        Assert.Equal(Workers * Increments + 1, final.Version);
    }

    // ---- watches ----

    [Fact]
    public async Task A_watch_from_now_delivers_puts_and_deletes_in_order_with_the_previous_state()
    {
        await Store.PutAsync(K("w/before"), B("0"));
        await using var watch = await Store.WatchAsync(K("w/"));
        long r1 = await Store.PutAsync(K("w/a"), B("1"));
        long r2 = await Store.PutAsync(K("w/a"), B("2"));
        await Store.DeleteAsync(K("w/a"));
        long r4 = await Store.PutAsync(K("w/b"), B("3"));

        var events = await TakeAsync(watch, 4);
        Assert.Equal([WatchEventType.Put, WatchEventType.Put, WatchEventType.Delete, WatchEventType.Put], events.Select(e => e.Type).ToArray());
        Assert.True(watch.StartRevision <= r1);
        Assert.Equal(r1, events[0].Revision);
        Assert.Null(events[0].Previous);
        Assert.Equal(0, events[0].PreviousModRevision);
        Assert.Equal(r2, events[1].Revision);
        Assert.Equal(r1, events[1].PreviousModRevision);
        Assert.Equal("1", S(events[1].Previous!.Value));
        Assert.Equal(2, events[1].Entry.Version);
        Assert.Equal(K("w/a"), events[2].Entry.Key);
        Assert.Empty(events[2].Entry.Value);
        Assert.Equal(r2, events[2].PreviousModRevision);
        Assert.True(events[2].Revision > r2);
        Assert.Equal(r4, events[3].Revision);
        Assert.Equal("3", S(events[3].Entry.Value));
    }

    [Fact]
    public async Task A_watch_from_a_past_revision_replays_history_then_follows()
    {
        long r1 = await Store.PutAsync(K("h/a"), B("1"));
        await Store.PutAsync(K("h/b"), B("2"));
        await Store.DeleteAsync(K("h/a"));
        await using var watch = await Store.WatchAsync(K("h/"), r1);
        Assert.Equal(r1, watch.StartRevision);
        long r4 = await Store.PutAsync(K("h/c"), B("4"));

        var events = await TakeAsync(watch, 4);
        Assert.Equal([K("h/a"), K("h/b"), K("h/a"), K("h/c")], events.Select(e => e.Entry.Key).ToArray());
        Assert.Equal([WatchEventType.Put, WatchEventType.Put, WatchEventType.Delete, WatchEventType.Put], events.Select(e => e.Type).ToArray());
        Assert.Equal(r1, events[0].Revision);
        Assert.Equal(r4, events[3].Revision);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision < p.Second.Revision));

        // From the second event's revision: the first is not repeated.
        await using var later = await Store.WatchAsync(K("h/"), events[1].Revision);
        var tail = await TakeAsync(later, 3);
        Assert.Equal(events.Skip(1).Select(e => e.Revision), tail.Select(e => e.Revision));
    }

    [Fact]
    public async Task A_watch_sees_only_its_prefix()
    {
        await using var watch = await Store.WatchAsync(K("mine/"));
        await Store.PutAsync(K("other/1"), B("x"));
        await Store.PutAsync(K("mine"), B("x"));
        await Store.PutAsync(K("mine/1"), B("x"));
        await Store.TxnAsync([], [MetaOp.Put(K("other/2"), B("x")), MetaOp.Put(K("mine/2"), B("x"))]);
        var events = await TakeAsync(watch, 2);
        Assert.Equal([K("mine/1"), K("mine/2")], events.Select(e => e.Entry.Key).ToArray());
    }

    [Fact]
    public async Task Cancelling_the_watch_token_ends_the_enumeration()
    {
        using var cts = new CancellationTokenSource();
        var watch = await Store.WatchAsync(K("c/"), 0, cts.Token);
        await Store.PutAsync(K("c/1"), B("x"));
        using var guard = new CancellationTokenSource(LongWait);
        var seen = new List<WatchEvent>();
        // Ends normally (no OperationCanceledException) once the watch's own token is cancelled.
        await foreach (var e in watch.ReadAllAsync(guard.Token))
        {
            seen.Add(e);
            await cts.CancelAsync();
            await Store.PutAsync(K("c/2"), B("x"));
        }
        Assert.Equal(K("c/1"), Assert.Single(seen).Entry.Key);
        await watch.DisposeAsync();
    }

    [Fact]
    public async Task Disposing_a_watch_ends_the_enumeration_and_delivers_what_was_queued()
    {
        var watch = await Store.WatchAsync(K("x/"));
        await Store.PutAsync(K("x/1"), B("x"));
        Assert.Single(await TakeAsync(watch, 1));
        await watch.DisposeAsync();
        await Store.PutAsync(K("x/2"), B("x"));
        var rest = new List<WatchEvent>();
        await foreach (var e in watch.ReadAllAsync().WithCancellation(new CancellationTokenSource(LongWait).Token))
            rest.Add(e);
        Assert.Empty(rest);
    }

    // ---- leases ----

    [Fact]
    public async Task Lease_expiry_deletes_the_attached_keys_in_one_revision_and_emits_deletes()
    {
        var lease = await Store.GrantLeaseAsync(TimeSpan.FromSeconds(1));
        Assert.NotEqual(0, lease.Id);
        Assert.True(lease.Ttl >= TimeSpan.FromSeconds(1));
        await Store.PutAsync(K("l/a"), B("a"), lease.Id);
        await Store.PutAsync(K("l/b"), B("b"), lease.Id);
        await Store.PutAsync(K("l/keep"), B("c"));
        Assert.Equal(lease.Id, (await Store.GetAsync(K("l/a")))!.Lease);

        await using var watch = await Store.WatchAsync(K("l/"));
        var events = await TakeAsync(watch, 2);
        Assert.All(events, e => Assert.Equal(WatchEventType.Delete, e.Type));
        Assert.All(events, e => Assert.Equal(lease.Id, e.Previous!.Lease));
        Assert.Single(events.Select(e => e.Revision).Distinct());
        Assert.Equal([K("l/a"), K("l/b")], events.Select(e => e.Entry.Key).Order(StringComparer.Ordinal).ToArray());
        Assert.Null(await Store.GetAsync(K("l/a")));
        Assert.NotNull(await Store.GetAsync(K("l/keep")));
        await ThrowsMetaAsync(MetaStoreErrorCode.LeaseNotFound, () => Store.KeepAliveAsync(lease.Id));
    }

    [Fact]
    public async Task Keeping_a_lease_alive_keeps_its_key_until_stopped()
    {
        // 2 s (etcd's usual minimum anyway): refreshes every ~0.7 s stay well inside it on a loaded 2-core runner.
        var lease = await Store.GrantLeaseAsync(TimeSpan.FromSeconds(2));
        await Store.PutAsync(K("alive"), B("x"), lease.Id);
        Assert.Equal(lease.Ttl, await Store.KeepAliveAsync(lease.Id));

        using var stop = new CancellationTokenSource();
        var keeper = Store.KeepLeaseAliveAsync(lease.Id, stop.Token);
        await Task.Delay(lease.Ttl * 2 + TimeSpan.FromSeconds(1));
        Assert.False(keeper.IsCompleted, keeper.Exception?.ToString());
        Assert.NotNull(await Store.GetAsync(K("alive")));

        await stop.CancelAsync();
        await keeper.WaitAsync(LongWait); // completes normally when stopped
        await WaitUntilAsync(async () => await Store.GetAsync(K("alive")) is null, "the key to go with its lease");
    }

    [Fact]
    public async Task Revoke_deletes_the_keys_and_reports_whether_the_lease_was_alive()
    {
        var lease = await Store.GrantLeaseAsync(TimeSpan.FromSeconds(60));
        await Store.PutAsync(K("rv/1"), B("x"), lease.Id);
        await Store.PutAsync(K("rv/2"), B("x"), lease.Id);
        await using var watch = await Store.WatchAsync(K("rv/"));
        Assert.True(await Store.RevokeLeaseAsync(lease.Id));
        Assert.Empty(await Store.RangeAsync(K("rv/")));
        var events = await TakeAsync(watch, 2);
        Assert.Single(events.Select(e => e.Revision).Distinct());
        Assert.False(await Store.RevokeLeaseAsync(lease.Id));
        await ThrowsMetaAsync(MetaStoreErrorCode.LeaseNotFound, () => Store.KeepAliveAsync(lease.Id));
    }

    [Fact]
    public async Task Putting_with_an_unknown_or_expired_lease_fails_clearly()
    {
        const long Unknown = 0x7ABC_0000_1234;
        var unknown = await ThrowsMetaAsync(MetaStoreErrorCode.LeaseNotFound, () => Store.PutAsync(K("u"), B("x"), Unknown));
        Assert.Contains("lease", unknown.Message, StringComparison.Ordinal);
        Assert.False(unknown.Retriable);
        await ThrowsMetaAsync(MetaStoreErrorCode.LeaseNotFound,
            () => Store.TxnAsync([], [MetaOp.Put(K("u"), B("x"), Unknown)]));
        Assert.Null(await Store.GetAsync(K("u")));

        var lease = await Store.GrantLeaseAsync(TimeSpan.FromSeconds(1));
        await Store.PutAsync(K("e"), B("x"), lease.Id);
        await WaitUntilAsync(async () => await Store.GetAsync(K("e")) is null, "the lease to expire");
        await ThrowsMetaAsync(MetaStoreErrorCode.LeaseNotFound, () => Store.PutAsync(K("e"), B("x"), lease.Id));
        Assert.Null(await Store.GetAsync(K("e")));
    }

    [Fact]
    public async Task Putting_without_a_lease_detaches_the_key_from_its_lease()
    {
        var lease = await Store.GrantLeaseAsync(TimeSpan.FromSeconds(60));
        await Store.PutAsync(K("det"), B("1"), lease.Id);
        await Store.PutAsync(K("det"), B("2"));
        Assert.Equal(0, (await Store.GetAsync(K("det")))!.Lease);
        Assert.True(await Store.RevokeLeaseAsync(lease.Id));
        Assert.Equal("2", S((await Store.GetAsync(K("det")))!.Value));
    }
}
