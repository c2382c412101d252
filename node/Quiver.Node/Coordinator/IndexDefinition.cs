namespace Quiver.Node.Coordinator;

/// <summary>
/// An index declared on a field of a collection (Milvus's <c>field-index</c> meta). The definition only:
/// which segments have it built is segment bookkeeping.
/// </summary>
/// <param name="IndexId">Unique id.</param>
/// <param name="CollectionId">The collection.</param>
/// <param name="FieldId">The indexed field's id (100+).</param>
/// <param name="FieldName">The indexed field's name.</param>
/// <param name="IndexName">Unique within the collection; the field's name unless given.</param>
/// <param name="IndexType">Upper case, e.g. "HNSW", "IVF_FLAT", "AUTOINDEX".</param>
/// <param name="MetricType">Upper case, e.g. "COSINE", "L2", "IP", "HAMMING".</param>
/// <param name="Params">Build parameters as given (e.g. M, efConstruction, nlist).</param>
/// <param name="CreatedTs">Hybrid timestamp of the creation.</param>
public sealed record IndexDefinition(
    long IndexId,
    long CollectionId,
    long FieldId,
    string FieldName,
    string IndexName,
    string IndexType,
    string MetricType,
    IReadOnlyDictionary<string, string> Params,
    ulong CreatedTs);
