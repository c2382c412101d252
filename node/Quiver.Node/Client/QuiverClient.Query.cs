using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Quiver.Kernel.Bits;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Expressions;
using Quiver.Node.Proxy;
using Quiver.Node.Query;
using Quiver.Node.Schema;
using Quiver.Node.Streaming;
using Quiver.Storage.Segments;

namespace Quiver.Node.Client;

// Reads by filter (query, count, the query iterator), delete by filter, and the consistency levels every read goes through.
public sealed partial class QuiverClient
{
    /// <summary>The output field that turns a query into a count.</summary>
    public const string CountStar = "count(*)";

    /// <summary>Milvus's largest limit + offset of a query or search.</summary>
    public const int MaxQueryWindow = 16384;

    // Collection id → the newest write timestamp this client got back: what a Session read must see.
    private readonly ConcurrentDictionary<long, ulong> _lastWrite = new();

    private void NoteWrite(long collectionId, ulong ts) => _lastWrite.AddOrUpdate(collectionId, ts, (_, old) => Math.Max(old, ts));

    /// <summary>
    /// Turns a read's consistency level into a guarantee and waits until every shard serves it, then returns the MVCC
    /// snapshot to read at. Strong: every write that had its timestamp when the read began is applied (those in flight are
    /// waited for). Session: the caller's last write (or the given timestamp). Bounded: writes older than the graceful
    /// time. Eventually: no wait. Customized: the given timestamp. The snapshot is the latest applied state — at least as
    /// fresh as the guarantee, which every level allows.
    /// </summary>
    private async ValueTask<ulong> ReadSnapshotAsync(CollectionRuntime runtime, ConsistencyLevel? level, ulong guarantee, CancellationToken cancellationToken)
    {
        ulong wait = (level ?? runtime.Info.ConsistencyLevel) switch
        {
            ConsistencyLevel.Strong => ulong.MaxValue,
            ConsistencyLevel.Session => guarantee != 0 ? guarantee : _lastWrite.GetValueOrDefault(runtime.Info.Id),
            ConsistencyLevel.Bounded => BoundedGuarantee(),
            ConsistencyLevel.Customized => guarantee,
            _ => 0,
        };
        if (wait != 0)
            foreach (var shard in runtime.Shards) await shard.WaitServiceableAsync(wait, cancellationToken).ConfigureAwait(false);
        return Latest;
    }

    private ulong BoundedGuarantee()
    {
        long physical = _options.Clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)_options.GracefulTime.TotalMilliseconds;
        return physical <= 0 ? 0 : HybridTimestamp.Compose(physical, 0);
    }

    /// <summary>
    /// The partitions a read covers: the named ones, or — in a partition-key collection whose filter pins the key — only the
    /// partitions the pinned values hash to; otherwise every partition. The pinned values are worked out once per cached
    /// plan (a plan stands for one expression with one set of template values).
    /// </summary>
    private static HashSet<long> ReadPartitions(CollectionInfo info, IReadOnlyList<string> names, FilterPlan? plan, IReadOnlyDictionary<string, object?>? values)
    {
        var all = Partitions(info, names);
        if (plan is null || names.Count > 0 || !info.HasPartitionKey || info.Schema.PartitionKeyField is not { } key) return all;
        var pinned = Pins.GetValue(plan, p => new PinnedKeys(PartitionPruning.PinnedValues(p.Expression, key.Name, key.DataType, values))).Values;
        if (pinned is null) return all;
        var ordered = PartitionKeyPartitions(info, null);
        var result = new HashSet<long>();
        foreach (var v in pinned)
            result.Add(ordered[v is long l ? ShardRouter.Shard(l, ordered.Length) : ShardRouter.Shard((string)v, ordered.Length)]);
        return result;
    }

    private sealed record PinnedKeys(IReadOnlySet<object>? Values);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FilterPlan, PinnedKeys> Pins = new();

    /// <summary>
    /// The compiled plan of a filter (null when it is empty or always true). Plans are cached per schema, expression and
    /// template values, so a repeated filter is compiled once and its per-segment bitsets (kept by sealed segments, keyed by
    /// plan) are reused.
    /// </summary>
    private FilterPlan? CompileFilter(CollectionSchema schema, string? filter, IReadOnlyDictionary<string, object?>? values)
    {
        if (string.IsNullOrWhiteSpace(filter)) return null;
        var key = (schema, filter + "\u0000" + TemplateKey(values));
        if (!_plans.TryGetValue(key, out var plan))
        {
            plan = FilterPlan.Compile(filter, schema, values);
            if (_plans.Count >= MaxCachedPlans) _plans.Clear();
            _plans[key] = plan;
        }
        return plan.IsAlwaysTrue ? null : plan;
    }

    private const int MaxCachedPlans = 1024;
    private readonly ConcurrentDictionary<(CollectionSchema, string), FilterPlan> _plans = new();

    /// <summary>Template values as text that differs whenever the values do (type-tagged, in name order).</summary>
    private static string TemplateKey(IReadOnlyDictionary<string, object?>? values)
    {
        if (values is null || values.Count == 0) return "";
        var sb = new System.Text.StringBuilder();
        foreach (var (name, value) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(name).Append('=');
            Append(sb, value);
            sb.Append('\u001e');
        }
        return sb.ToString();

        static void Append(System.Text.StringBuilder sb, object? v)
        {
            switch (v)
            {
                case null: sb.Append("null"); break;
                case string s: sb.Append('s').Append(s.Length).Append(':').Append(s); break;
                case System.Collections.IEnumerable list:
                    sb.Append('[');
                    foreach (var x in list) { Append(sb, x); sb.Append('\u001f'); }
                    sb.Append(']');
                    break;
                case IFormattable f: sb.Append(v.GetType().Name).Append(':').Append(f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)); break;
                default: sb.Append(v.GetType().Name).Append(':').Append(v); break;
            }
        }
    }

    /// <summary>
    /// Rows matching the request's filter, in ascending primary-key order, with the requested fields (the primary key is
    /// always there). With <c>count(*)</c> as the only output field: one row holding the count.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string collection, QueryRequest request, string? db = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var runtime = await LoadedRuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var schema = runtime.Info.Schema;
        var plan = CompileFilter(schema, request.Filter, request.FilterParams);
        var partitions = OnlyLoaded(runtime.Info, ReadPartitions(runtime.Info, request.Partitions, plan, request.FilterParams), request.Partitions);
        if (IsCount(request.OutputFields))
        {
            long count = await CountMatchingAsync(runtime, plan, partitions, request.IgnoreGrowing, request.ConsistencyLevel, request.GuaranteeTimestamp, cancellationToken).ConfigureAwait(false);
            return [new Dictionary<string, object?> { [CountStar] = count }];
        }
        if (request.Limit is { } l && l < 1) throw QuiverException.Invalid($"limit must be at least 1, got {l}");
        if (request.Offset < 0) throw QuiverException.Invalid($"offset must not be negative, got {request.Offset}");
        if (request.Limit is null && plan is null)
            throw QuiverException.Invalid("a query with an empty filter needs a limit");
        if (request.Limit is { } limit && limit + request.Offset > MaxQueryWindow)
            throw QuiverException.Invalid($"limit + offset = {limit + request.Offset} exceeds {MaxQueryWindow}; use the query iterator for more");
        var fields = QueryFields(schema, request.OutputFields);
        ulong snapshot = await ReadSnapshotAsync(runtime, request.ConsistencyLevel, request.GuaranteeTimestamp, cancellationToken).ConfigureAwait(false);
        var held = HoldAll(runtime);
        try
        {
            long take = request.Limit is { } n ? n + request.Offset : long.MaxValue;
            var ordered = OrderedMatches(schema, held, partitions, plan, snapshot, request.IgnoreGrowing, take);
            var rows = new List<IReadOnlyDictionary<string, object?>>((int)Math.Min(ordered.Count, take));
            for (long i = request.Offset; i < ordered.Count && i < take; i++)
                rows.Add(OutputFields.Read(schema, ordered[(int)i].Segment, ordered[(int)i].Row, fields));
            return rows;
        }
        finally
        {
            foreach (var h in held) h.Dispose();
        }
    }

    /// <summary>Rows matching <paramref name="filter"/> (all rows when it is null or empty) in the given partitions, at the read's consistency.</summary>
    public async Task<long> CountAsync(string collection, string? filter, IReadOnlyDictionary<string, object?>? filterParams = null,
        IReadOnlyList<string>? partitionNames = null, ConsistencyLevel? consistencyLevel = null, string? db = null, CancellationToken cancellationToken = default)
    {
        var runtime = await LoadedRuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var plan = CompileFilter(runtime.Info.Schema, filter, filterParams);
        var partitions = OnlyLoaded(runtime.Info, ReadPartitions(runtime.Info, partitionNames ?? [], plan, filterParams), partitionNames ?? []);
        return await CountMatchingAsync(runtime, plan, partitions, false, consistencyLevel, 0, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> CountMatchingAsync(CollectionRuntime runtime, FilterPlan? plan, HashSet<long> partitions, bool ignoreGrowing,
        ConsistencyLevel? level, ulong guarantee, CancellationToken cancellationToken)
    {
        ulong snapshot = await ReadSnapshotAsync(runtime, level, guarantee, cancellationToken).ConfigureAwait(false);
        long count = 0;
        foreach (var shard in runtime.Shards)
        {
            using var held = SegmentSnapshot.Acquire(shard);
            foreach (var segment in held.Segments)
            {
                if (!partitions.Contains(segment.PartitionId) || (ignoreGrowing && segment is not SealedSegment)) continue;
                count += plan is null ? segment.LiveCount(snapshot) : SegmentFilter.Matching(segment, plan, snapshot).PopCount();
            }
        }
        return count;
    }

    /// <summary>
    /// Deletes exactly the rows matching <paramref name="filter"/> when the delete is applied: on each shard the filter is
    /// evaluated after every earlier write and before any later one. An empty filter is refused (drop the collection or
    /// its partition instead). Returns the deleted rows' primary keys.
    /// </summary>
    public async Task<MutationResult> DeleteAsync(string collection, string filter, IReadOnlyDictionary<string, object?>? filterParams = null,
        IReadOnlyList<string>? partitionNames = null, string? db = null, CancellationToken cancellationToken = default)
    {
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var schema = runtime.Info.Schema;
        var plan = CompileFilter(schema, filter, filterParams)
            ?? throw QuiverException.Invalid("a delete needs a filter that can fail; an empty or always-true filter would delete everything (drop the collection or partition instead)");
        var partitions = Partitions(runtime.Info, partitionNames ?? []);
        bool intKeys = schema.PrimaryField.DataType == FieldType.Int64;
        var results = await Task.WhenAll(runtime.Shards.Select(shard => shard.DeleteMatchingAsync(segments =>
        {
            var ints = new HashSet<long>();
            var strings = new HashSet<string>(StringComparer.Ordinal);
            foreach (var segment in segments)
            {
                if (!partitions.Contains(segment.PartitionId)) continue;
                foreach (int row in SegmentFilter.Matching(segment, plan, Latest).SetBits)
                {
                    if (intKeys) ints.Add(segment.Int64Key(row));
                    else strings.Add((string)segment.PrimaryKey(row));
                }
            }
            return intKeys ? ints.ToArray() : strings.ToArray();
        }, cancellationToken))).ConfigureAwait(false);
        ulong ts = 0;
        foreach (var r in results) if (r.Timestamp is { } t) ts = Math.Max(ts, t);
        if (ts != 0) NoteWrite(runtime.Info.Id, ts);
        Array keys = intKeys ? results.SelectMany(r => (long[])r.Keys).ToArray() : results.SelectMany(r => (string[])r.Keys).ToArray();
        Interlocked.Add(ref runtime.Counters.Deleted, keys.Length);
        return new MutationResult(keys, 0, keys.Length, 0, ts);
    }

    /// <summary>
    /// Every row matching the request, page by page in ascending primary-key order, all pages from one snapshot (taken when
    /// the iteration starts: later writes do not shift the pages). <see cref="QueryRequest.Limit"/> caps the total, not a page.
    /// The matching keys are gathered once (16 bytes per match) and the segments are held until the iteration ends.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryIteratorAsync(string collection, QueryRequest request,
        int batchSize = 1000, string? db = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (batchSize < 1) throw QuiverException.Invalid($"batch size must be at least 1, got {batchSize}");
        if (request.Offset < 0) throw QuiverException.Invalid($"offset must not be negative, got {request.Offset}");
        var runtime = await LoadedRuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var schema = runtime.Info.Schema;
        var plan = CompileFilter(schema, request.Filter, request.FilterParams);
        var partitions = OnlyLoaded(runtime.Info, ReadPartitions(runtime.Info, request.Partitions, plan, request.FilterParams), request.Partitions);
        var fields = QueryFields(schema, request.OutputFields);
        // One timestamp for every page: writes that have one below it are applied before the first page; later ones are above it.
        ulong snapshot = await _tso.AllocateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var shard in runtime.Shards) await shard.WaitServiceableAsync(ulong.MaxValue, cancellationToken).ConfigureAwait(false);
        var held = HoldAll(runtime);
        try
        {
            long end = request.Limit is { } l ? request.Offset + l : long.MaxValue;
            var ordered = OrderedMatches(schema, held, partitions, plan, snapshot, request.IgnoreGrowing, end);
            for (long start = request.Offset; start < ordered.Count && start < end; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long stop = Math.Min(Math.Min(start + batchSize, ordered.Count), end);
                var page = new List<IReadOnlyDictionary<string, object?>>((int)(stop - start));
                for (long i = start; i < stop; i++) page.Add(OutputFields.Read(schema, ordered[(int)i].Segment, ordered[(int)i].Row, fields));
                yield return page;
            }
        }
        finally
        {
            foreach (var h in held) h.Dispose();
        }
    }

    private static bool IsCount(IReadOnlyList<string> fields)
    {
        bool count = fields.Any(f => string.Equals(f, CountStar, StringComparison.OrdinalIgnoreCase));
        if (count && fields.Count != 1) throw QuiverException.Invalid($"{CountStar} cannot be combined with other output fields");
        return count;
    }

    /// <summary>The query's output fields: the primary key first, then what was asked for (vectors only when named or with <c>*</c>).</summary>
    private static IReadOnlyList<string> QueryFields(CollectionSchema schema, IReadOnlyList<string> requested)
    {
        string pk = schema.PrimaryField.Name;
        var fields = OutputFields.Resolve(schema, requested);
        if (fields.Contains(pk)) return fields;
        return [pk, .. fields];
    }

    private static SegmentSnapshot[] HoldAll(CollectionRuntime runtime)
    {
        var held = new SegmentSnapshot[runtime.Shards.Length];
        for (int i = 0; i < held.Length; i++) held[i] = SegmentSnapshot.Acquire(runtime.Shards[i]);
        return held;
    }

    /// <summary>
    /// The matching rows of every held segment, ordered by primary key; a key visible in two rows (inserted twice without
    /// upsert) appears once, as its newest row. Only the first <paramref name="take"/> are needed.
    /// </summary>
    private static IReadOnlyList<(IQuerySegment Segment, long Row)> OrderedMatches(CollectionSchema schema, SegmentSnapshot[] held,
        HashSet<long> partitions, FilterPlan? plan, ulong snapshot, bool ignoreGrowing, long take)
    {
        bool intKeys = schema.PrimaryField.DataType == FieldType.Int64;
        var refs = new List<(IQuerySegment Segment, long Row)>();
        var longKeys = new List<long>();
        var stringKeys = new List<string>();
        foreach (var h in held)
        {
            foreach (var segment in h.Segments)
            {
                if (!partitions.Contains(segment.PartitionId) || (ignoreGrowing && segment is not SealedSegment)) continue;
                foreach (int row in SegmentFilter.Matching(segment, plan, snapshot).SetBits)
                {
                    refs.Add((segment, row));
                    if (intKeys) longKeys.Add(segment.Int64Key(row));
                    else stringKeys.Add((string)segment.PrimaryKey(row));
                }
            }
        }
        var order = new int[refs.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (intKeys)
        {
            var keys = longKeys.ToArray();
            if (!(take < keys.Length / 4 && TrySelectSmallest(keys, order, (int)take))) Array.Sort(keys, order);
            return Dedupe(refs, order, i => keys[i].Equals(keys[i - 1]), Math.Min(take, order.Length));
        }
        var skeys = stringKeys.ToArray();
        Array.Sort(skeys, order, StringComparer.Ordinal);
        return Dedupe(refs, order, i => string.Equals(skeys[i], skeys[i - 1], StringComparison.Ordinal), Math.Min(take, order.Length));
    }

    /// <summary>
    /// Puts the entries with the <paramref name="take"/> smallest keys first, sorted, with every entry whose key ties the
    /// largest of them (so duplicates are not cut off); the rest follows unordered. False (arrays untouched) when
    /// duplicate keys leave fewer than <paramref name="take"/> distinct keys in that prefix: sort everything then.
    /// </summary>
    private static bool TrySelectSmallest(long[] keys, int[] order, int take)
    {
        // A max-heap of the `take` smallest keys seen so far; then one pass gathers everything up to its top.
        var heap = new PriorityQueue<int, long>(take + 1, Comparer<long>.Create(static (a, b) => b.CompareTo(a)));
        for (int i = 0; i < keys.Length; i++)
        {
            if (heap.Count < take) heap.Enqueue(i, keys[i]);
            else if (heap.TryPeek(out _, out long worst) && keys[i] < worst) heap.EnqueueDequeue(i, keys[i]);
        }
        if (!heap.TryPeek(out _, out long bound)) return false;
        var chosen = new List<int>(take + 8);
        for (int i = 0; i < keys.Length; i++) if (keys[i] <= bound) chosen.Add(i);
        var chosenKeys = new long[chosen.Count];
        var chosenOrder = chosen.ToArray();
        for (int i = 0; i < chosenOrder.Length; i++) chosenKeys[i] = keys[chosenOrder[i]];
        Array.Sort(chosenKeys, chosenOrder);
        int distinct = chosenKeys.Length == 0 ? 0 : 1;
        for (int i = 1; i < chosenKeys.Length; i++) if (chosenKeys[i] != chosenKeys[i - 1]) distinct++;
        if (distinct < take) return false;
        // The prefix is all that is read (the caller stops at `take` distinct keys).
        chosenKeys.CopyTo(keys, 0);
        chosenOrder.CopyTo(order, 0);
        return true;
    }

    private static List<(IQuerySegment Segment, long Row)> Dedupe(List<(IQuerySegment Segment, long Row)> refs, int[] order, Func<int, bool> sameAsPrevious, long take)
    {
        var result = new List<(IQuerySegment Segment, long Row)>((int)Math.Min(take, order.Length));
        for (int i = 0; i < order.Length && result.Count < take; i++)
        {
            var r = refs[order[i]];
            if (i > 0 && sameAsPrevious(i))
            {
                // The same key again: keep the newer row.
                var last = result[^1];
                if (r.Segment.InsertTimestamp(r.Row) > last.Segment.InsertTimestamp(last.Row)) result[^1] = r;
                continue;
            }
            result.Add(r);
        }
        return result;
    }
}
