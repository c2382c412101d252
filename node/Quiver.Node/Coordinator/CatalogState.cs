using System.Collections.Immutable;

namespace Quiver.Node.Coordinator;

/// <summary>An alias as stored: the catalog resolves names when it hands out an <see cref="AliasInfo"/>.</summary>
internal sealed record AliasEntry(string Alias, long DbId, long CollectionId, ulong CreatedTs);

/// <summary>
/// One immutable picture of the catalog. Readers take the current picture without a lock; a writer
/// builds the next one and publishes it after its transaction commits, so a reader never sees half
/// of a change.
/// </summary>
/// <param name="EpochRevision">Mod revision of the epoch key this picture was read at or written with (0: no key yet).</param>
internal sealed record CatalogState(
    long EpochRevision,
    ImmutableDictionary<long, DatabaseInfo> Databases,
    ImmutableDictionary<long, CollectionInfo> Collections,
    ImmutableDictionary<(long DbId, string Name), long> CollectionIds,
    ImmutableDictionary<(long DbId, string Alias), AliasEntry> Aliases,
    ImmutableDictionary<long, ImmutableDictionary<string, IndexDefinition>> Indexes)
{
    public static CatalogState Empty { get; } = new(
        0,
        ImmutableDictionary<long, DatabaseInfo>.Empty,
        ImmutableDictionary<long, CollectionInfo>.Empty,
        ImmutableDictionary<(long, string), long>.Empty,
        ImmutableDictionary<(long, string), AliasEntry>.Empty,
        ImmutableDictionary<long, ImmutableDictionary<string, IndexDefinition>>.Empty);

    /// <summary>The database called <paramref name="name"/>, or null (a scan: there are at most a few dozen).</summary>
    public DatabaseInfo? DatabaseByName(string name)
    {
        foreach (var db in Databases.Values)
        {
            if (db.Name == name)
                return db;
        }
        return null;
    }

    public CollectionInfo? CollectionByName(long dbId, string name) =>
        CollectionIds.TryGetValue((dbId, name), out long id) ? Collections[id] : null;

    public int CollectionCount(long dbId) => CollectionIds.Keys.Count(k => k.DbId == dbId);

    public ImmutableDictionary<string, IndexDefinition> IndexesOf(long collectionId) =>
        Indexes.TryGetValue(collectionId, out var indexes) ? indexes : ImmutableDictionary<string, IndexDefinition>.Empty;

    public IEnumerable<AliasEntry> AliasesOf(long collectionId) => Aliases.Values.Where(a => a.CollectionId == collectionId);

    public CatalogState WithDatabase(DatabaseInfo db) => this with { Databases = Databases.SetItem(db.Id, db) };

    public CatalogState WithoutDatabase(long dbId) => this with { Databases = Databases.Remove(dbId) };

    /// <summary>Adds or replaces a collection (its name and database never change).</summary>
    public CatalogState WithCollection(CollectionInfo c) => this with
    {
        Collections = Collections.SetItem(c.Id, c),
        CollectionIds = CollectionIds.SetItem((c.DbId, c.Name), c.Id),
    };

    /// <summary>Removes a collection with its aliases and index definitions.</summary>
    public CatalogState WithoutCollection(CollectionInfo c) => this with
    {
        Collections = Collections.Remove(c.Id),
        CollectionIds = CollectionIds.Remove((c.DbId, c.Name)),
        Aliases = Aliases.RemoveRange(AliasesOf(c.Id).Select(a => (a.DbId, a.Alias)).ToList()),
        Indexes = Indexes.Remove(c.Id),
    };

    public CatalogState WithAlias(AliasEntry a) => this with { Aliases = Aliases.SetItem((a.DbId, a.Alias), a) };

    public CatalogState WithoutAlias(long dbId, string alias) => this with { Aliases = Aliases.Remove((dbId, alias)) };

    public CatalogState WithIndex(IndexDefinition index) => this with
    {
        Indexes = Indexes.SetItem(index.CollectionId, IndexesOf(index.CollectionId).SetItem(index.IndexName, index)),
    };

    public CatalogState WithoutIndex(IndexDefinition index)
    {
        var rest = IndexesOf(index.CollectionId).Remove(index.IndexName);
        return this with { Indexes = rest.IsEmpty ? Indexes.Remove(index.CollectionId) : Indexes.SetItem(index.CollectionId, rest) };
    }
}
