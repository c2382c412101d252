namespace Quiver.Storage.Meta;

/// <summary>The refresh loop behind <see cref="IMetaStore.KeepLeaseAliveAsync"/>, shared by both stores.</summary>
internal static class LeaseKeepAliveLoop
{
    public static async Task RunAsync(IMetaStore store, long leaseId, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            DateTimeOffset lastRefresh = time.GetUtcNow();
            TimeSpan ttl = TimeSpan.Zero;
            while (true)
            {
                TimeSpan wait;
                try
                {
                    ttl = await store.KeepAliveAsync(leaseId, cancellationToken).ConfigureAwait(false);
                    lastRefresh = time.GetUtcNow();
                    // A third of the TTL leaves two more tries before the lease can end, as etcd's clients do.
                    wait = TimeSpan.FromTicks(Math.Max(ttl.Ticks / 3, TimeSpan.FromMilliseconds(100).Ticks));
                }
                catch (MetaStoreException e) when (e.Retriable && time.GetUtcNow() - lastRefresh < ttl)
                {
                    // The backend blinked; the lease may still be alive, so try again soon.
                    wait = TimeSpan.FromTicks(Math.Max(ttl.Ticks / 6, TimeSpan.FromMilliseconds(100).Ticks));
                }
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop: the lease is left to run out its TTL (or to be revoked by the caller).
        }
    }
}
