using Quiver.Node.Errors;
using Quiver.Node.Coordinator;
using Quiver.Node.Schema;

namespace Quiver.Node.Client;

public sealed partial class QuiverClient
{
    // Databases, partitions, aliases and index definitions are catalog operations; collections also own shards.

    public Task<DatabaseInfo> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        _catalog.CreateDatabaseAsync(name, null, cancellationToken);

    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken cancellationToken = default) =>
        (await _catalog.ListDatabasesAsync(cancellationToken).ConfigureAwait(false)).Select(d => d.Name).ToList();

    public Task<bool> DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        _catalog.DropDatabaseAsync(name, cancellationToken);

    /// <summary>
    /// Creates a collection (schema checked by Milvus's rules) and opens its shards. With <paramref name="load"/>
    /// (the default here, as Milvus's quick setup does) it is loaded at once; otherwise searches and queries
    /// answer CollectionNotLoaded until <see cref="LoadCollectionAsync"/>.
    /// </summary>
    public async Task<CollectionInfo> CreateCollectionAsync(CollectionSchema schema, CreateCollectionOptions? options = null, string? db = null,
        CancellationToken cancellationToken = default, bool load = true)
    {
        ArgumentNullException.ThrowIfNull(schema);
        await _ddl.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var info = await _catalog.CreateCollectionAsync(db, schema, options, cancellationToken).ConfigureAwait(false);
            if (!_collections.ContainsKey(info.Id)) await OpenRuntimeAsync(info, cancellationToken).ConfigureAwait(false);
            if (load) await _loadStates.SetLoadedAsync(info.Id, true, cancellationToken).ConfigureAwait(false);
            return info;
        }
        finally
        {
            _ddl.Release();
        }
    }

    public ValueTask<CollectionInfo> DescribeCollectionAsync(string collection, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.DescribeCollectionAsync(db, collection, cancellationToken);

    public ValueTask<bool> HasCollectionAsync(string collection, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.HasCollectionAsync(db, collection, cancellationToken);

    public async Task<IReadOnlyList<string>> ListCollectionsAsync(string? db = null, CancellationToken cancellationToken = default) =>
        (await _catalog.ListCollectionsAsync(db, cancellationToken).ConfigureAwait(false)).Select(c => c.Name).ToList();

    /// <summary>Drops a collection: its catalog entry first (so it is gone for every reader), then its shards and WAL files.</summary>
    public async Task<bool> DropCollectionAsync(string collection, string? db = null, CancellationToken cancellationToken = default)
    {
        await _ddl.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var dropped = await _catalog.DropCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false);
            if (dropped is null) return false;
            _indexMetrics.Clear();
            await _loadStates.SetLoadedAsync(dropped.Id, false, cancellationToken).ConfigureAwait(false);
            if (_collections.TryRemove(dropped.Id, out var runtime))
            {
                // A background flush of this collection finishes (or fails) before its shards close.
                if (_autoFlushes.TryGetValue(dropped.Id, out var flushing)) await flushing.ConfigureAwait(false);
                await CloseRuntimeAsync(runtime).ConfigureAwait(false);
            }
            foreach (var vchannel in dropped.VirtualChannels)
            {
                string dir = Path.Combine(_directory, "wal", vchannel);
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                await _segmentBook.DropCheckpointAsync(vchannel, cancellationToken).ConfigureAwait(false);
            }
            // Then its segments: index files, records, and the files under each log folder of the collection.
            foreach (var saved in await _segmentBook.IndexesAsync(dropped.Id, cancellationToken).ConfigureAwait(false))
                await _objects.DeleteAsync(saved.Key, cancellationToken).ConfigureAwait(false);
            await _segmentBook.DropCollectionAsync(dropped.Id, cancellationToken).ConfigureAwait(false);
            foreach (var log in new[] { Storage.ObjectStore.ObjectKeys.InsertLog, Storage.ObjectStore.ObjectKeys.DeltaLog, Storage.ObjectStore.ObjectKeys.StatsLog })
                await DeleteObjectsAsync($"{log}/{dropped.Id}/", cancellationToken).ConfigureAwait(false);
            foreach (var (id, vchannel) in _sealedChannel.ToList())
                if (dropped.VirtualChannels.Contains(vchannel))
                {
                    _sealedChannel.TryRemove(id, out _);
                    _compactedFrom.TryRemove(id, out _);
                }
            return true;
        }
        finally
        {
            _ddl.Release();
        }
    }

    public Task<PartitionInfo> CreatePartitionAsync(string collection, string partition, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.CreatePartitionAsync(db, collection, partition, cancellationToken);

    public async Task<IReadOnlyList<string>> ListPartitionsAsync(string collection, string? db = null, CancellationToken cancellationToken = default) =>
        (await _catalog.ListPartitionsAsync(db, collection, cancellationToken).ConfigureAwait(false)).Select(p => p.Name).ToList();

    public ValueTask<bool> HasPartitionAsync(string collection, string partition, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.HasPartitionAsync(db, collection, partition, cancellationToken);

    /// <summary>Drops a partition; its rows stop being visible at once (their space is reclaimed by compaction, later).</summary>
    public async Task<bool> DropPartitionAsync(string collection, string partition, string? db = null, CancellationToken cancellationToken = default) =>
        await _catalog.DropPartitionAsync(db, collection, partition, cancellationToken).ConfigureAwait(false) is not null;

    public Task<AliasInfo> CreateAliasAsync(string alias, string collection, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.CreateAliasAsync(db, alias, collection, cancellationToken);

    public Task<AliasInfo> AlterAliasAsync(string alias, string collection, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.AlterAliasAsync(db, alias, collection, cancellationToken);

    public Task<bool> DropAliasAsync(string alias, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.DropAliasAsync(db, alias, cancellationToken);

    public ValueTask<AliasInfo> DescribeAliasAsync(string alias, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.DescribeAliasAsync(db, alias, cancellationToken);

    /// <summary>Records an index definition (type, metric, params). Searches use its metric; building it on sealed segments comes with flush.</summary>
    /// <summary>
    /// Records an index definition and builds it over every sealed segment that lacks it (the data node's index
    /// build; growing data stays brute force until it is flushed, when the index is built with the flush).
    /// </summary>
    public async Task<IndexDefinition> CreateIndexAsync(string collection, IndexSpec spec, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // No type given: AUTOINDEX, which this engine builds as HNSW (M 18, efConstruction 240), as Milvus does.
        if (string.IsNullOrEmpty(spec.IndexType)) spec = spec with { IndexType = "AUTOINDEX" };
        var index = await _catalog.CreateIndexAsync(db, collection, spec, cancellationToken).ConfigureAwait(false);
        _indexMetrics.Clear();
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var definition = (await VectorIndexesAsync(runtime.Info, cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => d.IndexId == index.IndexId);
        if (definition is null)
        {
            if (runtime.Info.Schema.Field(index.FieldName) is { IsVector: false })
            {
                await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await RefreshScalarIndexesAsync(runtime, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _flushGate.Release();
                }
            }
            return index;
        }
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var shard in runtime.Shards)
            {
                foreach (var old in shard.Segments.OfType<Query.SealedSegment>().Where(s => !s.HasIndex(index.FieldName)).ToList())
                {
                    var built = await IndexOfAsync(runtime.Info, definition, old.Rows, null, cancellationToken).ConfigureAwait(false);
                    if (built is null) continue;
                    var next = old.WithIndex(index.FieldName, built);
                    shard.ReplaceSealed([old], next, () => { });
                    old.Dispose(); // its own (absent or stale) index goes when its last reader leaves; the mapping moved to the new one
                }
            }
        }
        finally
        {
            _flushGate.Release();
        }
        return index;
    }

    public ValueTask<IReadOnlyList<IndexDefinition>> ListIndexesAsync(string collection, string? db = null, CancellationToken cancellationToken = default) =>
        _catalog.ListIndexesAsync(db, collection, cancellationToken);

    public async Task<bool> DropIndexAsync(string collection, string indexName, string? db = null, CancellationToken cancellationToken = default)
    {
        bool dropped = await _catalog.DropIndexAsync(db, collection, indexName, cancellationToken).ConfigureAwait(false) is not null;
        _indexMetrics.Clear();
        if (dropped)
        {
            var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
            await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await RefreshScalarIndexesAsync(runtime, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _flushGate.Release();
            }
        }
        return dropped;
    }

    /// <summary>
    /// Loads a collection for search and query (Milvus's LoadCollection). Every segment is already served from memory
    /// or mapped files, so loading completes at once; the state is kept across restarts.
    /// </summary>
    public async Task LoadCollectionAsync(string collection, string? db = null, CancellationToken cancellationToken = default)
    {
        var info = await _catalog.DescribeCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false);
        await _loadStates.SetLoadedAsync(info.Id, true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases a collection: searches and queries answer CollectionNotLoaded until it is loaded again; writes still work.</summary>
    public async Task ReleaseCollectionAsync(string collection, string? db = null, CancellationToken cancellationToken = default)
    {
        var info = await _catalog.DescribeCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false);
        await _loadStates.SetLoadedAsync(info.Id, false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads some partitions for search and query (Milvus's LoadPartitions): reads without partition names then cover the
    /// loaded partitions only, and naming one that is not loaded is PartitionNotLoaded. Nothing changes when the whole
    /// collection is loaded. Every named partition must exist.
    /// </summary>
    public async Task LoadPartitionsAsync(string collection, IReadOnlyList<string> partitions, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (partitions.Count == 0) throw new QuiverException(ErrorCode.ParameterMissing, "name at least one partition to load");
        var info = await _catalog.DescribeCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false);
        await _loadStates.LoadPartitionsAsync(info.Id, PartitionIds(info, partitions), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Releases some partitions (Milvus's ReleasePartitions): they stop being searchable; writes to them still work.
    /// Releasing the last loaded partition releases the collection.
    /// </summary>
    public async Task ReleasePartitionsAsync(string collection, IReadOnlyList<string> partitions, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (partitions.Count == 0) throw new QuiverException(ErrorCode.ParameterMissing, "name at least one partition to release");
        var info = await _catalog.DescribeCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false);
        await _loadStates.ReleasePartitionsAsync(info.Id, PartitionIds(info, partitions), info.Partitions.Select(p => p.Id), cancellationToken).ConfigureAwait(false);
    }

    private static long[] PartitionIds(Coordinator.CollectionInfo info, IReadOnlyList<string> names) =>
        [.. names.Select(n => (info.Partition(n) ?? throw new QuiverException(ErrorCode.PartitionNotFound, $"partition '{n}' not found in collection '{info.Name}'")).Id)];

    /// <summary>Milvus's load state of a collection: NotExist, NotLoad or Loaded (when it or some of its partitions are loaded).</summary>
    public Task<LoadState> GetLoadStateAsync(string collection, string? db = null, CancellationToken cancellationToken = default) =>
        GetLoadStateAsync(collection, [], db, cancellationToken);

    /// <summary>
    /// Milvus's load state of some partitions: Loaded only when every named partition is searchable (no names: the
    /// collection's state). Every named partition must exist.
    /// </summary>
    public async Task<LoadState> GetLoadStateAsync(string collection, IReadOnlyList<string> partitions, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (!await _catalog.HasCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false)) return LoadState.NotExist;
        var info = await _catalog.DescribeCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false);
        if (partitions.Count > 0)
            return PartitionIds(info, partitions).All(p => _loadStates.IsLoaded(info.Id, p)) ? LoadState.Loaded : LoadState.NotLoad;
        return _loadStates.IsLoaded(info.Id) ? LoadState.Loaded : LoadState.NotLoad;
    }

    /// <summary>
    /// A read's partitions cut to the loaded ones: a named partition that is not loaded is PartitionNotLoaded (as in
    /// Milvus); without names the partitions that are not loaded are left out.
    /// </summary>
    private HashSet<long> OnlyLoaded(Coordinator.CollectionInfo info, HashSet<long> partitions, IReadOnlyList<string> names)
    {
        if (_loadStates.LoadedPartitions(info.Id) is not { } loaded) return partitions;
        foreach (string name in names)
            if (info.Partition(name) is { } p && !loaded.Contains(p.Id))
                throw new QuiverException(ErrorCode.PartitionNotLoaded, $"partition '{name}' of collection '{info.Name}' is not loaded; load it before searching or querying it");
        return partitions.Where(loaded.Contains).ToHashSet();
    }

    /// <summary>Loading progress in percent (0 or 100: loading is immediate in this engine).</summary>
    public async Task<int> GetLoadingProgressAsync(string collection, string? db = null, CancellationToken cancellationToken = default) =>
        await GetLoadStateAsync(collection, db, cancellationToken).ConfigureAwait(false) == LoadState.Loaded ? 100 : 0;

    /// <summary>The index with its build progress (Milvus's DescribeIndex).</summary>
    public async Task<IndexDescription> DescribeIndexAsync(string collection, string indexName, string? db = null, CancellationToken cancellationToken = default)
    {
        var definition = await _catalog.DescribeIndexAsync(db, collection, indexName, cancellationToken).ConfigureAwait(false);
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        long total = 0, indexed = 0, pending = 0;
        foreach (var shard in runtime.Shards)
        {
            foreach (var segment in shard.Segments)
            {
                total += segment.RowCount;
                if (segment is not Query.SealedSegment s) continue;
                if (s.HasIndex(definition.FieldName)) indexed += s.RowCount;
                else pending += s.RowCount;
            }
        }
        return new IndexDescription(definition, total, indexed, pending, pending == 0 ? "Finished" : "InProgress");
    }

    /// <summary>Collection statistics as Milvus's GetCollectionStatistics gives them: the row count (live rows; no load needed).</summary>
    public Task<IReadOnlyDictionary<string, string>> GetCollectionStatisticsAsync(string collection, string? db = null, CancellationToken cancellationToken = default) =>
        StatisticsAsync(collection, null, db, cancellationToken);

    /// <summary>One partition's statistics (Milvus's GetPartitionStatistics): its live row count; no load needed.</summary>
    public Task<IReadOnlyDictionary<string, string>> GetPartitionStatisticsAsync(string collection, string partition, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return StatisticsAsync(collection, partition, db, cancellationToken);
    }

    private async Task<IReadOnlyDictionary<string, string>> StatisticsAsync(string collection, string? partition, string? db, CancellationToken cancellationToken)
    {
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var partitions = partition is null ? runtime.Info.Partitions.Select(p => p.Id).ToHashSet() : PartitionIds(runtime.Info, [partition]).ToHashSet();
        long rows = 0;
        foreach (var shard in runtime.Shards)
        {
            using var held = Query.SegmentSnapshot.Acquire(shard);
            foreach (var segment in held.Segments)
                if (partitions.Contains(segment.PartitionId)) rows += segment.LiveCount(Latest);
        }
        return new Dictionary<string, string> { ["row_count"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }

    /// <summary>Counters since open and segment counts now for one collection (<see cref="CollectionMetrics"/>).</summary>
    public async Task<CollectionMetrics> GetCollectionMetricsAsync(string collection, string? db = null, CancellationToken cancellationToken = default)
    {
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        int growing = 0, sealedCount = 0;
        long rows = 0;
        foreach (var shard in runtime.Shards)
        {
            using var held = Query.SegmentSnapshot.Acquire(shard);
            foreach (var segment in held.Segments)
            {
                if (segment is Query.SealedSegment) sealedCount++;
                else growing++;
                if (runtime.Info.Partitions.Any(p => p.Id == segment.PartitionId)) rows += segment.LiveCount(Latest);
            }
        }
        var c = runtime.Counters;
        bool loaded = await GetLoadStateAsync(collection, db, cancellationToken).ConfigureAwait(false) == LoadState.Loaded;
        return new CollectionMetrics(Volatile.Read(ref c.Inserted), Volatile.Read(ref c.Upserted), Volatile.Read(ref c.Deleted),
            Volatile.Read(ref c.SearchVectors), growing, sealedCount, rows, loaded);
    }
}
