namespace Quiver.Node.Coordinator;

/// <summary>What a create-index request asks for (Milvus's CreateIndexRequest: field, name, extra params).</summary>
/// <param name="FieldName">The vector field to index.</param>
/// <param name="IndexType">e.g. "HNSW"; case does not matter.</param>
/// <param name="MetricType">e.g. "COSINE"; null or empty takes the field type's default (COSINE for float vectors, HAMMING for binary).</param>
/// <param name="Params">Build parameters; null for none.</param>
/// <param name="IndexName">Null or empty names the index after the field, as Milvus does.</param>
public sealed record IndexSpec(
    string FieldName,
    string IndexType,
    string? MetricType = null,
    IReadOnlyDictionary<string, string>? Params = null,
    string? IndexName = null);
