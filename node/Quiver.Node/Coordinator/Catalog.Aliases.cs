using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

public sealed partial class Catalog
{
    /// <summary>
    /// Creates <paramref name="alias"/> for the collection called <paramref name="collection"/> (a collection's
    /// name, not another alias). AliasCollectionNameConflict when a collection has that name,
    /// AliasAlreadyExists when the alias does (whatever it points to).
    /// </summary>
    public Task<AliasInfo> CreateAliasAsync(string? dbName, string alias, string collection, CancellationToken cancellationToken = default)
    {
        ValidateName(alias, "alias");
        return MutateAsync<AliasInfo>(async (state, ct) =>
        {
            var db = ResolveDatabase(state, dbName);
            if (state.CollectionByName(db.Id, alias) is not null)
                throw new QuiverException(ErrorCode.AliasCollectionNameConflict,
                    $"alias '{alias}' conflicts with collection '{alias}' in database '{db.Name}': an alias cannot equal a collection name");
            if (state.Aliases.TryGetValue((db.Id, alias), out var taken))
                throw new QuiverException(ErrorCode.AliasAlreadyExists,
                    $"alias '{alias}' already exists in database '{db.Name}' (it points to collection '{state.Collections[taken.CollectionId].Name}')");
            var target = ResolveCollection(state, db, collection, allowAlias: false);
            ulong ts = await _tso.AllocateAsync(1, ct).ConfigureAwait(false);
            var entry = new AliasEntry(alias, db.Id, target.Id, ts);
            return new(ToInfo(state, entry), state.WithAlias(entry), [MetaOp.Put(_keys.Alias(target.Id, alias), CatalogCodec.Encode(entry))]);
        }, cancellationToken);
    }

    /// <summary>Points an existing alias at another collection; AliasNotFound when there is no such alias.</summary>
    public Task<AliasInfo> AlterAliasAsync(string? dbName, string alias, string collection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alias);
        return MutateAsync<AliasInfo>(async (state, ct) =>
        {
            var db = ResolveDatabase(state, dbName);
            var current = FindAlias(state, db, alias);
            var target = ResolveCollection(state, db, collection, allowAlias: false);
            if (current.CollectionId == target.Id)
                return CatalogChange<AliasInfo>.Unchanged(ToInfo(state, current));
            ulong ts = await _tso.AllocateAsync(1, ct).ConfigureAwait(false);
            var entry = current with { CollectionId = target.Id, CreatedTs = ts };
            return new(ToInfo(state, entry), state.WithAlias(entry),
                [MetaOp.Delete(_keys.Alias(current.CollectionId, alias)), MetaOp.Put(_keys.Alias(target.Id, alias), CatalogCodec.Encode(entry))]);
        }, cancellationToken);
    }

    /// <summary>Removes an alias; false when there is none of that name.</summary>
    public Task<bool> DropAliasAsync(string? dbName, string alias, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alias);
        return MutateAsync((state, _) =>
        {
            var db = ResolveDatabase(state, dbName);
            if (!state.Aliases.TryGetValue((db.Id, alias), out var entry))
                return ValueTask.FromResult(CatalogChange<bool>.Unchanged(false));
            return ValueTask.FromResult(new CatalogChange<bool>(true, state.WithoutAlias(db.Id, alias), [MetaOp.Delete(_keys.Alias(entry.CollectionId, alias))]));
        }, cancellationToken);
    }

    /// <summary>The alias called <paramref name="alias"/>; AliasNotFound otherwise.</summary>
    public ValueTask<AliasInfo> DescribeAliasAsync(string? dbName, string alias, CancellationToken cancellationToken = default) =>
        Read(state => ToInfo(state, FindAlias(state, ResolveDatabase(state, dbName), alias)), cancellationToken);

    /// <summary>The aliases of a database, or of one collection (name or alias) when <paramref name="collection"/> is given; by alias name.</summary>
    public ValueTask<IReadOnlyList<AliasInfo>> ListAliasesAsync(string? dbName, string? collection = null, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<AliasInfo>>(state =>
        {
            var db = ResolveDatabase(state, dbName);
            long? only = string.IsNullOrEmpty(collection) ? null : ResolveCollection(state, db, collection).Id;
            return [.. state.Aliases.Values
                .Where(a => a.DbId == db.Id && (only is null || a.CollectionId == only))
                .OrderBy(a => a.Alias, StringComparer.Ordinal)
                .Select(a => ToInfo(state, a))];
        }, cancellationToken);

    private static AliasEntry FindAlias(CatalogState state, DatabaseInfo db, string alias) =>
        state.Aliases.TryGetValue((db.Id, alias), out var entry)
            ? entry
            : throw new QuiverException(ErrorCode.AliasNotFound, $"alias '{alias}' not found in database '{db.Name}'");

    private static AliasInfo ToInfo(CatalogState state, AliasEntry a) =>
        new(a.Alias, a.DbId, state.Databases[a.DbId].Name, a.CollectionId, state.Collections[a.CollectionId].Name, a.CreatedTs);
}
