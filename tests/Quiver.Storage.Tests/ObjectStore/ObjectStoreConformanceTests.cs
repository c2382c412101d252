using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>
/// The <see cref="IObjectStore"/> contract, run against every backend by a subclass that supplies
/// an empty store. xunit makes a new instance (so a new, empty store) for each test.
/// </summary>
public abstract class ObjectStoreConformanceTests : IDisposable
{
    /// <summary>Large enough to cross the S3 subclass's multipart threshold (8 MiB) in four 5 MiB parts, with a short last one.</summary>
    protected const int LargeObjectSize = (20 << 20) + 12_345;

    protected ObjectStoreConformanceTests()
    {
        Scratch = new ScratchDirectory("objstore-files");
    }

    /// <summary>An empty store for this test.</summary>
    protected abstract IObjectStore Store { get; }

    /// <summary>Local files for PutFileAsync sources and GetToFileAsync targets.</summary>
    protected ScratchDirectory Scratch { get; }

    public virtual void Dispose()
    {
        Store.Dispose();
        Scratch.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    protected async Task<List<ObjectInfo>> ListAll(string prefix)
    {
        var all = new List<ObjectInfo>();
        await foreach (var info in Store.ListAsync(prefix))
            all.Add(info);
        return all;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(300_001)]
    public async Task Put_then_get_returns_the_same_bytes(int length)
    {
        byte[] data = Bytes(length, seed: length);
        await Store.PutAsync("insert_log/1/2/3/100", data);

        byte[] read = await Store.GetAsync("insert_log/1/2/3/100");

        Assert.Equal(length, read.Length);
        Assert.True(data.AsSpan().SequenceEqual(read), "bytes differ");
        var stat = await Store.StatAsync("insert_log/1/2/3/100");
        Assert.NotNull(stat);
        Assert.Equal(length, stat.Value.Size);
    }

    [Fact]
    public async Task Put_of_a_slice_stores_only_the_slice()
    {
        byte[] data = Bytes(1000, seed: 7);
        await Store.PutAsync("a/slice", data.AsMemory(100, 50));

        Assert.Equal(data[100..150], await Store.GetAsync("a/slice"));
    }

    [Fact]
    public async Task A_large_file_round_trips_through_PutFile_Get_and_GetToFile()
    {
        byte[] data = Bytes(LargeObjectSize, seed: 20);
        string source = Scratch.File("large.bin");
        await File.WriteAllBytesAsync(source, data);
        string key = ObjectKeys.IndexFilesPrefix(5, 1, 2, 3) + "HNSW";

        await Store.PutFileAsync(key, source);

        Assert.Equal(LargeObjectSize, (await Store.StatAsync(key))!.Value.Size);
        byte[] read = await Store.GetAsync(key);
        Assert.True(data.AsSpan().SequenceEqual(read), "GetAsync bytes differ");
        string copy = Scratch.File("copy/large.bin");
        await Store.GetToFileAsync(key, copy);
        byte[] copied = await File.ReadAllBytesAsync(copy);
        Assert.True(data.AsSpan().SequenceEqual(copied), "GetToFileAsync bytes differ");
        // A range across the 5 MiB part boundary of the S3 upload.
        long boundary = 5L << 20;
        Assert.Equal(data[(int)(boundary - 10)..(int)(boundary + 10)], await Store.GetRangeAsync(key, boundary - 10, 20));
    }

    [Fact]
    public async Task PutFile_of_a_small_file_and_an_empty_file()
    {
        byte[] data = Bytes(777, seed: 3);
        await File.WriteAllBytesAsync(Scratch.File("small"), data);
        await File.WriteAllBytesAsync(Scratch.File("empty"), []);

        await Store.PutFileAsync("f/small", Scratch.File("small"));
        await Store.PutFileAsync("f/empty", Scratch.File("empty"));

        Assert.Equal(data, await Store.GetAsync("f/small"));
        Assert.Empty(await Store.GetAsync("f/empty"));
    }

    [Fact]
    public async Task Overwrite_replaces_the_whole_object()
    {
        await Store.PutAsync("k", Bytes(10_000, seed: 1));
        byte[] shorter = Bytes(100, seed: 2);

        await Store.PutAsync("k", shorter);

        Assert.Equal(shorter, await Store.GetAsync("k"));
        Assert.Equal(100, (await Store.StatAsync("k"))!.Value.Size);
    }

    [Fact]
    public async Task GetRange_reads_the_middle_clamps_at_the_end_and_is_empty_past_it()
    {
        byte[] data = Bytes(1000, seed: 11);
        await Store.PutAsync("r", data);

        Assert.Equal(data[100..350], await Store.GetRangeAsync("r", 100, 250));
        Assert.Equal(data[..1], await Store.GetRangeAsync("r", 0, 1));
        Assert.Equal(data[990..], await Store.GetRangeAsync("r", 990, 100));
        Assert.Equal(data, await Store.GetRangeAsync("r", 0, 1000));
        Assert.Empty(await Store.GetRangeAsync("r", 1000, 10));
        Assert.Empty(await Store.GetRangeAsync("r", 5000, 10));
        Assert.Empty(await Store.GetRangeAsync("r", 10, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.GetRangeAsync("r", -1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.GetRangeAsync("r", 0, -1));
    }

    [Fact]
    public async Task GetRange_of_an_empty_object_is_empty()
    {
        await Store.PutAsync("empty", ReadOnlyMemory<byte>.Empty);

        Assert.Empty(await Store.GetRangeAsync("empty", 0, 10));
    }

    [Fact]
    public async Task Stat_gives_size_and_time_or_null()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        await Store.PutAsync("s/one", Bytes(123, seed: 5));

        var stat = await Store.StatAsync("s/one");

        Assert.NotNull(stat);
        Assert.Equal("s/one", stat.Value.Key);
        Assert.Equal(123, stat.Value.Size);
        Assert.InRange(stat.Value.LastModified, before, DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Null(await Store.StatAsync("s/two"));
        Assert.Null(await Store.StatAsync("s")); // a prefix of a key is not an object
    }

    [Fact]
    public async Task List_returns_keys_under_a_prefix_in_ordinal_order()
    {
        // Keys that share stems across folders. (A key such as "a.b" beside a folder "a/" is ordered in
        // LocalObjectStoreTests: s3rver, unlike S3, lists a folder before such a sibling.)
        string[] keys = ["b", "a0", "a/c/d", "a/b", "a/c/e/f", "a/b0", "ab", "a/ba"];
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
            await Store.PutAsync(key, Bytes(i + 1, seed: i));

        var all = await ListAll("");
        var under = await ListAll("a/");
        var partial = await ListAll("a");
        var nested = await ListAll("a/c/");
        var partialNested = await ListAll("a/b");
        var none = await ListAll("zzz");

        Assert.Equal(["a/b", "a/b0", "a/ba", "a/c/d", "a/c/e/f", "a0", "ab", "b"], all.Select(i => i.Key));
        Assert.Equal(["a/b", "a/b0", "a/ba", "a/c/d", "a/c/e/f"], under.Select(i => i.Key));
        Assert.Equal(["a/b", "a/b0", "a/ba", "a/c/d", "a/c/e/f", "a0", "ab"], partial.Select(i => i.Key));
        Assert.Equal(["a/c/d", "a/c/e/f"], nested.Select(i => i.Key));
        Assert.Equal(["a/b", "a/b0", "a/ba"], partialNested.Select(i => i.Key));
        Assert.Empty(none);
        Assert.Equal(Array.IndexOf(keys, "a/c/d") + 1, all.Single(i => i.Key == "a/c/d").Size);
    }

    [Fact]
    public async Task List_by_a_prefix_that_ends_inside_a_segment_id()
    {
        await Store.PutAsync(ObjectKeys.InsertLogPrefix(1, 10, 2) + "0", new byte[] { 1 });
        await Store.PutAsync(ObjectKeys.InsertLogPrefix(1, 10, 20) + "0", new byte[] { 2 });
        await Store.PutAsync(ObjectKeys.InsertLogPrefix(1, 10, 3) + "0", new byte[] { 3 });
        await Store.PutAsync(ObjectKeys.DeltaLogPrefix(1, 10, 2) + "0", new byte[] { 4 });

        var listed = await ListAll("insert_log/1/10/2");

        Assert.Equal(["insert_log/1/10/2/0", "insert_log/1/10/20/0"], listed.Select(i => i.Key));
    }

    [Fact]
    public async Task List_rejects_invalid_prefixes()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await ListAll("/a"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await ListAll("a/../b/"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await ListAll("a//"));
    }

    [Fact]
    public async Task Delete_removes_and_is_idempotent()
    {
        await Store.PutAsync("d/x/1", new byte[] { 1, 2, 3 });
        await Store.PutAsync("d/y", new byte[] { 4 });

        await Store.DeleteAsync("d/x/1");
        await Store.DeleteAsync("d/x/1");
        await Store.DeleteAsync("d/never");

        Assert.Null(await Store.StatAsync("d/x/1"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("d/x/1"));
        Assert.Equal(["d/y"], (await ListAll("d/")).Select(i => i.Key));
        // The key can be written again after the delete.
        await Store.PutAsync("d/x/1", new byte[] { 9 });
        Assert.Equal([9], await Store.GetAsync("d/x/1"));
    }

    [Fact]
    public async Task A_missing_key_throws_ObjectNotFound()
    {
        await Store.PutAsync("m/present", new byte[] { 1 });

        var get = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("m/absent"));
        Assert.Equal("m/absent", get.Key);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetRangeAsync("m/absent", 0, 10));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetRangeAsync("m/absent", 0, 0));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetToFileAsync("m/absent", Scratch.File("absent")));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("m")); // a prefix, not an object
        Assert.False(File.Exists(Scratch.File("absent")));
    }

    public static TheoryData<string> InvalidKeys =>
        ["", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", "..", "../escape", "a\\b", "a\nb", "a\0b", "x/.name.0123456789abcdef0123456789abcdef.tmp"];

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task Invalid_keys_are_rejected_by_every_operation(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutFileAsync(key, Scratch.File("none")));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetRangeAsync(key, 0, 1));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetToFileAsync(key, Scratch.File("none")));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.StatAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key));
        Assert.Empty(await ListAll(""));
    }

    /// <summary>
    /// Whether the server replaces an object atomically: true for the local store (rename) and for S3
    /// and MinIO. False for s3rver, which truncates and rewrites the object's file in place, so
    /// overlapping uploads interleave on its disk and a GET during a PUT reads a torn file.
    /// </summary>
    protected virtual bool ServerReplacesObjectsAtomically => true;

    [Fact]
    public async Task Concurrent_puts_of_one_key_leave_one_whole_version_and_readers_never_see_a_mix()
    {
        const int size = 256 << 10;
        const string key = "c/contended";
        // Version v is `size` bytes of value v: a torn or mixed object has two values or the wrong length.
        // On a server that rewrites in place (s3rver) one writer puts versions back to back instead, and a
        // reader may be refused (the client checks the body against its ETag and reports a torn read as an
        // ObjectStoreException) but must still never be handed a torn or mixed object.
        bool atomic = ServerReplacesObjectsAtomically;
        int writers = atomic ? 6 : 1;
        int putsPerWriter = atomic ? 4 : 24;
        await Store.PutAsync(key, Version(0));

        using var done = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            int reads = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                byte[] read;
                try
                {
                    read = await Store.GetAsync(key);
                }
                catch (ObjectStoreException) when (!atomic)
                {
                    continue;
                }
                AssertWhole(read);
                reads++;
            }
            return reads;
        })).ToArray();
        var puts = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < putsPerWriter; i++)
                await Store.PutAsync(key, Version(1 + ((w + i * writers) % 200)));
        })).ToArray();

        await Task.WhenAll(puts);
        await done.CancelAsync();
        int[] reads = await Task.WhenAll(readers);

        Assert.All(reads, r => Assert.True(r > 0));
        byte[] final = await Store.GetAsync(key);
        AssertWhole(final);
        Assert.NotEqual(0, final[0]);

        static byte[] Version(int v) => Enumerable.Repeat((byte)v, size).ToArray();

        static void AssertWhole(byte[] read)
        {
            Assert.Equal(size, read.Length);
            Assert.True(read.AsSpan().IndexOfAnyExcept(read[0]) < 0, $"a read mixed version {read[0]} with another");
        }
    }

    [Fact]
    public async Task GetToFile_writes_the_object_and_replaces_an_existing_file()
    {
        byte[] data = Bytes(50_000, seed: 9);
        await Store.PutAsync("g/obj", data);
        await Store.PutAsync("g/empty", ReadOnlyMemory<byte>.Empty);
        string target = Scratch.File("out/obj.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllBytesAsync(target, Bytes(90_000, seed: 10));

        await Store.GetToFileAsync("g/obj", target);
        await Store.GetToFileAsync("g/empty", Scratch.File("out/empty.bin"));

        Assert.Equal(data, await File.ReadAllBytesAsync(target));
        Assert.Empty(await File.ReadAllBytesAsync(Scratch.File("out/empty.bin")));
        Assert.Equal(["empty.bin", "obj.bin"], Directory.GetFiles(Scratch.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Keys_of_the_shared_layout_round_trip()
    {
        string[] keys =
        [
            ObjectKeys.InsertLogPrefix(449, 450, 451) + "0/100.arrow",
            ObjectKeys.DeltaLogPrefix(449, 450, 451) + "1",
            ObjectKeys.StatsLogPrefix(449, 450, 451) + "manifest",
            ObjectKeys.IndexFilesPrefix(7, 1, 450, 451) + "IVF_FLAT",
            ObjectKeys.WalPrefix("by-dev-rootcoord-dml_0") + "00000001.log",
        ];
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
            await Store.PutAsync(key, Bytes(10 + i, seed: i));

        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
            Assert.Equal(Bytes(10 + i, seed: i), await Store.GetAsync(key));
        Assert.Equal(keys.Order(StringComparer.Ordinal), (await ListAll("")).Select(i => i.Key));
    }
}
