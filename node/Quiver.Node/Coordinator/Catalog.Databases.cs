using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

public sealed partial class Catalog
{
    /// <summary>
    /// Creates a database. ParameterInvalid when the name is taken, DatabaseInvalidName for a bad name,
    /// DatabaseNumLimitExceeded past <see cref="CatalogLimits.MaxDatabases"/> ("default" included).
    /// </summary>
    public Task<DatabaseInfo> CreateDatabaseAsync(string name, IReadOnlyDictionary<string, string>? properties = null,
        CancellationToken cancellationToken = default)
    {
        ValidateName(name, "database", ErrorCode.DatabaseInvalidName);
        ValidateProperties(properties, $"database '{name}'");
        return MutateAsync<DatabaseInfo>(async (state, ct) =>
        {
            if (state.DatabaseByName(name) is not null)
                throw QuiverException.Invalid($"database '{name}' already exists");
            if (state.Databases.Count >= _limits.MaxDatabases)
                throw new QuiverException(ErrorCode.DatabaseNumLimitExceeded,
                    $"cannot create database '{name}': there are already {state.Databases.Count} databases, the limit is {_limits.MaxDatabases}");
            long id = await AllocateDatabaseIdAsync(ct).ConfigureAwait(false);
            ulong ts = await _tso.AllocateAsync(1, ct).ConfigureAwait(false);
            var db = new DatabaseInfo(id, name, ts, CatalogCodec.Freeze(properties));
            return new(db, state.WithDatabase(db), [MetaOp.Put(_keys.Database(id), CheckSize(CatalogCodec.Encode(db), $"database '{name}'"))]);
        }, cancellationToken);
    }

    /// <summary>Every database, by id ("default" first).</summary>
    public ValueTask<IReadOnlyList<DatabaseInfo>> ListDatabasesAsync(CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<DatabaseInfo>>(state => [.. state.Databases.Values.OrderBy(d => d.Id)], cancellationToken);

    /// <summary>The database called <paramref name="name"/> ("default" when null or empty); DatabaseNotFound otherwise.</summary>
    public ValueTask<DatabaseInfo> DescribeDatabaseAsync(string? name, CancellationToken cancellationToken = default) =>
        Read(state => ResolveDatabase(state, name), cancellationToken);

    /// <summary>Sets the properties in <paramref name="set"/> and removes those named in <paramref name="deleteKeys"/> (Milvus's AlterDatabase).</summary>
    public Task<DatabaseInfo> AlterDatabasePropertiesAsync(string? name, IReadOnlyDictionary<string, string>? set,
        IReadOnlyCollection<string>? deleteKeys = null, CancellationToken cancellationToken = default)
    {
        ValidateProperties(set, $"database '{name}'");
        return MutateAsync((state, _) =>
        {
            var db = ResolveDatabase(state, name);
            var next = db with { Properties = AlterProperties(db.Properties, set, deleteKeys, $"database '{db.Name}'") };
            return ValueTask.FromResult(new CatalogChange<DatabaseInfo>(next, state.WithDatabase(next),
                [MetaOp.Put(_keys.Database(db.Id), CheckSize(CatalogCodec.Encode(next), $"database '{db.Name}'"))]));
        }, cancellationToken);
    }

    /// <summary>
    /// Drops an empty database; false when there is none of that name. "default" cannot be dropped,
    /// and neither can a database that still holds collections (ParameterInvalid).
    /// </summary>
    public Task<bool> DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return MutateAsync((state, _) =>
        {
            if (name == DefaultDatabaseName)
                throw QuiverException.Invalid($"database '{DefaultDatabaseName}' cannot be dropped");
            var db = state.DatabaseByName(name);
            if (db is null)
                return ValueTask.FromResult(CatalogChange<bool>.Unchanged(false));
            int collections = state.CollectionCount(db.Id);
            if (collections > 0)
                throw QuiverException.Invalid($"database '{name}' is not empty: it holds {collections} collection(s); drop them first");
            return ValueTask.FromResult(new CatalogChange<bool>(true, state.WithoutDatabase(db.Id), [MetaOp.Delete(_keys.Database(db.Id))]));
        }, cancellationToken);
    }

    /// <summary>A new database id from the shared allocator, never 1 ("default" has it from the start).</summary>
    private async ValueTask<long> AllocateDatabaseIdAsync(CancellationToken cancellationToken)
    {
        long id;
        do
            id = await _ids.AllocateAsync(1, cancellationToken).ConfigureAwait(false);
        while (id == DefaultDatabaseId);
        return id;
    }
}
