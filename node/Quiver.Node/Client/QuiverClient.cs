using System.Collections.Concurrent;
using Quiver.Node.Coordinator;
using Quiver.Node.Data;
using Quiver.Node.Query;
using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Node.Streaming;
using Quiver.Storage.Meta;
using Quiver.Storage.ObjectStore;
using Quiver.Storage.Segments;
using Quiver.Storage.Wal;

namespace Quiver.Node.Client;

/// <summary>
/// The whole engine in process over one data directory — what Milvus Lite is to Python, with the same
/// operations and errors the server exposes. Layout: <c>meta/</c> (embedded meta store: catalog, TSO, ids),
/// <c>wal/{vchannel}/</c> (one write-ahead log per shard), <c>objects/</c> (local object store for sealed data).
/// </summary>
/// <remarks>
/// Every method is thread-safe. A write returns once it is durable in the WAL and visible to searches; a
/// restart (clean or after a crash) replays the WAL, so every acknowledged write is there again.
/// This version keeps all data in growing segments (brute-force search); sealing, flush to Arrow segments,
/// index builds and compaction come next (issue 6 continues).
/// </remarks>
public sealed partial class QuiverClient : IAsyncDisposable
{
    private readonly string _directory;
    private readonly QuiverClientOptions _options;
    private readonly EmbeddedMetaStore _meta;
    private readonly TimestampOracle _tso;
    private readonly IdAllocator _ids;
    private readonly Catalog _catalog;
    private readonly LocalObjectStore _objects;
    private readonly SegmentBook _segmentBook;
    private readonly LoadStates _loadStates;
    private readonly QueryNodeGpu _gpu;
    private readonly ConcurrentDictionary<long, CollectionRuntime> _collections = new();
    private readonly SemaphoreSlim _ddl = new(1, 1);
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private int _disposed;

    private sealed record CollectionRuntime(CollectionInfo Info, SegmentSchema Storage, ShardChannel[] Shards)
    {
        /// <summary>Rows written and vectors searched since open (<see cref="CollectionMetrics"/>).</summary>
        public CollectionCounters Counters { get; } = new();
    }

    private readonly ConcurrentDictionary<long, string> _sealedChannel = new();

    // Segment id → the segments a compaction merged into it (SegmentRecord.CompactedFrom), for the next compaction's record.
    private readonly ConcurrentDictionary<long, IReadOnlyList<long>> _compactedFrom = new();

    private QuiverClient(string directory, QuiverClientOptions options, EmbeddedMetaStore meta, TimestampOracle tso, IdAllocator ids,
        Catalog catalog, LocalObjectStore objects)
    {
        _directory = directory;
        _options = options;
        _meta = meta;
        _tso = tso;
        _ids = ids;
        _catalog = catalog;
        _objects = objects;
        _segmentBook = new SegmentBook(meta, options.MetaRoot);
        _loadStates = new LoadStates(meta, options.MetaRoot);
        _gpu = new QueryNodeGpu(options.Gpu, options.GpuMaxBytes, options.Log);
    }

    /// <summary>Opens (or creates) the engine in <paramref name="dataDirectory"/> and recovers every collection.</summary>
    public static async Task<QuiverClient> OpenAsync(string dataDirectory, QuiverClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        options ??= new QuiverClientOptions();
        Directory.CreateDirectory(dataDirectory);
        var meta = EmbeddedMetaStore.Open(new EmbeddedMetaStoreOptions { Directory = Path.Combine(dataDirectory, "meta"), TimeProvider = options.Clock });
        QuiverClient? client = null;
        try
        {
            var tso = await TimestampOracle.OpenAsync(meta, CoordinatorKeys.Tso(options.MetaRoot), options.Clock, cancellationToken: cancellationToken).ConfigureAwait(false);
            var ids = await IdAllocator.OpenAsync(meta, CoordinatorKeys.Ids(options.MetaRoot), cancellationToken: cancellationToken).ConfigureAwait(false);
            var catalog = await Catalog.OpenAsync(meta, options.MetaRoot, ids, tso, cancellationToken: cancellationToken).ConfigureAwait(false);
            var objects = new LocalObjectStore(Path.Combine(dataDirectory, "objects"));
            client = new QuiverClient(dataDirectory, options, meta, tso, ids, catalog, objects);
            await client._loadStates.OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (var info in await catalog.ListAllCollectionsAsync(cancellationToken).ConfigureAwait(false))
                await client.OpenRuntimeAsync(info, cancellationToken).ConfigureAwait(false);
            await client.RemoveOrphanWalsAsync(cancellationToken).ConfigureAwait(false);
            await client.RemoveOrphanSegmentsAsync(cancellationToken).ConfigureAwait(false);
            // A flush cut short leaves its staging folder; nothing in it is referenced.
            string staging = Path.Combine(dataDirectory, "staging");
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            client.StartBackground();
            return client;
        }
        catch
        {
            if (client != null) await client.DisposeAsync().ConfigureAwait(false);
            else await meta.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task OpenRuntimeAsync(CollectionInfo info, CancellationToken cancellationToken)
    {
        var storage = info.Schema.ToSegmentSchema();
        var shards = new ShardChannel[info.ShardsNum];
        var loaded = new List<SealedSegment>();
        try
        {
            // The query node's part: load every flushed segment (mapped Arrow rows + its index), then the streaming
            // node's: replay each shard's WAL for what was not flushed.
            var indexes = await VectorIndexesAsync(info, cancellationToken).ConfigureAwait(false);
            var savedIndexes = await _segmentBook.IndexesAsync(info.Id, cancellationToken).ConfigureAwait(false);
            var records = await _segmentBook.ListAsync(info.Id, cancellationToken).ConfigureAwait(false);
            foreach (var record in records)
            {
                loaded.Add(await LoadSealedAsync(info, storage, record, indexes, savedIndexes, cancellationToken).ConfigureAwait(false));
                if (record.CompactedFrom is { Count: > 0 } from) _compactedFrom[record.SegmentId] = from;
            }
            // Index records without their segment (a compaction cut short after building the new index): their files are
            // removed with the other orphans below, the records here.
            foreach (long orphan in savedIndexes.Select(r => r.SegmentId).Distinct().Except(records.Select(r => r.SegmentId)))
                await _segmentBook.DropIndexRecordsAsync(info.Id, orphan, cancellationToken).ConfigureAwait(false);
            for (int s = 0; s < shards.Length; s++)
            {
                string vchannel = info.VirtualChannels[s];
                var wal = new WalOptions(Path.Combine(_directory, "wal", vchannel), vchannel, _options.WalPageSizeBits, _options.WalMemorySizeBits, _options.WalSegmentSizeBits);
                var mine = loaded.Where(l => _sealedChannel[l.SegmentId] == vchannel).Cast<IQuerySegment>().ToList();
                var compacted = records.Where(r => r.VirtualChannel == vchannel).SelectMany(r => r.CompactedFrom ?? []);
                long checkpoint = await _segmentBook.CheckpointAsync(vchannel, cancellationToken).ConfigureAwait(false);
                shards[s] = await ShardChannel.OpenAsync(vchannel, info.Id, storage, wal,
                    () => _tso.AllocateAsync(), () => _ids.AllocateAsync(), mine, checkpoint, cancellationToken, compacted).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var shard in shards) if (shard != null) await shard.DisposeAsync().ConfigureAwait(false);
            foreach (var segment in loaded) segment.Dispose();
            throw;
        }
        _collections[info.Id] = new CollectionRuntime(info, storage, shards);
    }

    /// <summary>WAL folders of collections the catalog no longer has (a crash after a drop) are removed at open.</summary>
    private Task RemoveOrphanWalsAsync(CancellationToken cancellationToken)
    {
        string root = Path.Combine(_directory, "wal");
        if (!Directory.Exists(root)) return Task.CompletedTask;
        var live = new HashSet<string>(_collections.Values.SelectMany(c => c.Info.VirtualChannels), StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!live.Contains(Path.GetFileName(dir))) Directory.Delete(dir, recursive: true);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Segment files no record points at (a crash between upload and record, or a drop cut short) are removed at open:
    /// their rows are still in the WAL, or their collection is gone.
    /// </summary>
    private async Task RemoveOrphanSegmentsAsync(CancellationToken cancellationToken)
    {
        var live = _sealedChannel.Keys.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
        foreach (var log in new[] { ObjectKeys.InsertLog, ObjectKeys.DeltaLog, ObjectKeys.StatsLog, ObjectKeys.IndexFiles })
        {
            var orphans = new List<string>();
            await foreach (var o in _objects.ListAsync(log + "/", cancellationToken).ConfigureAwait(false))
            {
                // {log}/{collection}/{partition}/{segment}/{file}, or index_files/{index}/{version}/{partition}/{segment}/{file}
                var parts = o.Key.Split('/');
                int segmentPart = log == ObjectKeys.IndexFiles ? 4 : 3;
                if (parts.Length > segmentPart + 1 && !live.Contains(parts[segmentPart])) orphans.Add(o.Key);
            }
            foreach (var key in orphans) await _objects.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The runtime of a collection that must be loaded (search, query, count).</summary>
    private async ValueTask<CollectionRuntime> LoadedRuntimeAsync(string? db, string collection, CancellationToken cancellationToken)
    {
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        if (!_loadStates.IsLoaded(runtime.Info.Id))
            throw new QuiverException(ErrorCode.CollectionNotLoaded, $"collection '{runtime.Info.Name}' is not loaded; load it before searching or querying");
        return runtime;
    }

    private async ValueTask<CollectionRuntime> RuntimeAsync(string? db, string collection, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var info = await _catalog.DescribeCollectionAsync(db, collection, cancellationToken).ConfigureAwait(false);
        if (!_collections.TryGetValue(info.Id, out var runtime))
            throw new QuiverException(ErrorCode.CollectionNotFound, $"collection '{collection}' is being created or dropped", retriable: true);
        // Partitions and properties change without reopening shards: take the catalog's current description.
        return runtime with { Info = info };
    }

    private static async Task CloseRuntimeAsync(CollectionRuntime runtime)
    {
        foreach (var shard in runtime.Shards)
        {
            var sealedSegments = shard.Segments.OfType<SealedSegment>().ToList();
            await shard.DisposeAsync().ConfigureAwait(false);
            foreach (var s in sealedSegments) s.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await StopBackgroundAsync().ConfigureAwait(false);
        foreach (var runtime in _collections.Values)
            await CloseRuntimeAsync(runtime).ConfigureAwait(false);
        _collections.Clear();
        _gpu.Dispose(); // after every segment (and its GPU index) is closed
        _objects.Dispose();
        await _meta.DisposeAsync().ConfigureAwait(false);
        _ddl.Dispose();
        _flushGate.Dispose();
    }
}
