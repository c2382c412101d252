namespace Quiver.Storage.Meta;

/// <summary>A lease handed out by <see cref="IMetaStore.GrantLeaseAsync"/>.</summary>
/// <param name="Id">The lease id to put keys with; never 0.</param>
/// <param name="Ttl">
/// The time to live the store granted: the request rounded up to whole seconds, and for etcd at
/// least its minimum (about 2 s with default election settings).
/// </param>
public readonly record struct LeaseGrant(long Id, TimeSpan Ttl);
