namespace Quiver.Node.Coordinator;

/// <summary>
/// Lifecycle state of a collection, numbered as Milvus's <c>etcdpb.CollectionState</c>. The catalog
/// creates and drops a collection in one transaction each, so a stored collection is always
/// <see cref="Created"/>; <see cref="Dropped"/> marks the record handed back by a drop.
/// <see cref="Creating"/> and <see cref="Dropping"/> are kept for Milvus's numbering.
/// </summary>
public enum CollectionState
{
    Created = 0,
    Creating = 1,
    Dropping = 2,
    Dropped = 3,
}
