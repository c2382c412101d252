namespace Quiver.Storage.Meta;

/// <summary>
/// One key as the meta store holds it, with etcd v3's bookkeeping: the revision that created it,
/// the revision that last changed it, how many times it was put since it was created, and the
/// lease it is attached to.
/// </summary>
/// <param name="Key">The full key, namespaced by the caller (see <see cref="MetaKeys"/>).</param>
/// <param name="Value">
/// The stored bytes; empty for a delete event. Get and Range hand out the caller's own copy; a watch
/// event's bytes may be shared with other watches of the same store, so treat them as read-only.
/// </param>
/// <param name="CreateRevision">Revision of the put that created the key (0 in a delete event).</param>
/// <param name="ModRevision">Revision of the last change: the put, or the delete in a delete event.</param>
/// <param name="Version">Puts since creation: 1 after the first, reset by a delete (0 in a delete event).</param>
/// <param name="Lease">The lease the key is attached to; 0 for none.</param>
public sealed record KeyValue(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);
