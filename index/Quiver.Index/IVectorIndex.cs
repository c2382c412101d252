using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index;

/// <summary>
/// The read side of every index family: search into caller spans, count, memory. Ids are dense row
/// ids (0, 1, 2, … in insertion order); the segment layer maps them to primary keys.
/// Implementations allocate nothing per search: scratch comes from a per-index pool.
/// </summary>
public interface IVectorIndex : IDisposable
{
    /// <summary>The index family (Milvus's index_type).</summary>
    IndexKind Kind { get; }

    /// <summary>The metric distances are computed with.</summary>
    Metric Metric { get; }

    /// <summary>Vector dimension.</summary>
    int Dimension { get; }

    /// <summary>Rows ever added (deleted rows included): ids run from 0 to Count − 1.</summary>
    int Count { get; }

    /// <summary>Rows added and not removed.</summary>
    int LiveCount { get; }

    /// <summary>Bytes of memory the index holds (vectors, graph, bookkeeping).</summary>
    long MemoryBytes { get; }

    /// <summary>
    /// Writes the k nearest live rows to <paramref name="query"/> into <paramref name="ids"/> and
    /// <paramref name="distances"/> (ascending, smaller is closer; see <see cref="IDistance{T}"/>) and
    /// returns how many were found. Only rows whose bit is set in <paramref name="filter"/> are
    /// returned when a filter is given.
    /// </summary>
    int Search(ReadOnlySpan<float> query, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null);
}

/// <summary>
/// Indexes that answer many queries in one call better than one by one (the GPU families: one upload, one kernel launch
/// per batch). The segment layer hands them whole query batches.
/// </summary>
public interface IBatchVectorIndex : IVectorIndex
{
    /// <summary>
    /// The k nearest live rows of each row-major query, written at <c>ids[q * k ..]</c> and <c>distances[q * k ..]</c>
    /// (ascending; padded with −1 / +∞ where fewer rows qualify). Filter as in <see cref="IVectorIndex.Search"/>.
    /// </summary>
    void SearchBatch(ReadOnlySpan<float> queries, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null);
}

/// <summary>The write side: add, remove, save.</summary>
public interface IMutableVectorIndex : IVectorIndex
{
    /// <summary>Adds one vector and returns its id.</summary>
    int Add(ReadOnlySpan<float> vector);

    /// <summary>Adds row-major vectors (ids consecutive from the current Count) using up to <paramref name="threads"/> threads (0 = all cores).</summary>
    void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null);

    /// <summary>Marks a row deleted: it is never returned again. Returns false if it was already deleted.</summary>
    bool Remove(int id);

    /// <summary>Writes the index: header (magic, version, parameters), payload, CRC-32C.</summary>
    void Save(Stream stream);
}

/// <summary>The index families, by Milvus name.</summary>
public enum IndexKind
{
    /// <summary>FLAT: exact brute force.</summary>
    Flat,
    /// <summary>HNSW: hierarchical navigable small-world graph.</summary>
    Hnsw,
    /// <summary>IVF_FLAT: k-means coarse quantizer over inverted lists of raw vectors.</summary>
    IvfFlat,
    /// <summary>IVF_SQ8: inverted lists of per-dimension 8-bit scalar codes.</summary>
    IvfSq8,
    /// <summary>IVF_PQ: inverted lists of product-quantization codes.</summary>
    IvfPq,
    /// <summary>GPU_BRUTE_FORCE: exact search on a GPU (or ILGPU's CPU accelerator); saved as FLAT.</summary>
    GpuBruteForce,
    /// <summary>GPU_IVF_FLAT: IVF_FLAT's lists scanned on a GPU; saved as IVF_FLAT.</summary>
    GpuIvfFlat,
}
