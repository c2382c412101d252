using Quiver.Node.Coordinator;

namespace Quiver.Node.Client;

// Catalog reads the wire APIs need beyond the DDL calls.
public sealed partial class QuiverClient
{
    /// <summary>The aliases of a database, or of one collection in it.</summary>
    public ValueTask<IReadOnlyList<AliasInfo>> ListAliasesAsync(string? collection = null, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.ListAliasesAsync(db, collection, cancellationToken);

    /// <summary>A database's id, creation time and properties.</summary>
    public ValueTask<DatabaseInfo> DescribeDatabaseAsync(string? name = null, CancellationToken cancellationToken = default) =>
        _catalog.DescribeDatabaseAsync(name, cancellationToken);
}
