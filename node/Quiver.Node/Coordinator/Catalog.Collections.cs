using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

public sealed partial class Catalog
{
    /// <summary>
    /// Creates a collection named <c>schema.Name</c> in <paramref name="dbName"/>: validates the schema and
    /// settings, assigns field ids 100, 101, … in field order, one vchannel per shard, and partition
    /// "_default", or <see cref="CreateCollectionOptions.NumPartitions"/> partitions "_default_0", … for a
    /// partition-key collection. Creating it again with the same schema and settings returns the existing
    /// one (as Milvus does); with different ones it is ParameterInvalid. A name taken by an alias is
    /// AliasCollectionNameConflict; past <see cref="CatalogLimits.MaxCollections"/>, CollectionNumLimitExceeded.
    /// </summary>
    public Task<CollectionInfo> CreateCollectionAsync(string? dbName, CollectionSchema schema, CreateCollectionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        options ??= new CreateCollectionOptions();
        schema.Validate();
        string name = schema.Name;
        if (options.ShardsNum < 1 || options.ShardsNum > _limits.MaxShards)
            throw QuiverException.Invalid($"collection '{name}': shards_num {options.ShardsNum} is out of range 1..{_limits.MaxShards}");
        if (!Enum.IsDefined(options.ConsistencyLevel))
            throw QuiverException.Invalid($"collection '{name}': unknown consistency level {(int)options.ConsistencyLevel}");
        int partitions = 1;
        if (schema.PartitionKeyField is { } partitionKey)
        {
            partitions = options.NumPartitions ?? _limits.DefaultPartitionKeyPartitions;
            if (partitions < 1 || partitions > _limits.MaxPartitionsPerCollection)
                throw QuiverException.Invalid(
                    $"collection '{name}': num_partitions {partitions} (for partition key '{partitionKey.Name}') is out of range 1..{_limits.MaxPartitionsPerCollection}");
        }
        else if (options.NumPartitions is not null)
            throw QuiverException.Invalid($"collection '{name}': num_partitions is only allowed with a partition key field");
        ValidateProperties(options.Properties, $"collection '{name}'");

        var fields = new List<FieldSchema>(schema.Fields.Count);
        for (int i = 0; i < schema.Fields.Count; i++)
            fields.Add(schema.Fields[i] with { FieldId = CollectionInfo.FirstFieldId + i });
        var normalized = schema with { Fields = fields.AsReadOnly() };
        var properties = CatalogCodec.Freeze(options.Properties);

        return MutateAsync<CollectionInfo>(async (state, ct) =>
        {
            var db = ResolveDatabase(state, dbName);
            if (state.Aliases.TryGetValue((db.Id, name), out var alias))
                throw new QuiverException(ErrorCode.AliasCollectionNameConflict,
                    $"collection name '{name}' conflicts with an alias of collection '{state.Collections[alias.CollectionId].Name}' in database '{db.Name}'");
            if (state.CollectionByName(db.Id, name) is { } existing)
            {
                if (SameDefinition(existing, normalized, options, partitions, properties))
                    return CatalogChange<CollectionInfo>.Unchanged(existing);
                throw QuiverException.Invalid($"collection '{name}' already exists in database '{db.Name}' with a different schema or settings");
            }
            if (state.Collections.Count >= _limits.MaxCollections)
                throw new QuiverException(ErrorCode.CollectionNumLimitExceeded,
                    $"cannot create collection '{name}' in database '{db.Name}': there are already {state.Collections.Count} collections, the limit is {_limits.MaxCollections}");

            // One block: the collection's id, then one per partition.
            long first = await _ids.AllocateAsync(1 + partitions, ct).ConfigureAwait(false);
            ulong ts = await _tso.AllocateAsync(1, ct).ConfigureAwait(false);
            var partitionList = new PartitionInfo[partitions];
            for (int i = 0; i < partitions; i++)
            {
                string partitionName = normalized.PartitionKeyField is null ? CollectionInfo.DefaultPartitionName : $"{CollectionInfo.DefaultPartitionName}_{i}";
                partitionList[i] = new PartitionInfo(first + 1 + i, partitionName, ts);
            }
            var channels = new string[options.ShardsNum];
            for (int shard = 0; shard < channels.Length; shard++)
                channels[shard] = CollectionInfo.VirtualChannelName(first, shard);
            var info = new CollectionInfo(first, db.Id, name, normalized, options.ShardsNum, Array.AsReadOnly(channels), options.ConsistencyLevel,
                properties, ts, Array.AsReadOnly(partitionList), CollectionState.Created);
            return new(info, state.WithCollection(info),
                [MetaOp.Put(_keys.Collection(db.Id, info.Id), CheckSize(CatalogCodec.Encode(info), $"collection '{name}'"))]);
        }, cancellationToken);
    }

    /// <summary>The collection called <paramref name="nameOrAlias"/>, or the one an alias of that name points to; CollectionNotFound otherwise.</summary>
    public ValueTask<CollectionInfo> DescribeCollectionAsync(string? dbName, string nameOrAlias, CancellationToken cancellationToken = default) =>
        Read(state => ResolveCollection(state, ResolveDatabase(state, dbName), nameOrAlias), cancellationToken);

    /// <summary>The collection with id <paramref name="collectionId"/>, in whatever database; CollectionNotFound otherwise.</summary>
    public ValueTask<CollectionInfo> DescribeCollectionByIdAsync(long collectionId, CancellationToken cancellationToken = default) =>
        Read(state => state.Collections.TryGetValue(collectionId, out var c)
            ? c
            : throw new QuiverException(ErrorCode.CollectionNotFound, $"collection with id {collectionId} not found"), cancellationToken);

    /// <summary>True when <paramref name="nameOrAlias"/> names a collection or an alias in the database (which must exist).</summary>
    public ValueTask<bool> HasCollectionAsync(string? dbName, string nameOrAlias, CancellationToken cancellationToken = default) =>
        Read(state =>
        {
            var db = ResolveDatabase(state, dbName);
            return state.CollectionIds.ContainsKey((db.Id, nameOrAlias)) || state.Aliases.ContainsKey((db.Id, nameOrAlias));
        }, cancellationToken);

    /// <summary>The collections of a database, in creation order.</summary>
    public ValueTask<IReadOnlyList<CollectionInfo>> ListCollectionsAsync(string? dbName, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<CollectionInfo>>(state =>
        {
            var db = ResolveDatabase(state, dbName);
            return [.. state.CollectionIds.Where(kv => kv.Key.DbId == db.Id).Select(kv => state.Collections[kv.Value]).OrderBy(c => c.Id)];
        }, cancellationToken);

    /// <summary>Every collection of every database, in creation order (for the engine's recovery).</summary>
    public ValueTask<IReadOnlyList<CollectionInfo>> ListAllCollectionsAsync(CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<CollectionInfo>>(state => [.. state.Collections.Values.OrderBy(c => c.Id)], cancellationToken);

    /// <summary>
    /// Drops a collection with its partitions, its aliases and its index definitions, in one transaction,
    /// and returns what it was (state <see cref="CollectionState.Dropped"/>) so the engine can delete its
    /// data; null when there is no such collection. An alias is refused: drop by the collection's name.
    /// </summary>
    public Task<CollectionInfo?> DropCollectionAsync(string? dbName, string name, CancellationToken cancellationToken = default) =>
        MutateAsync((state, _) =>
        {
            var db = ResolveDatabase(state, dbName);
            CollectionInfo collection;
            try
            {
                collection = ResolveCollection(state, db, name, allowAlias: false);
            }
            catch (QuiverException e) when (e.Code == ErrorCode.CollectionNotFound)
            {
                return ValueTask.FromResult(CatalogChange<CollectionInfo?>.Unchanged(null));
            }
            var dropped = collection with { State = CollectionState.Dropped };
            return ValueTask.FromResult(new CatalogChange<CollectionInfo?>(dropped, state.WithoutCollection(collection),
            [
                MetaOp.Delete(_keys.Collection(db.Id, collection.Id)),
                MetaOp.DeletePrefix(_keys.AliasesOf(collection.Id)),
                MetaOp.DeletePrefix(_keys.IndexesOf(collection.Id)),
            ]));
        }, cancellationToken);

    /// <summary>
    /// Sets the properties in <paramref name="set"/> and removes those named in <paramref name="deleteKeys"/>
    /// (Milvus's AlterCollection and DropCollectionProperties); returns the collection after the change.
    /// </summary>
    public Task<CollectionInfo> AlterCollectionPropertiesAsync(string? dbName, string nameOrAlias, IReadOnlyDictionary<string, string>? set,
        IReadOnlyCollection<string>? deleteKeys = null, CancellationToken cancellationToken = default)
    {
        ValidateProperties(set, $"collection '{nameOrAlias}'");
        return MutateAsync((state, _) =>
        {
            var collection = ResolveCollection(state, ResolveDatabase(state, dbName), nameOrAlias);
            var next = collection with { Properties = AlterProperties(collection.Properties, set, deleteKeys, $"collection '{collection.Name}'") };
            return ValueTask.FromResult(new CatalogChange<CollectionInfo>(next, state.WithCollection(next), [PutCollection(next)]));
        }, cancellationToken);
    }

    private MetaOp PutCollection(CollectionInfo c) =>
        MetaOp.Put(_keys.Collection(c.DbId, c.Id), CheckSize(CatalogCodec.Encode(c), $"collection '{c.Name}'"));

    /// <summary>Whether a repeated create asks for exactly what exists (Milvus answers such a repeat with success).</summary>
    private static bool SameDefinition(CollectionInfo existing, CollectionSchema schema, CreateCollectionOptions options, int partitions,
        IReadOnlyDictionary<string, string> properties) =>
        existing.ShardsNum == options.ShardsNum
        && existing.ConsistencyLevel == options.ConsistencyLevel
        && (existing.Schema.PartitionKeyField is null || existing.Partitions.Count == partitions)
        && existing.Properties.Count == properties.Count
        && properties.All(kv => existing.Properties.TryGetValue(kv.Key, out var v) && v == kv.Value)
        && CatalogCodec.SchemaBytes(existing.Schema).AsSpan().SequenceEqual(CatalogCodec.SchemaBytes(schema));
}
