using Quiver.Kernel.Distance;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Node.Query;
using Quiver.Node.Schema;

namespace Quiver.Node.Client;

public sealed partial class QuiverClient
{
    /// <summary>Inserts rows (see <see cref="InsertData"/>); returns their primary keys (assigned ones for auto id) once durable and searchable.</summary>
    public Task<MutationResult> InsertAsync(string collection, InsertData data, string? partition = null, string? db = null, CancellationToken cancellationToken = default) =>
        WriteAsync(collection, data, partition, db, upsert: false, cancellationToken);

    /// <summary>Inserts rows, replacing any existing rows with the same primary keys atomically (per shard).</summary>
    public Task<MutationResult> UpsertAsync(string collection, InsertData data, string? partition = null, string? db = null, CancellationToken cancellationToken = default) =>
        WriteAsync(collection, data, partition, db, upsert: true, cancellationToken);

    private async Task<MutationResult> WriteAsync(string collection, InsertData data, string? partition, string? db, bool upsert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var info = runtime.Info;
        var keyPartitions = info.HasPartitionKey ? PartitionKeyPartitions(info, partition) : null;
        long partitionId = keyPartitions is null ? PartitionId(info, partition) : 0;
        long firstId = 0;
        if (!upsert && info.Schema.PrimaryField.AutoId && data.RowCount > 0)
            firstId = await _ids.AllocateAsync(data.RowCount, cancellationToken).ConfigureAwait(false);
        var prepared = InsertPreparer.Prepare(info.Schema, runtime.Storage, info.ShardsNum, data, 0, upsert, _ => firstId, keyPartitions?.Length ?? 0);
        ulong ts = 0;
        // Shards are independent logs; each part is durable on its own shard before the call returns.
        var writes = prepared.Shards.Select(part =>
        {
            long target = keyPartitions is null ? partitionId : keyPartitions[part.Partition];
            return upsert
                ? runtime.Shards[part.Shard].UpsertAsync(target, part.Batch, cancellationToken)
                : runtime.Shards[part.Shard].InsertAsync(target, part.Batch, cancellationToken);
        });
        foreach (ulong t in await Task.WhenAll(writes).ConfigureAwait(false)) ts = Math.Max(ts, t);
        NoteWrite(info.Id, ts);
        CheckSealBySize(runtime);
        int n = data.RowCount;
        Interlocked.Add(ref upsert ? ref runtime.Counters.Upserted : ref runtime.Counters.Inserted, n);
        return new MutationResult(prepared.PrimaryKeys, upsert ? 0 : n, 0, upsert ? n : 0, ts);
    }

    /// <summary>Deletes rows by primary key (<c>long[]</c> or <c>string[]</c>, matching the key type).</summary>
    public async Task<MutationResult> DeleteAsync(string collection, Array ids, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var pk = runtime.Info.Schema.PrimaryField;
        int shards = runtime.Info.ShardsNum;
        Task<ulong>[] writes;
        switch (ids)
        {
            case long[] ints when pk.DataType == Storage.Segments.FieldType.Int64:
                writes = ints.GroupBy(k => ShardRouter.Shard(k, shards))
                    .Select(g => runtime.Shards[g.Key].DeleteAsync(g.ToArray(), cancellationToken)).ToArray();
                break;
            case string[] strings when pk.DataType == Storage.Segments.FieldType.VarChar:
                if (strings.Any(s => s is null)) throw QuiverException.Invalid("a primary key to delete is null");
                writes = strings.GroupBy(k => ShardRouter.Shard(k, shards))
                    .Select(g => runtime.Shards[g.Key].DeleteAsync(g.ToArray(), cancellationToken)).ToArray();
                break;
            default:
                throw QuiverException.Invalid($"primary key '{pk.Name}' is {pk.DataType}; pass the ids as {(pk.DataType == Storage.Segments.FieldType.Int64 ? "long[]" : "string[]")}, got {ids.GetType().Name}");
        }
        ulong ts = 0;
        foreach (ulong t in await Task.WhenAll(writes).ConfigureAwait(false)) ts = Math.Max(ts, t);
        NoteWrite(runtime.Info.Id, ts);
        Interlocked.Add(ref runtime.Counters.Deleted, ids.Length);
        return new MutationResult(ids, 0, ids.Length, 0, ts);
    }

    /// <summary>Searches the collection; one list of hits per query vector, best first.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<SearchHit>>> SearchAsync(string collection, SearchRequest request, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var runtime = await LoadedRuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var field = SearchExecutor.ResolveVectorField(runtime.Info.Schema, request.VectorField);
        Metric? indexMetric = await IndexMetricAsync(runtime.Info, field, db, collection, cancellationToken).ConfigureAwait(false);
        var plan = CompileFilter(runtime.Info.Schema, request.Filter, request.FilterParams);
        var partitions = OnlyLoaded(runtime.Info, ReadPartitions(runtime.Info, request.Partitions, plan, request.FilterParams), request.Partitions);
        ulong snapshot = await ReadSnapshotAsync(runtime, request.ConsistencyLevel, request.GuaranteeTimestamp, cancellationToken).ConfigureAwait(false);
        var results = SearchExecutor.Search(runtime.Info.Schema, runtime.Shards, partitions, request, indexMetric, snapshot, plan);
        Interlocked.Add(ref runtime.Counters.SearchVectors, results.Count);
        return results;
    }

    /// <summary>
    /// Runs each part of a hybrid search (its own field, queries, params, filter and limit) on one snapshot and fuses the
    /// parts' hits per query with the request's ranker; then offset, limit, round_decimal. Hits' distances are fused scores.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<SearchHit>>> HybridSearchAsync(string collection, HybridSearchRequest request, string? db = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Requests.Count is < 1 or > 1024) throw QuiverException.Invalid($"a hybrid search takes 1 to 1024 searches, got {request.Requests.Count}");
        if (request.Limit < 1) throw QuiverException.Invalid($"limit must be at least 1, got {request.Limit}");
        if (request.Offset < 0) throw QuiverException.Invalid($"offset must not be negative, got {request.Offset}");
        if ((long)request.Limit + request.Offset > SearchExecutor.MaxTopK)
            throw QuiverException.Invalid($"limit + offset = {(long)request.Limit + request.Offset} exceeds {SearchExecutor.MaxTopK}");
        if (request.RoundDecimal is < -1 or > 6) throw QuiverException.Invalid($"round_decimal must be in -1..6, got {request.RoundDecimal}");
        var runtime = await LoadedRuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var schema = runtime.Info.Schema;
        var partitions = OnlyLoaded(runtime.Info, Partitions(runtime.Info, request.Partitions), request.Partitions);
        ulong snapshot = await ReadSnapshotAsync(runtime, request.ConsistencyLevel, request.GuaranteeTimestamp, cancellationToken).ConfigureAwait(false);
        var parts = new List<IReadOnlyList<IReadOnlyList<SearchHit>>>(request.Requests.Count);
        var metrics = new List<string>(request.Requests.Count);
        foreach (var part in request.Requests)
        {
            var field = SearchExecutor.ResolveVectorField(schema, part.VectorField);
            Metric? indexMetric = await IndexMetricAsync(runtime.Info, field, db, collection, cancellationToken).ConfigureAwait(false);
            var plan = CompileFilter(schema, part.Filter, part.FilterParams);
            var metric = part.Metric is null && indexMetric is { } im ? im : MetricNames.Parse(part.Metric, field.DataType);
            metrics.Add(MetricNames.Name(metric));
            var one = part with { VectorField = field.Name, Offset = 0, OutputFields = request.OutputFields, RoundDecimal = -1, Partitions = [], GroupByField = null };
            var hits = SearchExecutor.Search(schema, runtime.Shards, partitions, one, indexMetric, snapshot, plan);
            Interlocked.Add(ref runtime.Counters.SearchVectors, hits.Count);
            if (parts.Count > 0 && hits.Count != parts[0].Count)
                throw QuiverException.Invalid($"every search of a hybrid search needs the same number of queries; the first has {parts[0].Count}, search {parts.Count + 1} has {hits.Count}");
            parts.Add(hits);
        }
        int nq = parts[0].Count;
        var results = new IReadOnlyList<SearchHit>[nq];
        for (int q = 0; q < nq; q++)
        {
            var fused = Fusion.Fuse(request.Ranker, parts.Select(p => p[q]).ToList(), metrics);
            var page = fused.Skip(request.Offset).Take(request.Limit);
            if (request.RoundDecimal >= 0) page = page.Select(h => h with { Distance = (float)Math.Round(h.Distance, request.RoundDecimal) });
            results[q] = page.ToList();
        }
        return results;
    }

    /// <summary>Rows by primary key (missing keys are skipped), with the requested fields (all scalar and vector fields when none are named).</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> GetAsync(string collection, Array ids, IReadOnlyList<string>? outputFields = null,
        IReadOnlyList<string>? partitionNames = null, string? db = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var runtime = await LoadedRuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var schema = runtime.Info.Schema;
        var fields = OutputFields.Resolve(schema, outputFields is { Count: > 0 } ? outputFields : ["*"]);
        var partitions = OnlyLoaded(runtime.Info, Partitions(runtime.Info, partitionNames ?? []), partitionNames ?? []);
        ulong snapshot = await ReadSnapshotAsync(runtime, null, 0, cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        foreach (object key in ids)
        {
            if (key is null) continue;
            int shard = key is long l ? ShardRouter.Shard(l, runtime.Info.ShardsNum) : ShardRouter.Shard((string)key, runtime.Info.ShardsNum);
            using var held = SegmentSnapshot.Acquire(runtime.Shards[shard]);
            foreach (var segment in held.Segments)
            {
                if (partitions != null && !partitions.Contains(segment.PartitionId)) continue;
                if (!segment.TryGetRow(key, snapshot, out long row)) continue;
                rows.Add(OutputFields.Read(schema, segment, row, fields));
                break;
            }
        }
        return rows;
    }

    /// <summary><c>count(*)</c>: rows visible now, in the given partitions or all.</summary>
    public Task<long> CountAsync(string collection, IReadOnlyList<string>? partitionNames = null, string? db = null, CancellationToken cancellationToken = default) =>
        CountAsync(collection, null, null, partitionNames, null, db, cancellationToken);

    /// <summary>
    /// The snapshot reads use: everything applied. Every acknowledged write is applied before it is acknowledged
    /// (writes return once visible), so reading the latest state is Strong consistency with no wait and no
    /// timestamp to allocate. (The visibility rule is insertTs ≤ T &lt; deleteTs, and a live row's deleteTs is
    /// ulong.MaxValue, so the latest snapshot is one below it.)
    /// </summary>
    private const ulong Latest = ulong.MaxValue - 1;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CollectionInfo, HashSet<long>> AllPartitions = new();

    /// <summary>The metric of the index on <paramref name="field"/>, if any; cached per collection until its indexes change.</summary>
    private async ValueTask<Metric?> IndexMetricAsync(CollectionInfo info, Schema.FieldSchema field, string? db, string collection, CancellationToken cancellationToken)
    {
        var key = (info.Id, field.Name);
        if (_indexMetrics.TryGetValue(key, out var cached)) return cached;
        var index = (await _catalog.ListIndexesAsync(db, collection, cancellationToken).ConfigureAwait(false)).FirstOrDefault(i => i.FieldName == field.Name);
        Metric? metric = index is null ? null : MetricNames.Parse(index.MetricType, field.DataType);
        _indexMetrics[key] = metric;
        return metric;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long, string), Metric?> _indexMetrics = new();

    /// <summary>A partition-key collection's partitions in hash order (the catalog names them "_default_0", "_default_1", …).</summary>
    private static long[] PartitionKeyPartitions(CollectionInfo info, string? partition)
    {
        if (partition != null) throw QuiverException.Invalid($"collection '{info.Name}' routes rows by its partition key; do not name a partition");
        return AllPartitionIds.GetValue(info, i => i.Partitions
            .Select(p => (p.Id, Index: int.TryParse(p.Name.AsSpan(p.Name.LastIndexOf('_') + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int x) ? x : -1))
            .OrderBy(p => p.Index).Select(p => p.Id).ToArray());
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CollectionInfo, long[]> AllPartitionIds = new();

    private static long PartitionId(CollectionInfo info, string? partition)
    {
        string name = partition ?? CollectionInfo.DefaultPartitionName;
        return (info.Partition(name) ?? throw new QuiverException(ErrorCode.PartitionNotFound, $"partition '{name}' not found in collection '{info.Name}'")).Id;
    }

    /// <summary>The live partitions to read: the named ones (each must exist), or every partition the catalog still has.</summary>
    private static HashSet<long> Partitions(CollectionInfo info, IReadOnlyList<string> names)
    {
        // The catalog hands out a new CollectionInfo on every change, so the set of all partitions is cached per object.
        if (names.Count == 0) return AllPartitions.GetValue(info, i => i.Partitions.Select(p => p.Id).ToHashSet());
        return names.Select(n => (info.Partition(n) ?? throw new QuiverException(ErrorCode.PartitionNotFound, $"partition '{n}' not found in collection '{info.Name}'")).Id).ToHashSet();
    }
}
