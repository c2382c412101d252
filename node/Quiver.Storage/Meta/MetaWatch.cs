using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Quiver.Storage.Meta;

/// <summary>
/// An established watch on a key prefix, returned by <see cref="IMetaStore.WatchAsync"/> once the
/// backend has registered it, so that every change at or after <see cref="StartRevision"/> is delivered.
/// </summary>
/// <remarks>
/// Read with <see cref="ReadAllAsync"/>. The enumeration ends normally when the watch is disposed or
/// the token given to <see cref="IMetaStore.WatchAsync"/> is cancelled, and ends with a
/// <see cref="MetaStoreException"/> when the watch breaks (backend lost, history compacted, reader
/// too slow); to resume, watch again from the last seen revision + 1. Events queue in memory until
/// read; a watch more than <see cref="MaxBacklog"/> events behind is ended with
/// <see cref="MetaStoreErrorCode.WatchOverflow"/> rather than growing without bound.
/// </remarks>
public sealed class MetaWatch : IAsyncDisposable
{
    /// <summary>Unread events a watch may hold before it is ended.</summary>
    public const int MaxBacklog = 100_000;

    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private Func<ValueTask>? _onDispose;
    private CancellationTokenRegistration _cancelRegistration;
    private int _disposed;

    internal MetaWatch(string prefix, long startRevision)
    {
        Prefix = prefix;
        StartRevision = startRevision;
    }

    /// <summary>The watched prefix ("" for every key).</summary>
    public string Prefix { get; }

    /// <summary>The first revision this watch delivers.</summary>
    public long StartRevision { get; }

    /// <summary>Wires the backend's release and the caller's token; called once, before the watch is handed out.</summary>
    internal void Attach(Func<ValueTask> onDispose, CancellationToken cancellationToken)
    {
        _onDispose = onDispose;
        if (cancellationToken.CanBeCanceled)
            _cancelRegistration = cancellationToken.Register(static s => _ = ((MetaWatch)s!).DisposeAsync().AsTask(), this);
    }

    /// <summary>Queues an event; false when the watch has ended. Ends the watch on overflow.</summary>
    internal bool TryPublish(WatchEvent e)
    {
        if (Volatile.Read(ref _disposed) != 0)
            return false; // disposal has begun: nothing after it is delivered
        if (_events.Reader.Count >= MaxBacklog)
        {
            Fail(new MetaStoreException(MetaStoreErrorCode.WatchOverflow,
                $"watch on '{Prefix}' fell {MaxBacklog} events behind and was ended; watch again from revision {e.Revision}"));
            return false;
        }
        return _events.Writer.TryWrite(e);
    }

    /// <summary>Ends the enumeration with <paramref name="error"/>.</summary>
    internal void Fail(Exception error) => _events.Writer.TryComplete(error);

    /// <summary>Ends the enumeration normally.</summary>
    internal void Complete() => _events.Writer.TryComplete();

    /// <summary>Events in revision order until the watch ends. Cancelling <paramref name="cancellationToken"/> stops this read only.</summary>
    public async IAsyncEnumerable<WatchEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = _events.Reader;
        // WaitToReadAsync rethrows the exception the watch was failed with, unwrapped.
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var e))
                yield return e;
        }
    }

    /// <summary>Stops the watch; the enumeration ends after the events already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _cancelRegistration.DisposeAsync().ConfigureAwait(false);
        try
        {
            if (_onDispose is not null)
                await _onDispose().ConfigureAwait(false);
        }
        finally
        {
            Complete();
        }
    }
}
