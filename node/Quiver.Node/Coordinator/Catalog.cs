using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

/// <summary>
/// The coordinator's DDL metadata: databases, collections (schema, shards, vchannels, partitions,
/// properties), aliases and index definitions, kept in the meta store under
/// <c>{root}/meta/coordinator/catalog/</c> and cached in memory.
/// </summary>
/// <remarks>
/// <para>Reads are served from an immutable in-memory picture, loaded when the catalog opens; they
/// never touch the store and never block. Mutations are serialised: each validates against the
/// current picture, allocates ids and a timestamp, and commits one transaction that also rewrites the
/// epoch key on the condition that the epoch key has not moved since the picture was read
/// (compare-and-swap). If it moved (another coordinator wrote the catalog), the picture is reloaded
/// and the mutation planned again.</para>
/// <para>Errors a user can cause are <see cref="QuiverException"/>s naming the object; meta-store
/// failures surface as <see cref="ErrorCode.Unavailable"/> (retriable) or <see cref="ErrorCode.Unexpected"/>.
/// A database name that is null or empty means "default". Drops of something that does not exist
/// return null or false (Milvus's drops are idempotent); a missing database or collection around it
/// still throws.</para>
/// </remarks>
public sealed partial class Catalog
{
    public const string DefaultDatabaseName = "default";
    public const long DefaultDatabaseId = 1;

    /// <summary>Plans run again after this many compare-and-swap conflicts before the call gives up.</summary>
    private const int MaxConflictRetries = 3;

    private readonly IMetaStore _meta;
    private readonly CatalogKeys _keys;
    private readonly IdAllocator _ids;
    private readonly TimestampOracle _tso;
    private readonly CatalogLimits _limits;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private CatalogState _state = CatalogState.Empty;
    private bool _reloadBeforeWrite; // guarded by _writeGate: a transaction's outcome is unknown

    private Catalog(IMetaStore meta, string root, IdAllocator ids, TimestampOracle tso, CatalogLimits limits)
    {
        _meta = meta;
        _keys = new CatalogKeys(root);
        _ids = ids;
        _tso = tso;
        _limits = limits;
        Root = root;
    }

    /// <summary>The meta-store root this catalog lives under.</summary>
    public string Root { get; }

    public CatalogLimits Limits => _limits;

    /// <summary>
    /// Loads the catalog under <paramref name="root"/> and creates the "default" database (id 1) if the
    /// store has none yet.
    /// </summary>
    public static async Task<Catalog> OpenAsync(IMetaStore meta, string root, IdAllocator ids, TimestampOracle tso,
        CatalogLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meta);
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(tso);
        limits ??= CatalogLimits.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxDatabases, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxCollections, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxPartitionsPerCollection, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxShards, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.DefaultPartitionKeyPartitions, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limits.DefaultPartitionKeyPartitions, limits.MaxPartitionsPerCollection, nameof(limits));

        var catalog = new Catalog(meta, root, ids, tso, limits);
        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        await catalog.EnsureDefaultDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return catalog;
    }

    private CatalogState State => Volatile.Read(ref _state);

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<KeyValue> kvs;
        try
        {
            kvs = await _meta.RangeAsync(_keys.Prefix, cancellationToken).ConfigureAwait(false);
        }
        catch (MetaStoreException e)
        {
            throw StoreFailures.Wrap("read the catalog", e);
        }
        Volatile.Write(ref _state, CatalogCodec.Load(kvs, _keys));
    }

    private async Task TryReloadAfterUnknownOutcomeAsync()
    {
        try
        {
            await ReloadAsync(CancellationToken.None).ConfigureAwait(false);
            _reloadBeforeWrite = false;
        }
        catch (QuiverException)
        {
            // Still unknown; the flag makes the next mutation try again.
        }
    }

    private Task EnsureDefaultDatabaseAsync(CancellationToken cancellationToken) =>
        MutateAsync<DatabaseInfo>(async (state, ct) =>
        {
            if (state.Databases.TryGetValue(DefaultDatabaseId, out var existing))
                return CatalogChange<DatabaseInfo>.Unchanged(existing);
            ulong ts = await _tso.AllocateAsync(1, ct).ConfigureAwait(false);
            var db = new DatabaseInfo(DefaultDatabaseId, DefaultDatabaseName, ts, CatalogCodec.Freeze(null));
            return new(db, state.WithDatabase(db), [MetaOp.Put(_keys.Database(db.Id), CatalogCodec.Encode(db))]);
        }, cancellationToken);

    /// <summary>
    /// Runs one mutation: plan it against the current picture, commit its writes together with the
    /// epoch key under compare-and-swap, publish the new picture. Serialised by <see cref="_writeGate"/>.
    /// </summary>
    private async Task<T> MutateAsync<T>(Func<CatalogState, CancellationToken, ValueTask<CatalogChange<T>>> plan, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                if (_reloadBeforeWrite)
                {
                    await ReloadAsync(cancellationToken).ConfigureAwait(false);
                    _reloadBeforeWrite = false;
                }
                CatalogState state = _state;
                CatalogChange<T> change = await plan(state, cancellationToken).ConfigureAwait(false);
                if (change.Ops.Count == 0)
                    return change.Result;

                MetaTxnResult result;
                try
                {
                    result = await _meta.TxnAsync(
                        [MetaCompare.ModRevision(_keys.Epoch, CompareResult.Equal, state.EpochRevision)],
                        [.. change.Ops, MetaOp.Put(_keys.Epoch, CatalogCodec.EncodeEpoch())],
                        cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is MetaStoreException or OperationCanceledException)
                {
                    // The write may or may not have landed: read the truth now so that reads see it,
                    // or, if the store cannot answer either, before the next change.
                    _reloadBeforeWrite = true;
                    await TryReloadAfterUnknownOutcomeAsync().ConfigureAwait(false);
                    if (e is MetaStoreException m)
                        throw StoreFailures.Wrap("write the catalog", m);
                    throw;
                }
                if (result.Succeeded)
                {
                    Volatile.Write(ref _state, change.Next! with { EpochRevision = result.Revision });
                    return change.Result;
                }
                _reloadBeforeWrite = true;
                if (attempt >= MaxConflictRetries)
                    throw new QuiverException(ErrorCode.Unavailable,
                        $"the catalog under '{_keys.Prefix}' kept changing underneath this coordinator (another coordinator is writing it); try again",
                        retriable: true);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Answers a read from the current picture, with failures inside the returned task.</summary>
    private ValueTask<T> Read<T>(Func<CatalogState, T> read, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<T>(cancellationToken);
        try
        {
            return ValueTask.FromResult(read(State));
        }
        catch (QuiverException e)
        {
            return ValueTask.FromException<T>(e);
        }
    }

    /// <summary>The database called <paramref name="dbName"/> ("default" when null or empty), or DatabaseNotFound.</summary>
    private static DatabaseInfo ResolveDatabase(CatalogState state, string? dbName)
    {
        string name = string.IsNullOrEmpty(dbName) ? DefaultDatabaseName : dbName;
        return state.DatabaseByName(name) ?? throw new QuiverException(ErrorCode.DatabaseNotFound, $"database '{name}' not found");
    }

    /// <summary>The collection called <paramref name="name"/> in <paramref name="db"/>, or the one an alias of that name points to.</summary>
    private static CollectionInfo ResolveCollection(CatalogState state, DatabaseInfo db, string name, bool allowAlias = true)
    {
        if (string.IsNullOrEmpty(name))
            throw QuiverException.Invalid("collection name must not be empty");
        if (state.CollectionByName(db.Id, name) is { } collection)
            return collection;
        if (state.Aliases.TryGetValue((db.Id, name), out var alias))
        {
            if (!allowAlias)
                throw QuiverException.Invalid(
                    $"'{name}' is an alias of collection '{state.Collections[alias.CollectionId].Name}' in database '{db.Name}', not a collection; use the collection's name");
            return state.Collections[alias.CollectionId];
        }
        throw new QuiverException(ErrorCode.CollectionNotFound, $"collection '{name}' not found in database '{db.Name}'");
    }

    /// <summary>Checks a property map from a request (keys non-empty, values non-null, count within the limit).</summary>
    private void ValidateProperties(IReadOnlyDictionary<string, string>? properties, string owner)
    {
        if (properties is null)
            return;
        if (properties.Count > _limits.MaxProperties)
            throw new QuiverException(ErrorCode.ParameterTooLarge, $"{owner} has {properties.Count} properties; the limit is {_limits.MaxProperties}");
        foreach (var (key, value) in properties)
        {
            if (string.IsNullOrWhiteSpace(key))
                throw QuiverException.Invalid($"{owner}: a property key must not be empty");
            if (value is null)
                throw QuiverException.Invalid($"{owner}: property '{key}' has no value");
        }
    }

    /// <summary><paramref name="current"/> with <paramref name="set"/> applied and <paramref name="delete"/> removed.</summary>
    private IReadOnlyDictionary<string, string> AlterProperties(IReadOnlyDictionary<string, string> current,
        IReadOnlyDictionary<string, string>? set, IReadOnlyCollection<string>? delete, string owner)
    {
        var next = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var (key, value) in set ?? CatalogCodec.Freeze(null))
            next[key] = value;
        foreach (string key in delete ?? [])
            next.Remove(key);
        ValidateProperties(next, owner);
        return CatalogCodec.Freeze(next);
    }

    /// <summary>Refuses a value the meta store would not take, naming the object (the store's limit is 1 MiB).</summary>
    private static byte[] CheckSize(byte[] value, string owner)
    {
        if (value.Length > MetaKeys.MaxValueBytes)
            throw new QuiverException(ErrorCode.ParameterTooLarge,
                $"{owner}: its metadata is {value.Length} bytes; the meta store takes at most {MetaKeys.MaxValueBytes} per value (fewer properties or partitions, or shorter descriptions)");
        return value;
    }

    private static void ValidateName(string? name, string what, ErrorCode code = ErrorCode.ParameterInvalid) => Names.Validate(name, what, code);
}
