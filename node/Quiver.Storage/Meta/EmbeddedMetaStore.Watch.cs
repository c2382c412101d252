namespace Quiver.Storage.Meta;

// Watches: a bounded in-memory history for watches from the past, and the live watch list.
public sealed partial class EmbeddedMetaStore
{
    private sealed record Watcher(string Prefix, MetaWatch Watch);

    private readonly List<Watcher> _watchers = [];
    private readonly Queue<WatchEvent> _history = new();

    // Every event with revision >= _historyFloor is in _history; older ones are gone ("compacted").
    private long _historyFloor = 1;

    public Task<MetaWatch> WatchAsync(string prefix, long fromRevision = 0, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidatePrefix(prefix, nameof(prefix), allowEmpty: true);
        if (fromRevision < 0)
            throw new ArgumentOutOfRangeException(nameof(fromRevision), fromRevision, "fromRevision must be 0 (from now) or a revision");
        cancellationToken.ThrowIfCancellationRequested();
        MetaWatch watch;
        Watcher watcher;
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            long start = fromRevision == 0 ? _revision + 1 : fromRevision;
            if (start < _historyFloor)
            {
                throw new MetaStoreException(MetaStoreErrorCode.Compacted,
                    $"cannot watch '{prefix}' from revision {fromRevision}: meta store {_directory} keeps history from revision " +
                    $"{_historyFloor} on (its last {_options.HistoryEvents} events, since the last snapshot when reopened); " +
                    "read the current state with RangeAsync and watch from its revision + 1");
            }
            watch = new MetaWatch(prefix, start);
            foreach (var e in _history)
            {
                if (e.Revision >= start && e.Entry.Key.StartsWith(prefix, StringComparison.Ordinal))
                    watch.TryPublish(e);
            }
            watcher = new Watcher(prefix, watch);
            _watchers.Add(watcher);
        }
        // Outside the lock: an already-cancelled token disposes the watch at once, which takes the lock.
        watch.Attach(() =>
        {
            lock (_gate)
                _watchers.Remove(watcher);
            return ValueTask.CompletedTask;
        }, cancellationToken);
        return Task.FromResult(watch);
    }

    /// <summary>Appends a commit's events to the history (trimmed by whole revisions) and hands them to matching watches.</summary>
    private void PublishLocked(List<WatchEvent> events)
    {
        foreach (var e in events)
            _history.Enqueue(e);
        while (_history.Count > _options.HistoryEvents)
        {
            long oldest = _history.Peek().Revision;
            while (_history.Count > 0 && _history.Peek().Revision == oldest)
                _history.Dequeue();
            _historyFloor = oldest + 1;
        }

        if (_watchers.Count == 0)
            return;
        List<Watcher>? ended = null;
        foreach (var w in _watchers)
        {
            foreach (var e in events)
            {
                if (e.Entry.Key.StartsWith(w.Prefix, StringComparison.Ordinal) && !w.Watch.TryPublish(e))
                {
                    (ended ??= []).Add(w);
                    break;
                }
            }
        }
        if (ended is not null)
        {
            foreach (var w in ended)
                _watchers.Remove(w);
        }
    }
}
