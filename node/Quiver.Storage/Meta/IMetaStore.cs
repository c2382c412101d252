namespace Quiver.Storage.Meta;

/// <summary>
/// A small revisioned key-value store with etcd v3's model: every write gets the next store-wide
/// revision, keys carry create/mod revisions and a version, transactions compare then write, watches
/// replay from a revision, and leases delete their keys when they end. Coordinators keep their
/// metadata here and elect leaders with it. <see cref="EmbeddedMetaStore"/> serves standalone,
/// <see cref="EtcdMetaStore"/> a cluster; both pass one conformance suite.
/// </summary>
/// <remarks>
/// Revisions: a write that changes nothing (deleting a missing key, a transaction branch without
/// writes, a prefix delete matching nothing) takes no revision. All writes of one call share one
/// revision. Revisions are store-wide, so callers compare them, never count them.
/// Errors: bad arguments throw <see cref="ArgumentException"/> naming the parameter; everything else
/// throws <see cref="MetaStoreException"/> with a <see cref="MetaStoreErrorCode"/> and
/// <see cref="MetaStoreException.Retriable"/>. A store used after disposal throws <see cref="ObjectDisposedException"/>.
/// All members are safe to call concurrently.
/// </remarks>
public interface IMetaStore : IAsyncDisposable
{
    /// <summary>"embedded" or "etcd", for logs.</summary>
    string Backend { get; }

    /// <summary>The store's current revision (the revision of the latest write; 1 for a new store).</summary>
    Task<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>The key, or null when it does not exist.</summary>
    Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every key starting with <paramref name="prefix"/> ("" for all), in UTF-8 byte order.</summary>
    Task<IReadOnlyList<KeyValue>> RangeAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces a key and returns the revision of the write. A non-zero
    /// <paramref name="leaseId"/> attaches the key to that lease (which must be alive, or
    /// <see cref="MetaStoreErrorCode.LeaseNotFound"/> is thrown); 0 detaches it from any lease.
    /// </summary>
    Task<long> PutAsync(string key, byte[] value, long leaseId = 0, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes every key starting with the non-empty <paramref name="prefix"/>, in one revision; returns how many.</summary>
    Task<long> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically: if every comparison holds, runs <paramref name="onSuccess"/>, otherwise
    /// <paramref name="onFailure"/> (none when null). The writes of the branch share one revision.
    /// </summary>
    Task<MetaTxnResult> TxnAsync(
        IReadOnlyList<MetaCompare> compares,
        IReadOnlyList<MetaOp> onSuccess,
        IReadOnlyList<MetaOp>? onFailure = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Watches keys starting with <paramref name="prefix"/> ("" for all). Changes at or after
    /// <paramref name="fromRevision"/> are delivered, in order; 0 means from the next write on.
    /// Returns once the watch is registered. Throws <see cref="MetaStoreErrorCode.Compacted"/> when
    /// that history is gone. Cancelling <paramref name="cancellationToken"/> ends the watch.
    /// </summary>
    Task<MetaWatch> WatchAsync(string prefix, long fromRevision = 0, CancellationToken cancellationToken = default);

    /// <summary>Grants a lease of at least <paramref name="ttl"/> (rounded up to whole seconds).</summary>
    Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Refreshes a lease once, restarting its time to live, and returns that TTL.
    /// Throws <see cref="MetaStoreErrorCode.LeaseNotFound"/> when the lease has ended.
    /// </summary>
    Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Refreshes a lease every third of its TTL until <paramref name="cancellationToken"/> is
    /// cancelled, then completes normally. Retriable failures are retried while the lease can still
    /// be alive; it throws when the lease is lost (<see cref="MetaStoreErrorCode.LeaseNotFound"/>, or
    /// the last error once its TTL has passed without a refresh).
    /// </summary>
    Task KeepLeaseAliveAsync(long leaseId, CancellationToken cancellationToken);

    /// <summary>Ends a lease now and deletes its keys (one revision); false when it had already ended.</summary>
    Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default);
}
