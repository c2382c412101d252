using System.Buffers;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Node.Client;
using Quiver.Node.Errors;
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
        IReadOnlySet<long>? partitions, SearchRequest request, Metric? indexMetric, ulong snapshot)
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
        bool floatQueries = request.Vectors is not null && field.DataType is FieldType.FloatVector or FieldType.Float16Vector or FieldType.BFloat16Vector;

        int k = request.Limit + request.Offset;
        bool larger = MetricNames.LargerIsBetter(metric);
        bool intKeys = schema.PrimaryField.DataType == FieldType.Int64;
        var parameters = IndexSearchParameters(request);
        // Hold every segment until the hits' output fields are read: a compaction may swap them out meanwhile.
        var held = ArrayPool<SegmentSnapshot>.Shared.Rent(shards.Count);
        int heldCount = 0;
        IQuerySegment[]? segments = null;
        Candidate[]? candidates = null;
        int[]? counts = null;
        var rows = ArrayPool<int>.Shared.Rent(nq * k);
        var distances = ArrayPool<float>.Shared.Rent(nq * k);
        var found = ArrayPool<int>.Shared.Rent(nq);
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
                    if (segment.RowCount > 0 && (partitions is null || partitions.Contains(segment.PartitionId))) segments[searched++] = segment;
            }
            // Per query, room for k candidates from every segment searched.
            int perQuery = k * Math.Max(searched, 1);
            candidates = ArrayPool<Candidate>.Shared.Rent(nq * perQuery);
            counts = ArrayPool<int>.Shared.Rent(nq);
            counts.AsSpan(0, nq).Clear();
            int contributing = 0;
            for (int s = 0; s < searched; s++)
            {
                var segment = segments[s];
                var filter = request.Filter is null ? null : BuildFilter(segment, request.Filter, snapshot);
                var r = rows.AsSpan(0, nq * k);
                var d = distances.AsSpan(0, nq * k);
                var fq = found.AsSpan(0, nq);
                if (floatQueries)
                {
                    if (segment is SealedSegment sealedSegment) sealedSegment.Search(field.Name, metric, request.Vectors, k, snapshot, filter, r, d, fq, parameters);
                    else segment.Search(field.Name, metric, request.Vectors, k, snapshot, filter, r, d, fq);
                }
                else segment.Search(field.Name, metric, request.PackedVectors, k, snapshot, filter, r, d, fq);
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
                        c.Key = intKeys ? segment.Int64Key(row) : 0;
                    }
                    any |= n > 0;
                }
                if (any) contributing++;
            }

            var results = new IReadOnlyList<SearchHit>[nq];
            for (int q = 0; q < nq; q++)
            {
                var list = candidates.AsSpan(q * perQuery, counts[q]);
                // One segment's candidates come sorted best-first already; several are merged.
                if (contributing > 1)
                {
                    if (larger) list.Sort(static (a, b) => b.Distance.CompareTo(a.Distance));
                    else list.Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
                }
                results[q] = Reduce(schema, request, outputFields, segments, list, intKeys);
            }
            return results;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(distances);
            ArrayPool<int>.Shared.Return(found);
            if (counts != null) ArrayPool<int>.Shared.Return(counts);
            if (candidates != null) ArrayPool<Candidate>.Shared.Return(candidates);
            if (segments != null) ArrayPool<IQuerySegment>.Shared.Return(segments, clearArray: true);
            for (int i = 0; i < heldCount; i++) held[i].Dispose();
            ArrayPool<SegmentSnapshot>.Shared.Return(held, clearArray: true);
        }
    }

    /// <summary>
    /// One query's merged candidates (best first) → its hits: a key seen twice (inserted twice, or in two segments) keeps
    /// its best, then offset and limit, round_decimal and output fields.
    /// </summary>
    private static List<SearchHit> Reduce(CollectionSchema schema, SearchRequest request, IReadOnlyList<string> outputFields,
        IQuerySegment[] segments, Span<Candidate> list, bool intKeys)
    {
        int k = request.Limit + request.Offset;
        var hits = new List<SearchHit>(Math.Min(request.Limit, list.Length));
        // Small k: a linear check over the keys taken so far; large k: a hash set.
        bool linear = list.Length <= 64;
        Span<long> takenInts = linear && intKeys ? stackalloc long[list.Length] : default;
        HashSet<long>? seenInts = !linear && intKeys ? new HashSet<long>(Math.Min(k, list.Length)) : null;
        HashSet<string>? seenStrings = intKeys ? null : new HashSet<string>(StringComparer.Ordinal);
        int taken = 0, skipped = 0;
        foreach (ref var c in list)
        {
            var segment = segments[c.Segment];
            object id;
            if (intKeys)
            {
                if (linear)
                {
                    if (takenInts[..taken].Contains(c.Key)) continue;
                    takenInts[taken++] = c.Key;
                }
                else if (!seenInts!.Add(c.Key)) continue;
                if (skipped < request.Offset) { skipped++; continue; }
                id = c.Key;
            }
            else
            {
                var key = (string)segment.PrimaryKey(c.Row);
                if (!seenStrings!.Add(key)) continue;
                if (skipped < request.Offset) { skipped++; continue; }
                id = key;
            }
            float dist = request.RoundDecimal >= 0 ? (float)Math.Round(c.Distance, request.RoundDecimal) : c.Distance;
            hits.Add(new SearchHit(id, dist, OutputFields.Read(schema, segment, c.Row, outputFields)));
            if (hits.Count == request.Limit) break;
        }
        return hits;
    }

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


    private static Bitset BuildFilter(IQuerySegment segment, Func<Func<string, object?>, bool> predicate, ulong snapshot)
    {
        int n = checked((int)segment.RowCount);
        var bits = new Bitset(n);
        for (int row = 0; row < n; row++)
        {
            if (!segment.IsVisible(row, snapshot)) continue;
            int r = row;
            if (predicate(name => segment.GetValue(name, r))) bits.Set(row);
        }
        return bits;
    }
}
