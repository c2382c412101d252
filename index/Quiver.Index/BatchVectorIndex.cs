using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index;

/// <summary>
/// The base of the batch-first families (the GPU ones): a single search is a batch of one, and a query's hit count is
/// the run of filled slots before the −1 padding.
/// </summary>
public abstract class BatchVectorIndex : VectorIndex, IBatchVectorIndex
{
    private protected BatchVectorIndex(IndexKind kind, Metric metric, int dim) : base(kind, metric, dim)
    {
    }

    public abstract void SearchBatch(ReadOnlySpan<float> queries, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null);

    public sealed override int Search(ReadOnlySpan<float> query, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null)
    {
        CheckVector(query, "query");
        CheckK(k, ids.Length, distances.Length);
        SearchBatch(query, k, ids, distances, parameters, filter);
        return Found(ids[..k]);
    }

    /// <summary>How many of one query's result slots hold a row: results come first, −1 padding after.</summary>
    public static int Found(ReadOnlySpan<int> ids)
    {
        int n = 0;
        while (n < ids.Length && ids[n] >= 0) n++;
        return n;
    }
}
