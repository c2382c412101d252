using System.Runtime.CompilerServices;

namespace Quiver.Storage.ObjectStore;

/// <summary>
/// The standalone object store: each key is a file under a root directory, at the key's path
/// (<c>insert_log/1/2/3/0.arrow</c> → <c>{root}/insert_log/1/2/3/0.arrow</c>).
/// </summary>
/// <remarks>
/// A put writes a temporary sibling, fsyncs it, renames it over the key's file and fsyncs the
/// directory (<see cref="AtomicFile"/>), so readers and crashes see the old object or the new one.
/// Temporary files (<c>.{name}.{32 hex}.tmp</c>) are never listed, and <see cref="ObjectKeys.Validate"/>
/// refuses keys shaped like them. A filesystem cannot hold both <c>a</c> and <c>a/b</c>, which S3 can;
/// the key layout never does that, and a put that tries fails with a non-retriable <see cref="ObjectStoreException"/>.
/// </remarks>
public sealed class LocalObjectStore : IObjectStore
{
    // A delete removes empty parent directories; a put racing with it can find its directory gone
    // between creating it and creating the temporary file, and then simply creates it again.
    private const int MaxDirectoryRaces = 8;

    private readonly string _root;

    /// <summary>Opens (creating if needed) the store rooted at <paramref name="rootDirectory"/>.</summary>
    public LocalObjectStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        Directory.CreateDirectory(_root);
    }

    /// <summary>The absolute root directory.</summary>
    public string RootDirectory => _root;

    /// <inheritdoc/>
    public string Backend => "local";

    /// <summary>The file that holds <paramref name="key"/> (whether or not it exists).</summary>
    public string PathOf(string key)
    {
        ObjectKeys.Validate(key);
        string path = Path.GetFullPath(Path.Join(_root, key.Replace('/', Path.DirectorySeparatorChar)));
        // Validate already refuses '..' and absolute keys; this keeps the invariant visible.
        if (!path.StartsWith(_root, StringComparison.Ordinal) || path.Length <= _root.Length || path[_root.Length] != Path.DirectorySeparatorChar)
            throw new ArgumentException($"object key '{key}' resolves outside the store root", nameof(key));
        return path;
    }

    /// <inheritdoc/>
    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        return WriteAsync("put", key, path, (stream, ct) => stream.WriteAsync(data, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task PutFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        string target = PathOf(key);
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await WriteAsync("put file", key, target, async (stream, ct) =>
        {
            source.Position = 0; // a retried write after a directory race starts over
            await source.CopyToAsync(stream, CopyBufferSize, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            throw Translate("get", key, path, ex);
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            long size = RandomAccess.GetLength(handle);
            int count = (int)Math.Clamp(size - offset, 0, length);
            byte[] buffer = count == 0 ? [] : new byte[count];
            int filled = 0;
            while (filled < count)
            {
                int read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(filled), offset + filled, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                    break; // the file cannot shrink under an open handle with atomic puts; be safe anyway
                filled += read;
            }
            return filled == count ? buffer : buffer[..filled];
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            throw Translate("get range", key, path, ex);
        }
    }

    /// <inheritdoc/>
    public async Task GetToFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        string source = PathOf(key);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        try
        {
            await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await AtomicFile.WriteAsync(target, (stream, ct) => new ValueTask(input.CopyToAsync(stream, CopyBufferSize, ct)), syncDirectory: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            throw Translate("get to file", key, source, ex);
        }
    }

    /// <inheritdoc/>
    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        var file = new FileInfo(path);
        return Task.FromResult<ObjectInfo?>(file.Exists
            ? new ObjectInfo(key, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero))
            : null);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        // Walk only the deepest directory the prefix names completely; the partial last part filters names.
        int lastSlash = prefix.LastIndexOf('/');
        string directoryKey = lastSlash < 0 ? "" : prefix[..lastSlash];
        string directory = directoryKey.Length == 0 ? _root : Path.Join(_root, directoryKey.Replace('/', Path.DirectorySeparatorChar));
        foreach (var info in Walk(directory, directoryKey.Length == 0 ? "" : directoryKey + "/", prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return info;
        }
        await Task.CompletedTask.ConfigureAwait(false); // the walk is synchronous; the interface is async for S3
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (Directory.Exists(path))
                return Task.CompletedTask; // a prefix of other keys, not an object
            File.Delete(path); // a missing file is not an error
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask; // nor is a missing directory (pruned by an earlier delete)
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            throw Translate("delete", key, path, ex);
        }
        RemoveEmptyParents(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    /// <summary>Nothing to release: every operation opens and closes its own files.</summary>
    public void Dispose()
    {
    }

    private const int CopyBufferSize = 1 << 20;

    private async Task WriteAsync(
        string operation, string key, string path, Func<FileStream, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        string directory = Path.GetDirectoryName(path)!;
        for (int race = 0; ; race++)
        {
            try
            {
                CreateDirectoryDurably(directory);
                await AtomicFile.WriteAsync(path, write, syncDirectory: true, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (IOException ex) when (ex is DirectoryNotFoundException or FileNotFoundException && race < MaxDirectoryRaces)
            {
                // A concurrent delete pruned the directory we just made; make it again. (.NET reports the
                // ENOENT of creating the temporary file as FileNotFound when the directory is back by the time it looks.)
            }
            catch (Exception ex) when (IsFileSystemError(ex))
            {
                throw new ObjectStoreException(
                    $"local object store at '{_root}': {operation} of '{key}' failed{ConflictHint(key, path)}: {ex.Message}", retriable: false, ex);
            }
        }
    }

    /// <summary>Names the object/folder clash behind a failed put, which a filesystem has and S3 does not.</summary>
    private string ConflictHint(string key, string path)
    {
        if (Directory.Exists(path))
            return $": '{key}' is already the folder of other keys";
        for (string? d = Path.GetDirectoryName(path); d is not null && d.Length > _root.Length; d = Path.GetDirectoryName(d))
        {
            if (File.Exists(d))
                return $": '{Path.GetRelativePath(_root, d).Replace(Path.DirectorySeparatorChar, '/')}' is an object, so it cannot also be a folder";
        }
        return "";
    }

    /// <summary>Creates <paramref name="directory"/> and its missing parents, and fsyncs each new entry's parent.</summary>
    private void CreateDirectoryDurably(string directory)
    {
        if (Directory.Exists(directory))
            return;
        var missing = new List<string>();
        for (string? d = directory; d is not null && d.Length > _root.Length && !Directory.Exists(d); d = Path.GetDirectoryName(d))
            missing.Add(d);
        Directory.CreateDirectory(directory);
        // Parents first, so that each new directory is durable before the one inside it.
        for (int i = missing.Count - 1; i >= 0; i--)
            PosixDirectory.Sync(Path.GetDirectoryName(missing[i])!);
    }

    private void RemoveEmptyParents(string directory)
    {
        for (string? d = directory; d is not null && d.Length > _root.Length; d = Path.GetDirectoryName(d))
        {
            try
            {
                Directory.Delete(d, recursive: false);
            }
            catch (IOException)
            {
                return; // not empty (or already gone): its parents are not empty either
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Yields the objects under <paramref name="directory"/> whose keys start with <paramref name="prefix"/>,
    /// in ordinal key order without sorting all keys: within a directory, entries are ordered by
    /// their name as a key piece ("name" for a file, "name/" for a directory), which orders
    /// <c>a.b</c> &lt; <c>a/…</c> &lt; <c>a0</c> exactly as the full keys compare.
    /// </summary>
    private IEnumerable<ObjectInfo> Walk(string directory, string directoryKey, string prefix)
    {
        FileSystemInfo[] entries;
        try
        {
            entries = new DirectoryInfo(directory).GetFileSystemInfos();
        }
        catch (DirectoryNotFoundException)
        {
            yield break;
        }
        var pieces = new (string Piece, FileSystemInfo Entry)[entries.Length];
        for (int i = 0; i < entries.Length; i++)
            pieces[i] = (entries[i] is DirectoryInfo ? entries[i].Name + "/" : entries[i].Name, entries[i]);
        Array.Sort(pieces, static (x, y) => string.CompareOrdinal(x.Piece, y.Piece));

        foreach (var (piece, entry) in pieces)
        {
            string key = directoryKey + piece;
            if (entry is DirectoryInfo)
            {
                // Descend only where some key below could start with the prefix.
                if (key.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(key, StringComparison.Ordinal))
                {
                    foreach (var info in Walk(entry.FullName, key, prefix))
                        yield return info;
                }
            }
            else if (entry is FileInfo file && key.StartsWith(prefix, StringComparison.Ordinal) && !AtomicFile.IsTemporaryName(piece))
            {
                long size;
                DateTime modified;
                try
                {
                    file.Refresh();
                    if (!file.Exists)
                        continue; // deleted since the directory was read
                    size = file.Length;
                    modified = file.LastWriteTimeUtc;
                }
                catch (FileNotFoundException)
                {
                    continue;
                }
                yield return new ObjectInfo(key, size, new DateTimeOffset(modified, TimeSpan.Zero));
            }
        }
    }

    private static bool IsFileSystemError(Exception ex) => ex is IOException or UnauthorizedAccessException;

    private Exception Translate(string operation, string key, string path, Exception ex)
    {
        // Reading a directory (a key that is only a prefix) fails with an access error on Linux.
        if (ex is FileNotFoundException or DirectoryNotFoundException || Directory.Exists(path) || !File.Exists(path))
            return new ObjectNotFoundException(Backend, key);
        return new ObjectStoreException($"local object store at '{_root}': {operation} of '{key}' failed: {ex.Message}", retriable: false, ex);
    }
}
