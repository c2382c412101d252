using System.Buffers;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Node.Client;
using Quiver.Node.Errors;
using Quiver.Node.Expressions;
using Quiver.Node.Schema;
using Quiver.Node.Query;
using Quiver.Node.Streaming;
using Quiver.Index;
using Quiver.Index.Ivf;
using Quiver.Storage.Segments;

namespace Quiver.Node.Proxy;

/// <summary>
/// Runs a search over a collection's shards at one snapshot timestamp: each shard's growing segments
/// are searched for limit + offset candidates (the delegator's part), the candidates of every segment
/// and shard are merged best-first with duplicate primary keys dropped (the proxy's reduce), then
/// offset/limit, round_decimal and output fields are applied.
/// </summary>
public static class SearchExecutor
{
    public const int MaxTopK = 16384;

    /// <summary>One candidate of one query: the segment (index into the snapshot's list), the row, its distance, and its Int64 key (Int64-keyed collections).</summary>
    private struct Candidate
    {
        public float Distance;
        public int Segment;
        public int Row;
        public long Key;
    }

    public static IReadOnlyList<IReadOnlyList<SearchHit>> Search(CollectionSchema schema, IReadOnlyList<ShardChannel> shards,
        IReadOnlySet<long>? partitions, SearchRequest request, Metric? indexMetric, ulong snapshot, FilterPlan? plan = null)
    {
        var field = ResolveVectorField(schema, request.VectorField);
        var metric = request.Metric is null && indexMetric is { } m ? m : MetricNames.Parse(request.Metric, field.DataType);
        if (indexMetric is { } im && im != metric)
            throw QuiverException.Invalid($"metric {request.Metric} does not match the index on '{field.Name}' ({MetricNames.Name(im)})");
        if (request.Limit < 1) throw QuiverException.Invalid($"limit must be at least 1, got {request.Limit}");
        if (request.Offset < 0) throw QuiverException.Invalid($"offset must not be negative, got {request.Offset}");
        if ((long)request.Limit + request.Offset > MaxTopK)
            throw QuiverException.Invalid($"limit + offset = {(long)request.Limit + request.Offset} exceeds {MaxTopK}");
        if (request.RoundDecimal is < -1 or > 6) throw QuiverException.Invalid($"round_decimal must be in -1..6, got {request.RoundDecimal}");
        var outputFields = OutputFields.Resolve(schema, request.OutputFields);
        int nq = QueryCount(field, request);
        bool larger = MetricNames.LargerIsBetter(metric);
        var range = RangeOf(request, larger);
        var group = GroupOf(schema, request);
        var shape = new Shape(schema, request, field, metric, larger, outputFields, nq, range, group,
            schema.PrimaryField.DataType == FieldType.Int64, IndexSearchParameters(request));

        // Hold every segment until the hits' output fields are read: a compaction may swap them out meanwhile.
        var held = ArrayPool<SegmentSnapshot>.Shared.Rent(shards.Count);
        int heldCount = 0;
        IQuerySegment[]? segments = null;
        Bitset?[]? filters = null;
        try
        {
            int segmentCount = 0;
            for (; heldCount < shards.Count; heldCount++)
            {
                held[heldCount] = SegmentSnapshot.Acquire(shards[heldCount]);
                segmentCount += held[heldCount].Segments.Count;
            }
            segments = ArrayPool<IQuerySegment>.Shared.Rent(Math.Max(segmentCount, 1));
            int searched = 0;
            for (int i = 0; i < heldCount; i++)
            {
                foreach (var segment in held[i].Segments)
                    if (segment.RowCount > 0 && (partitions is null || partitions.Contains(segment.PartitionId)) && !(request.IgnoreGrowing && segment is not SealedSegment))
                        segments[searched++] = segment;
            }
            // The filter is evaluated once per segment, whatever depth the search goes to.
            if (plan != null)
            {
                filters = ArrayPool<Bitset?>.Shared.Rent(Math.Max(searched, 1));
                for (int s = 0; s < searched; s++) filters[s] = SegmentFilter.Matching(segments[s], plan, snapshot);
            }
            var view = new Segments(segments, filters, searched);
            // Plain search: limit + offset per segment. Range and grouped searches may need to look deeper: they double the
            // depth until every query is satisfied or no segment has more to give.
            int k = request.Limit + request.Offset;
            if (group is not null) k = (int)Math.Min(MaxTopK, (long)k * request.GroupSize);
            while (true)
            {
                var results = Round(shape, view, snapshot, k, out bool complete);
                if (complete || k >= MaxTopK) return results;
                k = (int)Math.Min(MaxTopK, 2L * k);
            }
        }
        finally
        {
            if (segments != null) ArrayPool<IQuerySegment>.Shared.Return(segments, clearArray: true);
            if (filters != null) ArrayPool<Bitset?>.Shared.Return(filters, clearArray: true);
            for (int i = 0; i < heldCount; i++) held[i].Dispose();
            ArrayPool<SegmentSnapshot>.Shared.Return(held, clearArray: true);
        }
    }

    /// <summary>What a search asks for, checked once.</summary>
    private sealed record Shape(CollectionSchema Schema, SearchRequest Request, FieldSchema Field, Metric Metric, bool Larger,
        IReadOnlyList<string> OutputFields, int Nq, Range? Range, FieldSchema? Group, bool IntKeys, SearchParameters? Parameters);

    /// <summary>The segments searched and their filters (null entries or array: no filter).</summary>
    private readonly record struct Segments(IQuerySegment[] List, Bitset?[]? Filters, int Count);

    /// <summary>
    /// A range search's bounds as "smaller is better" values: keep a hit when Inner ≤ d &lt; Outer (for IP and COSINE the
    /// distances are negated first, so radius &lt; similarity ≤ range_filter).
    /// </summary>
    private sealed record Range(float Outer, float Inner)
    {
        public bool Keeps(float d, bool larger)
        {
            float x = larger ? -d : d;
            return x < Outer && x >= Inner;
        }

        /// <summary>True when a hit this far (or farther) is past the outer bound: nothing deeper can be in range.</summary>
        public bool Beyond(float d, bool larger) => (larger ? -d : d) >= Outer;
    }

    private static Range? RangeOf(SearchRequest request, bool larger)
    {
        var p = request.Params;
        if (p is null || !p.TryGetValue("radius", out var radiusText)) return null;
        float radius = ParseFloat("radius", radiusText);
        float? filter = p.TryGetValue("range_filter", out var f) ? ParseFloat("range_filter", f) : null;
        if (filter is { } rf && (larger ? rf <= radius : rf >= radius))
            throw QuiverException.Invalid(larger
                ? $"range_filter ({rf}) must be greater than radius ({radius}) for a similarity metric"
                : $"range_filter ({rf}) must be less than radius ({radius}) for a distance metric");
        return larger ? new Range(-radius, filter is { } x ? -x : float.NegativeInfinity) : new Range(radius, filter ?? float.NegativeInfinity);
    }

    private static float ParseFloat(string name, string value) =>
        float.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
            ? v : throw QuiverException.Invalid($"search parameter {name} = '{value}' is not a number");

    private static FieldSchema? GroupOf(CollectionSchema schema, SearchRequest request)
    {
        if (request.GroupByField is not { } name) return null;
        var f = schema.Field(name) ?? throw new QuiverException(ErrorCode.FieldNotFound, $"group_by_field '{name}' is not in collection '{schema.Name}'");
        if (f.DataType is not (FieldType.Bool or FieldType.Int8 or FieldType.Int16 or FieldType.Int32 or FieldType.Int64 or FieldType.VarChar))
            throw QuiverException.Invalid($"group_by_field '{name}' is {f.DataType}; group by a Bool, Int8, Int16, Int32, Int64 or VarChar field");
        if (request.GroupSize < 1) throw QuiverException.Invalid($"group_size must be at least 1, got {request.GroupSize}");
        if ((long)(request.Limit + request.Offset) * request.GroupSize > MaxTopK)
            throw QuiverException.Invalid($"(limit + offset) × group_size = {(long)(request.Limit + request.Offset) * request.GroupSize} exceeds {MaxTopK}");
        return f;
    }

    /// <summary>
    /// One pass at depth <paramref name="k"/>: every segment searched for its k best per query, merged, reduced.
    /// <paramref name="complete"/> is false when a query came up short and some segment may hold more at a greater depth.
    /// </summary>
    private static IReadOnlyList<SearchHit>[] Round(Shape shape, Segments view, ulong snapshot, int k, out bool complete)
    {
        var request = shape.Request;
        int nq = shape.Nq;
        bool floatQueries = request.Vectors is not null && shape.Field.DataType is FieldType.FloatVector or FieldType.Float16Vector or FieldType.BFloat16Vector;
        var rows = ArrayPool<int>.Shared.Rent(nq * k);
        var distances = ArrayPool<float>.Shared.Rent(nq * k);
        var found = ArrayPool<int>.Shared.Rent(nq);
        // Per query: room for k candidates from every segment searched, and whether a segment ran out of depth.
        int perQuery = k * Math.Max(view.Count, 1);
        var candidates = ArrayPool<Candidate>.Shared.Rent(nq * perQuery);
        var counts = ArrayPool<int>.Shared.Rent(nq);
        var deeper = ArrayPool<bool>.Shared.Rent(nq);
        try
        {
            counts.AsSpan(0, nq).Clear();
            deeper.AsSpan(0, nq).Clear();
            int contributing = 0;
            for (int s = 0; s < view.Count; s++)
            {
                var segment = view.List[s];
                var filter = view.Filters?[s];
                if (filter is not null && filter.PopCount() == 0) continue;
                var r = rows.AsSpan(0, nq * k);
                var d = distances.AsSpan(0, nq * k);
                var fq = found.AsSpan(0, nq);
                if (floatQueries)
                {
                    if (segment is SealedSegment sealedSegment) sealedSegment.Search(shape.Field.Name, shape.Metric, request.Vectors, k, snapshot, filter, r, d, fq, shape.Parameters);
                    else segment.Search(shape.Field.Name, shape.Metric, request.Vectors, k, snapshot, filter, r, d, fq);
                }
                else segment.Search(shape.Field.Name, shape.Metric, request.PackedVectors, k, snapshot, filter, r, d, fq);
                bool any = false;
                for (int q = 0; q < nq; q++)
                {
                    int n = found[q];
                    ref int count = ref counts[q];
                    for (int i = 0; i < n; i++)
                    {
                        int row = rows[q * k + i];
                        ref var c = ref candidates[q * perQuery + count++];
                        c.Distance = distances[q * k + i];
                        c.Segment = s;
                        c.Row = row;
                        c.Key = shape.IntKeys ? segment.Int64Key(row) : 0;
                    }
                    // A full answer whose worst hit is still in range may hide more behind it.
                    if (n == k && (shape.Range is null || !shape.Range.Beyond(distances[q * k + n - 1], shape.Larger))) deeper[q] = true;
                    any |= n > 0;
                }
                if (any) contributing++;
            }

            var results = new IReadOnlyList<SearchHit>[nq];
            complete = true;
            for (int q = 0; q < nq; q++)
            {
                var list = candidates.AsSpan(q * perQuery, counts[q]);
                // One segment's candidates come sorted best-first already; several are merged.
                if (contributing > 1)
                {
                    // Ties go to the smaller key (then segment and row), so pages of one ranking never overlap or skip.
                    if (shape.Larger) list.Sort(static (a, b) => b.Distance.CompareTo(a.Distance) is var c && c != 0 ? c : Tie(a, b));
                    else list.Sort(static (a, b) => a.Distance.CompareTo(b.Distance) is var c && c != 0 ? c : Tie(a, b));
                }
                var hits = Reduce(shape, view.List, list, out bool satisfied);
                results[q] = hits;
                if (!satisfied && deeper[q]) complete = false;
            }
            return results;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(distances);
            ArrayPool<int>.Shared.Return(found);
            ArrayPool<int>.Shared.Return(counts);
            ArrayPool<Candidate>.Shared.Return(candidates);
            ArrayPool<bool>.Shared.Return(deeper);
        }
    }

    private static int Tie(in Candidate a, in Candidate b) =>
        a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Segment != b.Segment ? a.Segment.CompareTo(b.Segment) : a.Row.CompareTo(b.Row);

    /// <summary>
    /// One query's merged candidates (best first) → its hits: out-of-range hits dropped, a key seen twice (inserted twice,
    /// or in two segments) keeps its best, then either offset and limit, or — grouped — the first limit + offset groups
    /// (each up to group_size hits, ordered by their best hit) with the offset's groups skipped; round_decimal and output
    /// fields last. <paramref name="satisfied"/>: the answer is as full as the request wants.
    /// </summary>
    private static List<SearchHit> Reduce(Shape shape, IQuerySegment[] segments, Span<Candidate> list, out bool satisfied)
    {
        var request = shape.Request;
        int k = request.Limit + request.Offset;
        // Small lists: a linear check over the keys taken so far; large ones: a hash set.
        bool linear = list.Length <= 64;
        Span<long> takenInts = linear && shape.IntKeys ? stackalloc long[list.Length] : default;
        HashSet<long>? seenInts = !linear && shape.IntKeys ? new HashSet<long>(Math.Min(k, list.Length)) : null;
        HashSet<string>? seenStrings = shape.IntKeys ? null : new HashSet<string>(StringComparer.Ordinal);
        Dictionary<GroupKey, List<(object Id, Candidate C)>>? groups = shape.Group is null ? null : new();
        List<GroupKey>? groupOrder = shape.Group is null ? null : new();
        var hits = new List<SearchHit>(Math.Min(request.Limit, list.Length));
        int taken = 0, skipped = 0;
        satisfied = false;
        foreach (ref var c in list)
        {
            if (shape.Range is { } range && !range.Keeps(c.Distance, shape.Larger)) continue;
            var segment = segments[c.Segment];
            object id;
            if (shape.IntKeys)
            {
                if (linear)
                {
                    if (takenInts[..taken].Contains(c.Key)) continue;
                    takenInts[taken++] = c.Key;
                }
                else if (!seenInts!.Add(c.Key)) continue;
                id = c.Key;
            }
            else
            {
                var key = (string)segment.PrimaryKey(c.Row);
                if (!seenStrings!.Add(key)) continue;
                id = key;
            }
            if (groups is not null)
            {
                var g = new GroupKey(segment.GetValue(shape.Group!.Name, c.Row));
                if (!groups.TryGetValue(g, out var members))
                {
                    if (groupOrder!.Count == k) continue; // enough groups: this value's hits are not wanted
                    groups[g] = members = new List<(object, Candidate)>(request.GroupSize);
                    groupOrder.Add(g);
                }
                if (members.Count < request.GroupSize) members.Add((id, c));
                continue;
            }
            if (skipped < request.Offset) { skipped++; continue; }
            hits.Add(Hit(shape, segment, c, id, null));
            if (hits.Count == request.Limit)
            {
                satisfied = true;
                break;
            }
        }
        if (groups is not null)
        {
            satisfied = groupOrder!.Count == k && (!request.StrictGroupSize || groupOrder.All(x => groups[x].Count == request.GroupSize));
            for (int gi = request.Offset; gi < groupOrder!.Count; gi++)
            {
                var g = groupOrder[gi];
                foreach (var (id, c) in groups[g]) hits.Add(Hit(shape, segments[c.Segment], c, id, g.Value));
            }
        }
        return hits;
    }

    private static SearchHit Hit(Shape shape, IQuerySegment segment, Candidate c, object id, object? groupValue)
    {
        int round = shape.Request.RoundDecimal;
        float dist = round >= 0 ? (float)Math.Round(c.Distance, round) : c.Distance;
        return new SearchHit(id, dist, OutputFields.Read(shape.Schema, segment, c.Row, shape.OutputFields)) { GroupByValue = groupValue };
    }

    /// <summary>A group-by value as a dictionary key (null is a group of its own).</summary>
    private readonly record struct GroupKey(object? Value);

    private static int QueryCount(FieldSchema field, SearchRequest request)
    {
        int perQuery = field.DataType == FieldType.FloatVector ? field.Dim : field.DataType.VectorBytes(field.Dim);
        if (field.DataType is FieldType.FloatVector or FieldType.Float16Vector or FieldType.BFloat16Vector && request.Vectors is { } floats)
        {
            int dims = field.Dim;
            if (floats.Length == 0 || floats.Length % dims != 0)
                throw QuiverException.Invalid($"query vectors hold {floats.Length} floats; field '{field.Name}' has dim {dims}, so the count must be a positive multiple of {dims}");
            return floats.Length / dims;
        }
        if (request.PackedVectors is { } bytes)
        {
            if (bytes.Length == 0 || bytes.Length % perQuery != 0)
                throw QuiverException.Invalid($"query vectors hold {bytes.Length} bytes; field '{field.Name}' ({field.DataType}, dim {field.Dim}) takes {perQuery} bytes per query");
            return bytes.Length / perQuery;
        }
        throw QuiverException.Invalid($"the search gives no query vectors for '{field.Name}' ({field.DataType}): use {(field.DataType == FieldType.FloatVector ? "Vectors" : "PackedVectors")}");
    }

    /// <summary>Index search parameters from the request's params: <c>ef</c> (HNSW), <c>nprobe</c> and <c>refine_k</c> (IVF).</summary>
    public static SearchParameters? IndexSearchParameters(SearchRequest request)
    {
        var p = request.Params;
        if (p is null || p.Count == 0) return null;
        if (p.TryGetValue("ef", out var ef)) return new HnswSearchParameters(ParseInt("ef", ef, Math.Max(request.Limit + request.Offset, 1)));
        if (p.TryGetValue("nprobe", out var nprobe))
            return new IvfSearchParameters(ParseInt("nprobe", nprobe, 1), p.TryGetValue("refine_k", out var r) ? ParseInt("refine_k", r, 1) : 1);
        return null;
    }

    private static int ParseInt(string name, string value, int min)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) || v < min)
            throw QuiverException.Invalid($"search parameter {name} = '{value}' must be an integer ≥ {min}");
        return v;
    }

    /// <summary>The vector field a request names, or the only one of the collection.</summary>
    public static FieldSchema ResolveVectorField(CollectionSchema schema, string? name)
    {
        if (name is null)
        {
            FieldSchema? only = null;
            int count = 0;
            foreach (var f0 in schema.Fields)
            {
                if (!f0.IsVector) continue;
                only = f0;
                count++;
            }
            if (count != 1)
                throw new QuiverException(ErrorCode.ParameterMissing, $"collection '{schema.Name}' has {count} vector fields; name the one to search (anns_field)");
            return only!;
        }
        var f = schema.Field(name) ?? throw new QuiverException(ErrorCode.FieldNotFound, $"field '{name}' is not in collection '{schema.Name}'");
        if (!f.IsVector) throw QuiverException.Invalid($"field '{name}' is {f.DataType}, not a vector field");
        return f;
    }


}
