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

    private readonly record struct Candidate(object Id, float Distance, IQuerySegment Segment, int Row);

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
        int perQuery = field.DataType == FieldType.FloatVector ? field.Dim : field.DataType.VectorBytes(field.Dim);
        int nq;
        if (field.DataType is FieldType.FloatVector or FieldType.Float16Vector or FieldType.BFloat16Vector && request.Vectors is { } floats)
        {
            int dims = field.Dim;
            if (floats.Length == 0 || floats.Length % dims != 0)
                throw QuiverException.Invalid($"query vectors hold {floats.Length} floats; field '{field.Name}' has dim {dims}, so the count must be a positive multiple of {dims}");
            nq = floats.Length / dims;
        }
        else if (request.PackedVectors is { } bytes)
        {
            if (bytes.Length == 0 || bytes.Length % perQuery != 0)
                throw QuiverException.Invalid($"query vectors hold {bytes.Length} bytes; field '{field.Name}' ({field.DataType}, dim {field.Dim}) takes {perQuery} bytes per query");
            nq = bytes.Length / perQuery;
        }
        else throw QuiverException.Invalid($"the search gives no query vectors for '{field.Name}' ({field.DataType}): use {(field.DataType == FieldType.FloatVector ? "Vectors" : "PackedVectors")}");

        int k = request.Limit + request.Offset;
        bool larger = MetricNames.LargerIsBetter(metric);
        var parameters = IndexSearchParameters(request);
        var perQueryCandidates = new List<Candidate>[nq];
        for (int q = 0; q < nq; q++) perQueryCandidates[q] = new List<Candidate>(k);
        var rows = ArrayPool<int>.Shared.Rent(nq * k);
        var distances = ArrayPool<float>.Shared.Rent(nq * k);
        var found = ArrayPool<int>.Shared.Rent(nq);
        int contributing = 0;
        // Hold every segment until the hits' output fields are read: a compaction may swap them out meanwhile.
        var snapshots = new SegmentSnapshot[shards.Count];
        for (int i = 0; i < shards.Count; i++) snapshots[i] = SegmentSnapshot.Acquire(shards[i]);
        try
        {
        try
        {
            foreach (var snapshot0 in snapshots)
            {
                foreach (var segment in snapshot0.Segments)
                {
                    if (partitions != null && !partitions.Contains(segment.PartitionId)) continue;
                    if (segment.RowCount == 0) continue;
                    var filter = request.Filter is null ? null : BuildFilter(segment, request.Filter, snapshot);
                    var r = rows.AsSpan(0, nq * k);
                    var d = distances.AsSpan(0, nq * k);
                    var fq = found.AsSpan(0, nq);
                    if (request.Vectors is { } f && field.DataType is FieldType.FloatVector or FieldType.Float16Vector or FieldType.BFloat16Vector)
                    {
                        if (segment is SealedSegment sealedSegment) sealedSegment.Search(field.Name, metric, f, k, snapshot, filter, r, d, fq, parameters);
                        else segment.Search(field.Name, metric, f, k, snapshot, filter, r, d, fq);
                    }
                    else
                    {
                        segment.Search(field.Name, metric, request.PackedVectors, k, snapshot, filter, r, d, fq);
                    }
                    bool any = false;
                    for (int q = 0; q < nq; q++)
                    {
                        for (int i = 0; i < found[q]; i++)
                        {
                            int row = rows[q * k + i];
                            perQueryCandidates[q].Add(new Candidate(segment.PrimaryKey(row), distances[q * k + i], segment, row));
                            any = true;
                        }
                    }
                    if (any) contributing++;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(distances);
            ArrayPool<int>.Shared.Return(found);
        }
        var results = new IReadOnlyList<SearchHit>[nq];
        for (int q = 0; q < nq; q++)
        {
            var list = perQueryCandidates[q];
            // One segment's candidates come sorted best-first already; several are merged.
            if (contributing > 1) list.Sort((a, b) => larger ? b.Distance.CompareTo(a.Distance) : a.Distance.CompareTo(b.Distance));
            // A key can appear twice (inserted twice, or in two segments): keep its best. Small k: a linear check.
            HashSet<object>? seen = list.Count > 64 ? new HashSet<object>() : null;
            var hits = new List<SearchHit>(Math.Min(request.Limit, list.Count));
            var taken = new List<object>(Math.Min(k, list.Count));
            int skipped = 0;
            foreach (var c in list)
            {
                if (seen != null ? !seen.Add(c.Id) : Contains(taken, c.Id)) continue;
                if (seen is null) taken.Add(c.Id);
                if (skipped < request.Offset) { skipped++; continue; }
                float dist = request.RoundDecimal >= 0 ? (float)Math.Round(c.Distance, request.RoundDecimal) : c.Distance;
                hits.Add(new SearchHit(c.Id, dist, OutputFields.Read(schema, c.Segment, c.Row, outputFields)));
                if (hits.Count == request.Limit) break;
            }
            results[q] = hits;
        }
        return results;
        }
        finally
        {
            foreach (var s in snapshots) s.Dispose();
        }
    }

    private static bool Contains(List<object> ids, object id)
    {
        foreach (var x in ids) if (x.Equals(id)) return true;
        return false;
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
            var vectors = schema.VectorFields.ToList();
            if (vectors.Count != 1)
                throw new QuiverException(ErrorCode.ParameterMissing, $"collection '{schema.Name}' has {vectors.Count} vector fields; name the one to search (anns_field)");
            return vectors[0];
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
