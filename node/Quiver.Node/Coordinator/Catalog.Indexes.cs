using Quiver.Node.Errors;
using Quiver.Storage.Meta;
using Quiver.Storage.Segments;

namespace Quiver.Node.Coordinator;

public sealed partial class Catalog
{
    private static readonly string[] FloatMetrics = ["COSINE", "L2", "IP"];
    private static readonly string[] BinaryMetrics = ["HAMMING", "JACCARD", "SUBSTRUCTURE", "SUPERSTRUCTURE"];

    /// <summary>
    /// Declares an index on a field (one per field in this version): a vector index with its metric, or a scalar index
    /// (INVERTED, STL_SORT, BITMAP, Trie, AUTOINDEX — whatever the field's type takes; no metric). Asking again for the same
    /// index (name, type, metric, params) returns the existing one; anything different on that field, or
    /// the index name used on another field, is IndexDuplicate. FieldNotFound for an unknown field,
    /// IndexNotSupported for an index type the field's type does not take, ParameterInvalid for a metric the field type does not take.
    /// </summary>
    public Task<IndexDefinition> CreateIndexAsync(string? dbName, string collection, IndexSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrEmpty(spec.FieldName))
            throw new QuiverException(ErrorCode.ParameterMissing, $"create index on collection '{collection}': the field name is missing");
        string indexType = (spec.IndexType ?? "").Trim().ToUpperInvariant();
        if (indexType.Length == 0)
            throw new QuiverException(ErrorCode.ParameterMissing, $"create index on field '{spec.FieldName}' of collection '{collection}': the index type is missing");
        ValidateName(indexType, "index type");
        string indexName = string.IsNullOrEmpty(spec.IndexName) ? spec.FieldName : spec.IndexName;
        ValidateName(indexName, "index");
        ValidateProperties(spec.Params, $"index '{indexName}'");
        var parameters = CatalogCodec.Freeze(spec.Params);

        return MutateAsync<IndexDefinition>(async (state, ct) =>
        {
            var c = ResolveCollection(state, ResolveDatabase(state, dbName), collection);
            var field = c.Schema.Field(spec.FieldName)
                ?? throw new QuiverException(ErrorCode.FieldNotFound, $"field '{spec.FieldName}' not found in collection '{c.Name}'");
            string metric;
            if (field.IsVector)
            {
                metric = ResolveMetric(spec.MetricType, field.DataType, field.Name);
                if (field.DataType == FieldType.FloatVector) Data.IndexBuilder.Validate(indexType, indexName, spec.Params, field.Dim);
            }
            else
            {
                if (!Expressions.ScalarIndex.Supports(indexType, field.DataType, field.ElementType, out var why))
                    throw new QuiverException(ErrorCode.IndexNotSupported, $"index type {indexType} on field '{field.Name}' ({field.DataType}) of collection '{c.Name}': {why}");
                if (!string.IsNullOrWhiteSpace(spec.MetricType))
                    throw QuiverException.Invalid($"field '{field.Name}' is a scalar field; a scalar index takes no metric type (got '{spec.MetricType}')");
                metric = "";
            }

            var indexes = state.IndexesOf(c.Id);
            var onField = indexes.Values.FirstOrDefault(i => i.FieldId == field.FieldId);
            if (onField is not null)
            {
                if (onField.IndexName == indexName && onField.IndexType == indexType && onField.MetricType == metric && SameParams(onField.Params, parameters))
                    return CatalogChange<IndexDefinition>.Unchanged(onField);
                throw new QuiverException(ErrorCode.IndexDuplicate,
                    $"field '{field.Name}' of collection '{c.Name}' already has index '{onField.IndexName}' ({onField.IndexType}, {onField.MetricType}) " +
                    "with different settings; drop it first");
            }
            if (indexes.TryGetValue(indexName, out var sameName))
                throw new QuiverException(ErrorCode.IndexDuplicate,
                    $"index name '{indexName}' is already used by field '{sameName.FieldName}' of collection '{c.Name}'");

            long id = await _ids.AllocateAsync(1, ct).ConfigureAwait(false);
            ulong ts = await _tso.AllocateAsync(1, ct).ConfigureAwait(false);
            var index = new IndexDefinition(id, c.Id, field.FieldId, field.Name, indexName, indexType, metric, parameters, ts);
            return new(index, state.WithIndex(index),
                [MetaOp.Put(_keys.Index(c.Id, id), CheckSize(CatalogCodec.Encode(index), $"index '{indexName}'"))]);
        }, cancellationToken);
    }

    /// <summary>The index called <paramref name="indexName"/> on the collection; IndexNotFound otherwise.</summary>
    public ValueTask<IndexDefinition> DescribeIndexAsync(string? dbName, string collection, string indexName, CancellationToken cancellationToken = default) =>
        Read(state =>
        {
            var c = ResolveCollection(state, ResolveDatabase(state, dbName), collection);
            return state.IndexesOf(c.Id).TryGetValue(indexName, out var index)
                ? index
                : throw new QuiverException(ErrorCode.IndexNotFound, $"index '{indexName}' not found on collection '{c.Name}'");
        }, cancellationToken);

    /// <summary>The index definitions of a collection, by field id (empty when none).</summary>
    public ValueTask<IReadOnlyList<IndexDefinition>> ListIndexesAsync(string? dbName, string collection, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<IndexDefinition>>(state =>
        {
            var c = ResolveCollection(state, ResolveDatabase(state, dbName), collection);
            return [.. state.IndexesOf(c.Id).Values.OrderBy(i => i.FieldId)];
        }, cancellationToken);

    /// <summary>Removes an index definition and returns it (the engine drops its files); null when there is none of that name.</summary>
    public Task<IndexDefinition?> DropIndexAsync(string? dbName, string collection, string indexName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(indexName);
        return MutateAsync((state, _) =>
        {
            var c = ResolveCollection(state, ResolveDatabase(state, dbName), collection);
            if (!state.IndexesOf(c.Id).TryGetValue(indexName, out var index))
                return ValueTask.FromResult(CatalogChange<IndexDefinition?>.Unchanged(null));
            return ValueTask.FromResult(new CatalogChange<IndexDefinition?>(index, state.WithoutIndex(index), [MetaOp.Delete(_keys.Index(c.Id, index.IndexId))]));
        }, cancellationToken);
    }

    /// <summary>The metric in upper case, or the field type's default (reference §4: COSINE for float types, HAMMING for binary).</summary>
    private static string ResolveMetric(string? requested, FieldType type, string field)
    {
        string[] allowed = type == FieldType.BinaryVector ? BinaryMetrics : FloatMetrics;
        if (string.IsNullOrWhiteSpace(requested))
            return allowed[0];
        string metric = requested.Trim().ToUpperInvariant();
        if (Array.IndexOf(allowed, metric) < 0)
            throw QuiverException.Invalid($"metric type '{requested}' is not valid for field '{field}' ({type}); use one of {string.Join(", ", allowed)}");
        return metric;
    }

    private static bool SameParams(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
