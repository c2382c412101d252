namespace Quiver.Node.Coordinator;

/// <summary>A database: a namespace of collections and aliases. "default" (id 1) always exists.</summary>
/// <param name="Id">Unique id; 1 for "default".</param>
/// <param name="Name">Unique name.</param>
/// <param name="CreatedTs">Hybrid timestamp of the creation.</param>
/// <param name="Properties">User properties (Milvus's database properties, e.g. <c>database.max.collections</c>).</param>
public sealed record DatabaseInfo(long Id, string Name, ulong CreatedTs, IReadOnlyDictionary<string, string> Properties);
