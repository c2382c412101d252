namespace Quiver.Node.Client;

/// <summary>
/// What a collection has seen since this process opened it, and what it holds now: the figures behind the operations
/// endpoint's Milvus-named metrics (<c>milvus_proxy_insert_vectors_count</c>, <c>milvus_proxy_search_vectors_count</c>,
/// segment counts by state, load state). Counts restart at zero when the process restarts, as Prometheus counters do.
/// </summary>
/// <param name="RowsInserted">Rows written by inserts.</param>
/// <param name="RowsUpserted">Rows written by upserts.</param>
/// <param name="RowsDeleted">Primary keys deleted (by key or by filter).</param>
/// <param name="SearchVectors">Query vectors searched (a hybrid search counts each part's vectors).</param>
/// <param name="GrowingSegments">Growing (in-memory, still written) segments now.</param>
/// <param name="SealedSegments">Sealed (flushed, immutable) segments now.</param>
/// <param name="LiveRows">Rows visible now.</param>
/// <param name="Loaded">True when the collection is loaded for search.</param>
public sealed record CollectionMetrics(long RowsInserted, long RowsUpserted, long RowsDeleted, long SearchVectors,
    int GrowingSegments, int SealedSegments, long LiveRows, bool Loaded);

/// <summary>Per-collection counters bumped on the write and search paths (one interlocked add per request).</summary>
internal sealed class CollectionCounters
{
    public long Inserted;
    public long Upserted;
    public long Deleted;
    public long SearchVectors;
}
