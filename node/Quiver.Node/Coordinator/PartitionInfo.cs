namespace Quiver.Node.Coordinator;

/// <summary>A partition of a collection: rows are stored and searched per partition.</summary>
/// <param name="Id">Unique id (from the id allocator).</param>
/// <param name="Name">Unique within the collection; "_default" is created with every collection.</param>
/// <param name="CreatedTs">Hybrid timestamp of the creation.</param>
public sealed record PartitionInfo(long Id, string Name, ulong CreatedTs);
