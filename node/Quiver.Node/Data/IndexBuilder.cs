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
/// Milvus) over the segment's rows, row number = index id.
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
        string text = string.Join(',', (definition.Params ?? new Dictionary<string, string>())
            .Where(p => !string.Equals(p.Key, "metric_type", StringComparison.OrdinalIgnoreCase) && !string.Equals(p.Key, "index_type", StringComparison.OrdinalIgnoreCase))
            .Select(p => $"{p.Key}={p.Value}"));
        IMutableVectorIndex index;
        try
        {
            index = definition.IndexType.ToUpperInvariant() switch
            {
                "FLAT" => FlatIndex.Create(metric, dim, (int)Math.Max(rows, 1)),
                "HNSW" => HnswIndex.Create(metric, dim, HnswParameters.Parse(text), (int)Math.Max(rows, 1)),
                "AUTOINDEX" => HnswIndex.Create(metric, dim, new HnswParameters(M: 18, EfConstruction: 240), (int)Math.Max(rows, 1)),
                "IVF_FLAT" => IvfIndex.Create(IndexKind.IvfFlat, metric, dim, IvfParameters.Parse(text)),
                "IVF_SQ8" => IvfIndex.Create(IndexKind.IvfSq8, metric, dim, IvfParameters.Parse(text)),
                "IVF_PQ" => IvfIndex.Create(IndexKind.IvfPq, metric, dim, IvfParameters.Parse(text)),
                _ => throw new QuiverException(ErrorCode.IndexNotSupported, $"index type '{definition.IndexType}' is not supported; use FLAT, HNSW, AUTOINDEX, IVF_FLAT, IVF_SQ8 or IVF_PQ"),
            };
        }
        catch (ArgumentException e)
        {
            throw QuiverException.Invalid($"index '{definition.IndexName}': {e.Message}");
        }
        // IVF trains on the rows it is given; a segment smaller than nlist cannot train, and is searched exactly instead.
        if (index is IvfIndex && rows < IvfParameters.Parse(text).Nlist)
        {
            index.Dispose();
            return null;
        }
        if (rows > 0) index.AddRange(vectors, threads);
        return (index, metric);
    }

    /// <summary>Opens a saved index file: HNSW is memory-mapped (vectors and graph used in place), FLAT and IVF are read.</summary>
    public static IVectorIndex Open(string indexType, string path)
    {
        switch (indexType.ToUpperInvariant())
        {
            case "HNSW" or "AUTOINDEX":
                return HnswIndex.Map(path);
            case "FLAT":
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
