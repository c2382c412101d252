using Quiver.Node.Coordinator;

namespace Quiver.Node.Client;

public sealed partial class QuiverClient
{
    // Catalog reads and property changes the Milvus API needs beyond the basic DDL (DescribeDatabase,
    // AlterCollection, AlterDatabase, ListAliases): straight to the catalog, which checks names and existence.

    /// <summary>Creates a database with properties (e.g. <c>database.max.collections</c>).</summary>
    public Task<DatabaseInfo> CreateDatabaseAsync(string name, IReadOnlyDictionary<string, string>? properties, CancellationToken cancellationToken = default) =>
        _catalog.CreateDatabaseAsync(name, properties, cancellationToken);

    /// <summary>Id, creation time and properties of a database (null: the default one).</summary>
    public ValueTask<DatabaseInfo> DescribeDatabaseAsync(string? name, CancellationToken cancellationToken = default) =>
        _catalog.DescribeDatabaseAsync(name, cancellationToken);

    /// <summary>Every database with its id and creation time.</summary>
    public ValueTask<IReadOnlyList<DatabaseInfo>> ListDatabaseInfosAsync(CancellationToken cancellationToken = default) =>
        _catalog.ListDatabasesAsync(cancellationToken);

    /// <summary>Sets and removes database properties.</summary>
    public Task<DatabaseInfo> AlterDatabaseAsync(string? name, IReadOnlyDictionary<string, string>? set, IReadOnlyCollection<string>? deleteKeys = null,
        CancellationToken cancellationToken = default) =>
        _catalog.AlterDatabasePropertiesAsync(name, set, deleteKeys, cancellationToken);

    /// <summary>Sets and removes collection properties (Milvus AlterCollection).</summary>
    public Task<CollectionInfo> AlterCollectionAsync(string collection, IReadOnlyDictionary<string, string>? set, IReadOnlyCollection<string>? deleteKeys = null,
        string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.AlterCollectionPropertiesAsync(db, collection, set, deleteKeys, cancellationToken);

    /// <summary>Aliases of a database, or of one collection of it.</summary>
    public ValueTask<IReadOnlyList<AliasInfo>> ListAliasesAsync(string? collection = null, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.ListAliasesAsync(db, collection, cancellationToken);

    /// <summary>Every collection of a database with its catalog entry.</summary>
    public ValueTask<IReadOnlyList<CollectionInfo>> ListCollectionInfosAsync(string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.ListCollectionsAsync(db, cancellationToken);

    /// <summary>A fresh hybrid timestamp from the engine's oracle (Milvus AllocTimestamp), usable as a guarantee timestamp.</summary>
    public ValueTask<ulong> AllocateTimestampAsync(CancellationToken cancellationToken = default) => _tso.AllocateAsync(1, cancellationToken);
}
