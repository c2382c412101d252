using System.Globalization;
using Apache.Arrow;
using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Index.Hnsw;
using Quiver.Index.Ivf;
using Quiver.Kernel.Distance;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Data;

/// <summary>
/// The data node's index build for one sealed segment: the collection's index definition on a float vector
/// field (FLAT, HNSW, IVF_FLAT, IVF_SQ8, IVF_PQ; AUTOINDEX means HNSW with M = 18, efConstruction = 240 as in
/// Milvus) over the segment's rows, row number = index id. GPU_BRUTE_FORCE and GPU_IVF_FLAT are built as their CPU
/// twins (FLAT, IVF_FLAT: the same files); the query node moves them to its GPU when it has one (<see cref="Query.QueryNodeGpu"/>).
/// </summary>
public static class IndexBuilder
{
    /// <summary>Builds the index, or returns null when the definition's field is not a FloatVector (searched exactly).</summary>
    public static (IMutableVectorIndex Index, Metric Metric)? Build(IndexDefinition definition, CollectionSchema schema, IReadOnlyList<RecordBatch> batches, int threads = 0)
    {
        var field = schema.Field(definition.FieldName) ?? throw new QuiverException(ErrorCode.FieldNotFound, $"index field '{definition.FieldName}' is not in the schema");
        if (field.DataType != FieldType.FloatVector) return null;
        var metric = MetricNames.Parse(definition.MetricType, field.DataType);
        int dim = field.Dim;
        long rows = batches.Sum(b => (long)b.Length);
        var vectors = new float[checked(rows * dim)];
        long at = 0;
        int column = schema.Fields.ToList().FindIndex(f => f.Name == field.Name);
        foreach (var batch in batches)
        {
            var list = (FixedSizeListArray)batch.Column(column);
            var values = ((FloatArray)list.Values).Values.Slice(list.Offset * dim, list.Length * dim);
            values.CopyTo(vectors.AsSpan(checked((int)at)));
            at += values.Length;
        }
        string text = ParamText(definition.Params);
        var index = Create(definition.IndexType, definition.IndexName, metric, dim, text, (int)Math.Max(rows, 1));
        // IVF trains on the rows it is given; a segment smaller than nlist cannot train, and is searched exactly instead.
        if (index is IvfIndex && rows < IvfParameters.Parse(text).Nlist)
        {
            index.Dispose();
            return null;
        }
        if (rows > 0) index.AddRange(vectors, threads);
        return (index, metric);
    }

    /// <summary>The float-vector index types this engine builds (Milvus names).</summary>
    public static IReadOnlyList<string> FloatVectorTypes { get; } = ["FLAT", "HNSW", "AUTOINDEX", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "GPU_BRUTE_FORCE", "GPU_IVF_FLAT"];

    /// <summary>
    /// Checks a float-vector index definition when it is created (type known, parameters in range), so a bad one is
    /// refused then and not at the first flush.
    /// </summary>
    public static void Validate(string indexType, string indexName, IReadOnlyDictionary<string, string>? parameters, int dim) =>
        Create(indexType, indexName, Metric.L2, dim, ParamText(parameters), 1).Dispose();

    private static string ParamText(IReadOnlyDictionary<string, string>? parameters) =>
        string.Join(',', (parameters ?? new Dictionary<string, string>())
            .Where(p => !string.Equals(p.Key, "metric_type", StringComparison.OrdinalIgnoreCase) && !string.Equals(p.Key, "index_type", StringComparison.OrdinalIgnoreCase))
            .Select(p => $"{p.Key}={p.Value}"));

    private static IMutableVectorIndex Create(string indexType, string indexName, Metric metric, int dim, string text, int capacity)
    {
        try
        {
            return indexType.ToUpperInvariant() switch
            {
                "FLAT" or "GPU_BRUTE_FORCE" => FlatIndex.Create(metric, dim, capacity),
                "HNSW" => HnswIndex.Create(metric, dim, HnswParameters.Parse(text), capacity),
                "AUTOINDEX" => HnswIndex.Create(metric, dim, new HnswParameters(M: 18, EfConstruction: 240), capacity),
                "IVF_FLAT" or "GPU_IVF_FLAT" => IvfIndex.Create(IndexKind.IvfFlat, metric, dim, IvfParameters.Parse(text)),
                "IVF_SQ8" => IvfIndex.Create(IndexKind.IvfSq8, metric, dim, IvfParameters.Parse(text)),
                "IVF_PQ" => IvfIndex.Create(IndexKind.IvfPq, metric, dim, IvfParameters.Parse(text)),
                _ => throw new QuiverException(ErrorCode.IndexNotSupported, $"index type '{indexType}' is not supported on float vectors; use {string.Join(", ", FloatVectorTypes)}"),
            };
        }
        catch (ArgumentException e)
        {
            throw QuiverException.Invalid($"index '{indexName}': {e.Message}");
        }
    }

    /// <summary>Opens a saved index file: HNSW is memory-mapped (vectors and graph used in place), FLAT and IVF are read.</summary>
    public static IVectorIndex Open(string indexType, string path)
    {
        switch (indexType.ToUpperInvariant())
        {
            case "HNSW" or "AUTOINDEX":
                return HnswIndex.Map(path);
            case "FLAT" or "GPU_BRUTE_FORCE":
            {
                using var stream = File.OpenRead(path);
                return FlatIndex.Load(stream);
            }
            default:
            {
                using var stream = File.OpenRead(path);
                return IvfIndex.Load(stream);
            }
        }
    }

    /// <summary>Default search parameters for an index built from <paramref name="definition"/> (none: the index's own defaults).</summary>
    public static SearchParameters? DefaultSearchParameters(IndexDefinition definition) =>
        definition.Params != null && definition.Params.TryGetValue("ef", out var ef) && int.TryParse(ef, NumberStyles.Integer, CultureInfo.InvariantCulture, out int e)
            ? new HnswSearchParameters(e) : null;
}
