namespace Quiver.Storage.Meta;

/// <summary>
/// The standalone meta store: the whole key space in memory, made durable and crash-safe by an
/// append-only, checksummed journal in one directory that is fsynced before each write returns,
/// with periodic snapshots (layout in README.md).
/// </summary>
/// <remarks>
/// <para>Concurrency: one lock serialises every call; a write holds it through its fsync, so writes
/// are as fast as the disk's flush (etcd too fsyncs each commit). Reads are served from memory.</para>
/// <para>Leases: deadlines live in memory on <see cref="EmbeddedMetaStoreOptions.TimeProvider"/>.
/// <b>Leases do not survive a restart:</b> when a directory is opened, every lease granted by an
/// earlier run (a crashed one included) is treated as expired, and the keys attached to it are
/// deleted in one revision before the store is handed out. Lease holders belong to the process that
/// ran before, so their sessions have ended with it.</para>
/// <para>Watch history is a bounded in-memory window (<see cref="EmbeddedMetaStoreOptions.HistoryEvents"/>);
/// after a reopen it holds what the journal replayed, that is everything since the last snapshot.</para>
/// <para>One process at a time: the directory is locked for the store's lifetime.</para>
/// </remarks>
public sealed partial class EmbeddedMetaStore : IMetaStore
{
    private const string LockFileName = "meta.lock";

    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly EmbeddedMetaStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly FileStream _lockFile;

    // The key space: lookup by key, and the keys in UTF-8 order for ranges.
    private readonly Dictionary<string, KeyValue> _kvs = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _keys = new(Utf8KeyComparer.Instance);
    private long _revision = 1; // etcd starts at 1 too: the first write is revision 2

    private Exception? _fault;
    private bool _disposed;

    private EmbeddedMetaStore(EmbeddedMetaStoreOptions options, FileStream lockFile)
    {
        _options = options;
        _directory = Path.GetFullPath(options.Directory);
        _time = options.TimeProvider;
        _log = options.Log ?? (static m => Console.Error.WriteLine(m));
        _lockFile = lockFile;
        _leaseTimer = _time.CreateTimer(static s => ((EmbeddedMetaStore)s!).OnLeaseTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Backend => "embedded";

    /// <summary>The directory this store lives in.</summary>
    public string Directory => _directory;

    /// <summary>
    /// Opens (or creates) the store in <see cref="EmbeddedMetaStoreOptions.Directory"/>: locks it,
    /// loads the snapshot, replays the journal (cutting a torn last record), and ends the leases of
    /// the previous run. Throws <see cref="MetaStoreException"/> with <see cref="MetaStoreErrorCode.Locked"/>
    /// when another store holds the directory, and <see cref="MetaStoreErrorCode.Corrupt"/> (naming the
    /// file and offset) when a file is damaged.
    /// </summary>
    public static EmbeddedMetaStore Open(EmbeddedMetaStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Directory))
            throw new ArgumentException("meta store directory must be set", nameof(options));
        if (options.JournalRollBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.JournalRollBytes, "JournalRollBytes must be positive");
        if (options.HistoryEvents < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.HistoryEvents, "HistoryEvents must be 0 or more");
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));

        string dir = Path.GetFullPath(options.Directory);
        System.IO.Directory.CreateDirectory(dir);
        FileStream lockFile = AcquireLock(dir);
        var store = new EmbeddedMetaStore(options, lockFile);
        try
        {
            store.Recover();
            return store;
        }
        catch
        {
            store.CloseFiles();
            throw;
        }
    }

    private static FileStream AcquireLock(string dir)
    {
        string path = Path.Combine(dir, LockFileName);
        try
        {
            // FileShare.None takes an exclusive lock (flock on Unix) for as long as the stream is open;
            // the kernel drops it if the process dies, so a crash leaves no stale lock behind.
            var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            fs.SetLength(0);
            using (var w = new StreamWriter(fs, leaveOpen: true))
                w.Write($"{Environment.ProcessId}\n");
            fs.Flush();
            return fs;
        }
        catch (IOException e)
        {
            throw new MetaStoreException(MetaStoreErrorCode.Locked,
                $"meta store directory {dir} is already open (lock file {path} is held by another store or process); " +
                "close that one first, or give this store its own directory", retriable: false, e);
        }
    }

    public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            return Task.FromResult(_revision);
        }
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            return Task.FromResult(_kvs.TryGetValue(key, out var kv) ? Copy(kv) : null);
        }
    }

    public Task<IReadOnlyList<KeyValue>> RangeAsync(string prefix, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidatePrefix(prefix, nameof(prefix), allowEmpty: true);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            var list = new List<KeyValue>();
            foreach (string key in KeysWithPrefixLocked(prefix))
                list.Add(Copy(_kvs[key]));
            return Task.FromResult<IReadOnlyList<KeyValue>>(list);
        }
    }

    public Task<long> PutAsync(string key, byte[] value, long leaseId = 0, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        MetaKeys.ValidateValue(value, nameof(value));
        MetaKeys.ValidateLeaseId(leaseId, nameof(leaseId));
        cancellationToken.ThrowIfCancellationRequested();
        byte[] copy = value.ToArray();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            RequireLeaseLocked(leaseId);
            return Task.FromResult(CommitLocked([MetaMutation.Put(key, copy, leaseId)]));
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            if (!_kvs.ContainsKey(key))
                return Task.FromResult(false);
            CommitLocked([MetaMutation.Delete(key)]);
            return Task.FromResult(true);
        }
    }

    public Task<long> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidatePrefix(prefix, nameof(prefix), allowEmpty: false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            var muts = new List<MetaMutation>();
            foreach (string key in KeysWithPrefixLocked(prefix))
                muts.Add(MetaMutation.Delete(key));
            CommitLocked(muts);
            return Task.FromResult((long)muts.Count);
        }
    }

    public Task<MetaTxnResult> TxnAsync(
        IReadOnlyList<MetaCompare> compares,
        IReadOnlyList<MetaOp> onSuccess,
        IReadOnlyList<MetaOp>? onFailure = null,
        CancellationToken cancellationToken = default)
    {
        MetaOp.ValidateTxn(compares, onSuccess, onFailure);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            bool ok = true;
            foreach (var c in compares)
            {
                if (!c.Holds(_kvs.GetValueOrDefault(c.Key)))
                {
                    ok = false;
                    break;
                }
            }
            var ops = ok ? onSuccess : onFailure ?? [];
            var muts = new List<MetaMutation>(ops.Count);
            var deleted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var op in ops)
            {
                switch (op.Kind)
                {
                    case MetaOpKind.Put:
                        RequireLeaseLocked(op.LeaseId);
                        muts.Add(MetaMutation.Put(op.Key, op.Value!.ToArray(), op.LeaseId));
                        break;
                    case MetaOpKind.Delete:
                        if (_kvs.ContainsKey(op.Key) && deleted.Add(op.Key))
                            muts.Add(MetaMutation.Delete(op.Key));
                        break;
                    case MetaOpKind.DeletePrefix:
                        foreach (string key in KeysWithPrefixLocked(op.Key))
                        {
                            if (deleted.Add(key))
                                muts.Add(MetaMutation.Delete(key));
                        }
                        break;
                }
            }
            return Task.FromResult(new MetaTxnResult(ok, CommitLocked(muts)));
        }
    }

    /// <summary>The keys starting with <paramref name="prefix"/>, in order, from a snapshot list (safe to modify the map after).</summary>
    private List<string> KeysWithPrefixLocked(string prefix)
    {
        var result = new List<string>();
        if (_keys.Count == 0)
            return result;
        IEnumerable<string> candidates;
        if (prefix.Length == 0)
        {
            candidates = _keys;
        }
        else
        {
            // Bound the view tightly: a view up to the set's end would be counted in full by SortedSet.
            string? upper = PrefixSuccessor(prefix);
            string max = _keys.Max!;
            if (Utf8KeyComparer.Instance.Compare(prefix, max) > 0)
                return result;
            if (upper is not null && Utf8KeyComparer.Instance.Compare(upper, max) < 0)
                candidates = _keys.GetViewBetween(prefix, upper);
            else
                candidates = _keys.GetViewBetween(prefix, max);
        }
        foreach (string key in candidates)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
                result.Add(key);
        }
        return result;
    }

    /// <summary>The least string above every string that starts with <paramref name="prefix"/>, or null when none exists.</summary>
    private static string? PrefixSuccessor(string prefix)
    {
        // Work on code points so the successor is ordered right by Utf8KeyComparer.
        var runes = new List<System.Text.Rune>(prefix.EnumerateRunes());
        while (runes.Count > 0)
        {
            int last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last == 0x10FFFF)
                continue;
            int next = last + 1 == 0xD800 ? 0xE000 : last + 1;
            var sb = new System.Text.StringBuilder();
            foreach (var r in runes)
                sb.Append(r.ToString());
            sb.Append(new System.Text.Rune(next).ToString());
            return sb.ToString();
        }
        return null;
    }

    private static KeyValue Copy(KeyValue kv) => kv with { Value = kv.Value.ToArray() };

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is not null)
        {
            throw new MetaStoreException(MetaStoreErrorCode.Io,
                $"meta store {_directory} stopped after a failed disk write ({_fault.Message}); reopen it to recover from the journal",
                retriable: false, _fault);
        }
    }

    /// <summary>Stops lease timers, ends every watch (normally), and closes the files and the directory lock.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
                return ValueTask.CompletedTask;
            _disposed = true;
            foreach (var w in _watchers)
                w.Watch.Complete();
            _watchers.Clear();
        }
        _leaseTimer.Dispose();
        CloseFiles();
        return ValueTask.CompletedTask;
    }

    private void CloseFiles()
    {
        _leaseTimer.Dispose();
        _journal?.Dispose();
        _lockFile.Dispose();
    }
}
