using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>The conformance suite on <see cref="LocalObjectStore"/>, plus what only a directory tree can show.</summary>
public sealed class LocalObjectStoreTests : ObjectStoreConformanceTests
{
    private readonly ScratchDirectory _root = new("objstore-local");
    private readonly LocalObjectStore _store;

    public LocalObjectStoreTests()
    {
        _store = new LocalObjectStore(_root.Path);
    }

    protected override IObjectStore Store => _store;

    public override void Dispose()
    {
        base.Dispose();
        _root.Dispose();
    }

    private string[] FilesOnDisk() =>
        [.. Directory.GetFiles(_root.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_root.Path, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_put_leaves_only_the_object_file_at_the_key_path()
    {
        await _store.PutAsync("insert_log/1/2/3/0", Bytes(1000, seed: 1));
        await File.WriteAllBytesAsync(Scratch.File("src"), Bytes(100, seed: 2));
        await _store.PutFileAsync("insert_log/1/2/3/1", Scratch.File("src"));
        await _store.PutAsync("insert_log/1/2/3/0", Bytes(10, seed: 3)); // overwrite

        Assert.Equal(["insert_log/1/2/3/0", "insert_log/1/2/3/1"], FilesOnDisk());
        Assert.Equal(Path.Combine(_root.Path, "insert_log", "1", "2", "3", "0"), _store.PathOf("insert_log/1/2/3/0"));
    }

    [Fact]
    public async Task A_temporary_file_left_by_a_crashed_put_is_not_an_object()
    {
        await _store.PutAsync("seg/0", new byte[] { 1, 2, 3 });
        // What a put killed before its rename leaves behind: a temporary sibling, for a new key and an existing one.
        string crashedNew = Path.Combine(_root.Path, "seg", ".1.0123456789abcdef0123456789abcdef.tmp");
        string crashedOld = Path.Combine(_root.Path, "seg", ".0.fedcba9876543210fedcba9876543210.tmp");
        await File.WriteAllBytesAsync(crashedNew, [9, 9]);
        await File.WriteAllBytesAsync(crashedOld, [9, 9, 9, 9]);

        var listed = await ListAll("");
        var listedDot = await ListAll("seg/.");

        Assert.Equal(["seg/0"], listed.Select(i => i.Key));
        Assert.Empty(listedDot);
        Assert.Null(await _store.StatAsync("seg/1"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _store.GetAsync("seg/1"));
        Assert.Equal([1, 2, 3], await _store.GetAsync("seg/0"));
    }

    [Fact]
    public async Task A_dot_file_that_is_not_a_temporary_name_is_an_ordinary_key()
    {
        await _store.PutAsync("x/.hidden", new byte[] { 1 });
        await _store.PutAsync("x/.a.tmp", new byte[] { 2 });

        Assert.Equal(["x/.a.tmp", "x/.hidden"], (await ListAll("x/")).Select(i => i.Key));
    }

    [Fact]
    public async Task A_key_sorts_before_a_folder_it_prefixes_when_its_next_character_is_below_slash()
    {
        // '-' (0x2D) < '.' (0x2E) < '/' (0x2F) < '0' (0x30), compared over whole keys as S3 does.
        string[] keys = ["a/b", "a.b", "a0", "a-b", "a/.x", "b"];
        foreach (string key in keys)
            await _store.PutAsync(key, new byte[] { 1 });

        Assert.Equal(["a-b", "a.b", "a/.x", "a/b", "a0", "b"], (await ListAll("")).Select(i => i.Key));
        Assert.Equal(["a-b", "a.b", "a/.x", "a/b", "a0"], (await ListAll("a")).Select(i => i.Key));
    }

    [Fact]
    public async Task Delete_removes_directories_it_leaves_empty_but_not_the_root()
    {
        await _store.PutAsync("a/b/c/d", new byte[] { 1 });
        await _store.PutAsync("a/x", new byte[] { 2 });

        await _store.DeleteAsync("a/b/c/d");

        Assert.False(Directory.Exists(Path.Combine(_root.Path, "a", "b")));
        Assert.True(File.Exists(Path.Combine(_root.Path, "a", "x")));
        await _store.DeleteAsync("a/x");
        Assert.True(Directory.Exists(_root.Path));
        Assert.Empty(Directory.GetFileSystemEntries(_root.Path));
    }

    [Fact]
    public async Task A_key_cannot_be_both_an_object_and_a_folder()
    {
        await _store.PutAsync("p/q", new byte[] { 1 });

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync("p", new byte[] { 2 }));

        Assert.False(ex.Retriable);
        Assert.Contains("'p'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("already the folder of other keys", ex.Message, StringComparison.Ordinal);
        var below = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync("p/q/r", new byte[] { 3 }));
        Assert.Contains("'p/q' is an object", below.Message, StringComparison.Ordinal);
        await _store.DeleteAsync("p"); // a directory is not an object: nothing to delete
        Assert.Equal([1], await _store.GetAsync("p/q"));
    }

    [Fact]
    public async Task Concurrent_puts_and_deletes_under_one_directory_do_not_fail()
    {
        // A delete prunes the directory it empties while a put may be about to write into it.
        var tasks = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                await _store.PutAsync($"race/{w}", new byte[] { (byte)i });
                await _store.DeleteAsync($"race/{w}");
            }
        }));

        await Task.WhenAll(tasks);

        Assert.Empty(await ListAll("race/"));
    }

    [Fact]
    public void The_root_is_created_and_made_absolute()
    {
        using var scratch = new ScratchDirectory("objstore-root");
        string nested = Path.Combine(scratch.Path, "x", "y");

        using var store = new LocalObjectStore(nested + Path.DirectorySeparatorChar);

        Assert.True(Directory.Exists(nested));
        Assert.Equal(nested, store.RootDirectory);
        Assert.Equal("local", store.Backend);
    }
}
