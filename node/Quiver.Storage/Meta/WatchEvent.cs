namespace Quiver.Storage.Meta;

/// <summary>
/// One change seen by a watch. Events arrive in revision order; the changes of one transaction
/// share a revision and arrive in the transaction's order.
/// </summary>
/// <param name="Type">Put or delete.</param>
/// <param name="Entry">
/// The key after the change. For a delete only <see cref="KeyValue.Key"/> and
/// <see cref="KeyValue.ModRevision"/> (the deleting revision) are set, as in etcd.
/// </param>
/// <param name="Previous">
/// The key before the change, or null when it did not exist. etcd can leave it null when the
/// previous version was compacted away.
/// </param>
public sealed record WatchEvent(WatchEventType Type, KeyValue Entry, KeyValue? Previous)
{
    /// <summary>The revision of the change.</summary>
    public long Revision => Entry.ModRevision;

    /// <summary>The previous <see cref="KeyValue.ModRevision"/> of the key, 0 when it did not exist.</summary>
    public long PreviousModRevision => Previous?.ModRevision ?? 0;
}
