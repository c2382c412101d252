using Quiver.Storage.Meta;

namespace Quiver.Node.Tests.Coordinator;

/// <summary>
/// Passes everything to a real store, except that when armed, the next transaction is carried out and
/// then reported as failed (a reply lost on the way back, as a network or a cancellation can lose it).
/// </summary>
internal sealed class LostReplyMetaStore(IMetaStore inner) : IMetaStore
{
    private int _armed;

    public void LoseNextTxnReply() => Volatile.Write(ref _armed, 1);

    public string Backend => inner.Backend;

    public async Task<MetaTxnResult> TxnAsync(IReadOnlyList<MetaCompare> compares, IReadOnlyList<MetaOp> onSuccess,
        IReadOnlyList<MetaOp>? onFailure = null, CancellationToken cancellationToken = default)
    {
        var result = await inner.TxnAsync(compares, onSuccess, onFailure, cancellationToken);
        if (Interlocked.Exchange(ref _armed, 0) == 1)
            throw new MetaStoreException(MetaStoreErrorCode.Unavailable, "reply lost (test)", retriable: true);
        return result;
    }

    public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) => inner.GetRevisionAsync(cancellationToken);
    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);
    public Task<IReadOnlyList<KeyValue>> RangeAsync(string prefix, CancellationToken cancellationToken = default) => inner.RangeAsync(prefix, cancellationToken);
    public Task<long> PutAsync(string key, byte[] value, long leaseId = 0, CancellationToken cancellationToken = default) => inner.PutAsync(key, value, leaseId, cancellationToken);
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    public Task<long> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) => inner.DeletePrefixAsync(prefix, cancellationToken);
    public Task<MetaWatch> WatchAsync(string prefix, long fromRevision = 0, CancellationToken cancellationToken = default) => inner.WatchAsync(prefix, fromRevision, cancellationToken);
    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) => inner.GrantLeaseAsync(ttl, cancellationToken);
    public Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default) => inner.KeepAliveAsync(leaseId, cancellationToken);
    public Task KeepLeaseAliveAsync(long leaseId, CancellationToken cancellationToken) => inner.KeepLeaseAliveAsync(leaseId, cancellationToken);
    public Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default) => inner.RevokeLeaseAsync(leaseId, cancellationToken);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the test disposes the real store
}
