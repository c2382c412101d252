namespace Quiver.Node.Coordinator;

/// <summary>An alias: a second name for a collection, unique in its database and never equal to a collection's name.</summary>
/// <param name="Alias">The alias.</param>
/// <param name="DbId">The database both live in.</param>
/// <param name="DatabaseName">That database's name.</param>
/// <param name="CollectionId">The collection it points to.</param>
/// <param name="CollectionName">That collection's name.</param>
/// <param name="CreatedTs">Hybrid timestamp of the creation, or of the last alter.</param>
public sealed record AliasInfo(string Alias, long DbId, string DatabaseName, long CollectionId, string CollectionName, ulong CreatedTs);
