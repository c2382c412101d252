using System.Buffers.Binary;
using System.Text;
using Quiver.Kernel.Hashing;
using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

/// <summary>What only the embedded store has: durability across reopen and crashes, its files, its lock, its clock.</summary>
public sealed class EmbeddedMetaStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "quiver-meta-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _log = [];

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private EmbeddedMetaStore Open(long rollBytes = 16L << 20, int history = 10_000, TimeProvider? time = null, string? dir = null) =>
        EmbeddedMetaStore.Open(new EmbeddedMetaStoreOptions
        {
            Directory = dir ?? _dir,
            JournalRollBytes = rollBytes,
            HistoryEvents = history,
            TimeProvider = time ?? TimeProvider.System,
            Log = m =>
            {
                lock (_log)
                    _log.Add(m);
            },
        });

    private string Journal(string? dir = null) => Assert.Single(Directory.GetFiles(dir ?? _dir, "*.journal"));

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[] b) => Encoding.UTF8.GetString(b);

    private static async Task<List<KeyValue>> AllAsync(IMetaStore store) => [.. await store.RangeAsync("")];

    private static void AssertSameState(IReadOnlyList<KeyValue> expected, IReadOnlyList<KeyValue> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Key, actual[i].Key);
            Assert.Equal(expected[i].Value, actual[i].Value);
            Assert.Equal(expected[i].CreateRevision, actual[i].CreateRevision);
            Assert.Equal(expected[i].ModRevision, actual[i].ModRevision);
            Assert.Equal(expected[i].Version, actual[i].Version);
            Assert.Equal(expected[i].Lease, actual[i].Lease);
        }
    }

    [Fact]
    public async Task A_new_store_starts_at_revision_1_and_its_first_write_is_revision_2()
    {
        await using var store = Open();
        Assert.Equal("embedded", store.Backend);
        Assert.Equal(1, await store.GetRevisionAsync());
        Assert.Equal(2, await store.PutAsync("a", B("1")));
    }

    [Fact]
    public async Task Reopening_keeps_keys_values_revisions_and_versions()
    {
        List<KeyValue> before;
        long revision;
        await using (var store = Open())
        {
            await store.PutAsync("meta/a", B("1"));
            await store.PutAsync("meta/a", B("2"));
            await store.PutAsync("meta/b", B("b"));
            await store.PutAsync("meta/c", B("c"));
            await store.DeleteAsync("meta/c");
            await store.TxnAsync([MetaCompare.Absent("meta/d")], [MetaOp.Put("meta/d", B("d")), MetaOp.Put("meta/e", [])]);
            before = await AllAsync(store);
            revision = await store.GetRevisionAsync();
        }
        await using (var store = Open())
        {
            AssertSameState(before, await AllAsync(store));
            Assert.Equal(revision, await store.GetRevisionAsync());

            // Without a snapshot, the replayed journal is the whole history: a watch from revision 1 sees it all.
            await using var watch = await store.WatchAsync("meta/", 1);
            var replayed = new List<WatchEvent>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await foreach (var e in watch.ReadAllAsync(cts.Token))
            {
                replayed.Add(e);
                if (replayed.Count == 7)
                    break;
            }
            Assert.Equal(Enumerable.Range(2, 6).Select(i => (long)i), replayed.Select(e => e.Revision).Distinct());
            Assert.Equal(revision, replayed[^1].Revision);

            Assert.Equal(revision + 1, await store.PutAsync("meta/a", B("3")));
            Assert.Equal(3, (await store.GetAsync("meta/a"))!.Version);
        }
        Assert.Empty(_log);
    }

    [Fact]
    public async Task Reopening_after_a_crash_ends_the_leases_of_the_previous_run()
    {
        string crashImage = _dir + "-crash";
        long oldLease;
        long revision;
        await using (var store = Open())
        {
            var lease = await store.GrantLeaseAsync(TimeSpan.FromMinutes(10));
            oldLease = lease.Id;
            await store.PutAsync("session/node-1", B("alive"), lease.Id);
            await store.PutAsync("session/node-2", B("alive"), lease.Id);
            await store.PutAsync("plain", B("kept"));
            revision = await store.GetRevisionAsync();
            // The files as a crash would leave them: every acknowledged write is already fsynced.
            Directory.CreateDirectory(crashImage);
            File.Copy(Journal(), Path.Combine(crashImage, Path.GetFileName(Journal())));
        }
        try
        {
            await using var reopened = Open(dir: crashImage);
            Assert.Empty(await reopened.RangeAsync("session/"));
            Assert.Equal("kept", S((await reopened.GetAsync("plain"))!.Value));
            Assert.Equal(revision + 1, await reopened.GetRevisionAsync());
            Assert.Contains(_log, m => m.Contains("lease", StringComparison.Ordinal) && m.Contains("2 key(s)", StringComparison.Ordinal));
            var e = await Assert.ThrowsAsync<MetaStoreException>(() => reopened.PutAsync("session/node-1", B("x"), oldLease));
            Assert.Equal(MetaStoreErrorCode.LeaseNotFound, e.Code);
            Assert.True((await reopened.GrantLeaseAsync(TimeSpan.FromSeconds(5))).Id > oldLease);
        }
        finally
        {
            Directory.Delete(crashImage, recursive: true);
        }
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_and_every_record_before_it_survives()
    {
        var lengths = new List<long>();
        var revisions = new List<long>();
        await using (var store = Open())
        {
            for (int i = 1; i <= 5; i++)
            {
                revisions.Add(await store.PutAsync($"k{i}", B(new string('v', 40 + i))));
                lengths.Add(new FileInfo(Journal()).Length);
            }
        }
        long cut = lengths[3] + (lengths[4] - lengths[3]) / 2;
        using (var fs = new FileStream(Journal(), FileMode.Open))
            fs.SetLength(cut);

        await using (var store = Open())
        {
            Assert.Equal(["k1", "k2", "k3", "k4"], (await AllAsync(store)).Select(kv => kv.Key).ToArray());
            Assert.Equal(revisions[3], await store.GetRevisionAsync());
            Assert.Equal(lengths[3], new FileInfo(Journal()).Length);
            string note = Assert.Single(_log);
            Assert.Contains("torn", note, StringComparison.Ordinal);
            Assert.Contains($"offset {lengths[3]}", note, StringComparison.Ordinal);
            Assert.Equal(revisions[3] + 1, await store.PutAsync("k6", B("after")));
        }
        await using (var store = Open())
            Assert.Equal(["k1", "k2", "k3", "k4", "k6"], (await AllAsync(store)).Select(kv => kv.Key).ToArray());
    }

    [Fact]
    public async Task A_zero_filled_tail_is_cut_like_a_torn_record()
    {
        await using (var store = Open())
        {
            await store.PutAsync("a", B("1"));
            await store.PutAsync("b", B("2"));
        }
        long length = new FileInfo(Journal()).Length;
        using (var fs = new FileStream(Journal(), FileMode.Append))
            fs.Write(new byte[100]);
        await using (var store = Open())
        {
            Assert.Equal(2, (await AllAsync(store)).Count);
            Assert.Equal(length, new FileInfo(Journal()).Length);
        }
        Assert.Contains("torn", Assert.Single(_log), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flipped_byte_before_the_last_record_is_refused_with_its_offset()
    {
        var lengths = new List<long>();
        await using (var store = Open())
        {
            lengths.Add(new FileInfo(Journal()).Length);
            for (int i = 1; i <= 5; i++)
            {
                await store.PutAsync($"k{i}", B(new string('v', 40)));
                lengths.Add(new FileInfo(Journal()).Length);
            }
        }
        string path = Journal();
        byte[] pristine = File.ReadAllBytes(path);

        // In the payload of the third record.
        byte[] damaged = pristine.ToArray();
        damaged[lengths[2] + 20] ^= 0x01;
        File.WriteAllBytes(path, damaged);
        var e = Assert.Throws<MetaStoreException>(() => Open());
        Assert.Equal(MetaStoreErrorCode.Corrupt, e.Code);
        Assert.False(e.Retriable);
        Assert.Contains($"offset {lengths[2]}", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, File.ReadAllBytes(path)); // refused, not "repaired"

        // In the length field of the second record's header.
        damaged = pristine.ToArray();
        damaged[lengths[1] + 1] ^= 0x40;
        File.WriteAllBytes(path, damaged);
        e = Assert.Throws<MetaStoreException>(() => Open());
        Assert.Equal(MetaStoreErrorCode.Corrupt, e.Code);
        Assert.Contains($"offset {lengths[1]}", e.Message, StringComparison.Ordinal);

        // A failed open released the directory: with the file restored, it opens.
        File.WriteAllBytes(path, pristine);
        await using var store2 = Open();
        Assert.Equal(5, (await AllAsync(store2)).Count);
    }

    [Fact]
    public async Task A_full_journal_rolls_into_a_snapshot_and_a_fresh_journal()
    {
        List<KeyValue> before;
        long revision;
        long first;
        await using (var store = Open(rollBytes: 2048))
        {
            first = await store.PutAsync("key/000", B("first"));
            for (int i = 0; i < 120; i++)
                await store.PutAsync($"key/{i % 40:D3}", B(new string((char)('a' + i % 26), 50)));
            await store.DeletePrefixAsync("key/03");
            before = await AllAsync(store);
            revision = await store.GetRevisionAsync();

            string snapshot = Assert.Single(Directory.GetFiles(_dir, "*.snapshot"));
            string journal = Journal();
            Assert.NotEqual("meta-00000000.snapshot", Path.GetFileName(snapshot));
            Assert.Equal(Path.GetFileNameWithoutExtension(snapshot), Path.GetFileNameWithoutExtension(journal));
            Assert.True(new FileInfo(journal).Length <= 2048 + 200);
            Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

            // The history in memory spans the roll.
            await using var watch = await store.WatchAsync("key/", first);
            int seen = 0;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await foreach (var e in watch.ReadAllAsync(cts.Token))
            {
                if (++seen == 131)
                    break;
            }
            Assert.Equal(131, seen);
        }

        await using (var store = Open(rollBytes: 2048))
        {
            Assert.Equal(30, before.Count);
            AssertSameState(before, await AllAsync(store));
            Assert.Equal(revision, await store.GetRevisionAsync());
            Assert.Equal(4, (await store.GetAsync("key/000"))!.Version);
            // After a reopen, history starts after the snapshot.
            var e = await Assert.ThrowsAsync<MetaStoreException>(() => store.WatchAsync("key/", first));
            Assert.Equal(MetaStoreErrorCode.Compacted, e.Code);
            Assert.Contains($"revision {first}", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_roll_interrupted_before_its_journal_existed_recovers_and_leftovers_are_removed()
    {
        List<KeyValue> before;
        long revision;
        await using (var store = Open(rollBytes: 512))
        {
            // Write until a roll has just happened: snapshot 1 and a journal holding only its header.
            for (int i = 0; !File.Exists(Path.Combine(_dir, "meta-00000001.snapshot")); i++)
                await store.PutAsync($"k/{i:D3}", B(new string('x', 60)));
            Assert.Equal(20, new FileInfo(Journal()).Length);
            before = await AllAsync(store);
            revision = await store.GetRevisionAsync();
        }
        // As if the process died after renaming snapshot 1 into place, before creating journal 1,
        // with generation 0 and a temporary file still lying around.
        File.Delete(Path.Combine(_dir, "meta-00000001.journal"));
        File.WriteAllBytes(Path.Combine(_dir, "meta-00000000.journal"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(_dir, "meta-00000000.snapshot"), [4, 5, 6]);
        File.WriteAllBytes(Path.Combine(_dir, "meta-00000002.snapshot.tmp"), [7]);

        await using (var store = Open(rollBytes: 512))
        {
            AssertSameState(before, await AllAsync(store));
            Assert.Equal(revision, await store.GetRevisionAsync());
            Assert.Equal(
                ["meta-00000001.journal", "meta-00000001.snapshot", "meta.lock"],
                Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
            await store.PutAsync("after", B("1"));
        }
        await using (var store = Open(rollBytes: 512))
            Assert.NotNull(await store.GetAsync("after"));
    }

    [Fact]
    public async Task A_damaged_snapshot_is_refused_naming_it()
    {
        await using (var store = Open(rollBytes: 256))
        {
            for (int i = 0; i < 10; i++)
                await store.PutAsync($"k/{i}", B(new string('x', 60)));
        }
        string snapshot = Assert.Single(Directory.GetFiles(_dir, "*.snapshot"));
        byte[] bytes = File.ReadAllBytes(snapshot);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(snapshot, bytes);
        var e = Assert.Throws<MetaStoreException>(() => Open(rollBytes: 256));
        Assert.Equal(MetaStoreErrorCode.Corrupt, e.Code);
        Assert.Contains(snapshot, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_opener_of_the_directory_is_refused()
    {
        await using (var store = Open())
        {
            var e = Assert.Throws<MetaStoreException>(() => Open());
            Assert.Equal(MetaStoreErrorCode.Locked, e.Code);
            Assert.Contains(Path.GetFullPath(_dir), e.Message, StringComparison.Ordinal);
            await store.PutAsync("still", B("works"));
        }
        await using var again = Open();
        Assert.NotNull(await again.GetAsync("still"));
    }

    [Fact]
    public async Task Lease_deadlines_follow_the_injected_clock()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = Open(time: clock);
        var lease = await store.GrantLeaseAsync(TimeSpan.FromMilliseconds(4500));
        Assert.Equal(TimeSpan.FromSeconds(5), lease.Ttl); // whole seconds, as etcd
        await store.PutAsync("s/1", B("x"), lease.Id);
        await using var watch = await store.WatchAsync("s/");

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.NotNull(await store.GetAsync("s/1"));
        await store.KeepAliveAsync(lease.Id);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.NotNull(await store.GetAsync("s/1"));
        clock.Advance(TimeSpan.FromSeconds(1)); // 5 s after the refresh: the timer fires and ends it
        var e = Assert.Single(await TakeOneAsync(watch));
        Assert.Equal(WatchEventType.Delete, e.Type);
        Assert.Null(await store.GetAsync("s/1"));
    }

    private static async Task<List<WatchEvent>> TakeOneAsync(MetaWatch watch)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in watch.ReadAllAsync(cts.Token))
            return [e];
        return [];
    }

    [Fact]
    public async Task Watching_before_the_history_window_fails_as_compacted()
    {
        await using var store = Open(history: 5);
        var revisions = new List<long>();
        for (int i = 0; i < 10; i++)
            revisions.Add(await store.PutAsync($"h/{i}", B("x")));
        var e = await Assert.ThrowsAsync<MetaStoreException>(() => store.WatchAsync("h/", revisions[0]));
        Assert.Equal(MetaStoreErrorCode.Compacted, e.Code);
        Assert.False(e.Retriable);
        await using var watch = await store.WatchAsync("h/", revisions[5]);
        var got = new List<long>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var ev in watch.ReadAllAsync(cts.Token))
        {
            got.Add(ev.Revision);
            if (got.Count == 5)
                break;
        }
        Assert.Equal(revisions[5..], got);
    }

    [Fact]
    public async Task A_journal_from_a_newer_major_version_is_refused()
    {
        await using (var store = Open())
            await store.PutAsync("a", B("1"));
        byte[] file = File.ReadAllBytes(Journal());
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(16), Crc32C.Compute(file.AsSpan(0, 16)));
        File.WriteAllBytes(Journal(), file);
        var e = Assert.Throws<MetaStoreException>(() => Open());
        Assert.Equal(MetaStoreErrorCode.UnsupportedVersion, e.Code);
        Assert.Contains("format 2.0", e.Message, StringComparison.Ordinal);
        Assert.Contains(Journal(), e.Message, StringComparison.Ordinal);
    }

    /// <summary>Builds a journal from README.md's description alone, so the format cannot drift unnoticed.</summary>
    [Fact]
    public async Task A_journal_written_to_the_documented_format_1_0_is_read()
    {
        static byte[] Frame(byte[] payload)
        {
            var f = new byte[12 + payload.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(f, (uint)payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(4), Crc32C.Compute(payload));
            BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(8), Crc32C.Compute(f.AsSpan(0, 8)));
            payload.CopyTo(f, 12);
            return f;
        }
        static byte[] Commit(long revision, params (byte Op, string Key, string? Value, long Lease)[] muts)
        {
            var ms = new MemoryStream();
            var w = new BinaryWriter(ms); // little-endian
            w.Write((byte)1); // record version
            w.Write((byte)1); // commit
            w.Write(revision);
            w.Write((uint)muts.Length);
            foreach (var (op, key, value, lease) in muts)
            {
                w.Write(op);
                byte[] k = Encoding.UTF8.GetBytes(key);
                w.Write((uint)k.Length);
                w.Write(k);
                if (op == 1)
                {
                    byte[] v = Encoding.UTF8.GetBytes(value!);
                    w.Write((uint)v.Length);
                    w.Write(v);
                    w.Write(lease);
                }
            }
            return Frame(ms.ToArray());
        }
        static byte[] Grant(long id, long ttlMs)
        {
            var p = new byte[18];
            p[0] = 1;
            p[1] = 2;
            BinaryPrimitives.WriteInt64LittleEndian(p.AsSpan(2), id);
            BinaryPrimitives.WriteInt64LittleEndian(p.AsSpan(10), ttlMs);
            return Frame(p);
        }

        var header = new byte[20];
        Encoding.ASCII.GetBytes("QVMJ").CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 0);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), Crc32C.Compute(header.AsSpan(0, 16)));

        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(Path.Combine(_dir, "meta-00000000.journal"), [
            .. header,
            .. Commit(2, (1, "a", "1", 0), (1, "b", "2", 0)),
            .. Grant(7, 10_000),
            .. Commit(3, (1, "a", "one", 0), (1, "leased", "x", 7)),
            .. Commit(4, (2, "b", null, 0)),
        ]);

        await using var store = Open();
        var all = await AllAsync(store);
        Assert.Equal(["a"], all.Select(kv => kv.Key).ToArray());
        Assert.Equal("one", S(all[0].Value));
        Assert.Equal((2L, 3L, 2L), (all[0].CreateRevision, all[0].ModRevision, all[0].Version));
        Assert.Equal(5, await store.GetRevisionAsync()); // revision 5 deleted "leased": its lease died with the writer
        Assert.True((await store.GrantLeaseAsync(TimeSpan.FromSeconds(1))).Id > 7);
    }

    [Fact]
    public async Task A_disposed_store_refuses_calls()
    {
        var store = Open();
        await store.DisposeAsync();
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("a"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.PutAsync("a", B("1")));
    }

    [Fact]
    public async Task Disposing_the_store_ends_its_watches()
    {
        var store = Open();
        var watch = await store.WatchAsync("");
        await store.DisposeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in watch.ReadAllAsync(cts.Token))
            Assert.Fail($"unexpected event {e}");
    }
}
