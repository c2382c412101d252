namespace Quiver.Kernel.Distance;

/// <summary>
/// A distance as a struct functor: index code is generic over <c>TDistance : struct, IDistance&lt;T&gt;</c>,
/// so the JIT specialises each index for each metric and no virtual or delegate call sits in an inner
/// loop. Every member returns a distance where smaller is closer: inner product is negated and cosine
/// becomes 1 − similarity; the API layer turns them back into Milvus scores.
/// </summary>
/// <typeparam name="T">Element type: float, Half, BFloat16, sbyte, byte, or ulong words for binary vectors.</typeparam>
public interface IDistance<T> where T : unmanaged
{
    /// <summary>The metric this functor computes.</summary>
    static abstract Metric Metric { get; }

    /// <summary>Distance between two vectors of equal length.</summary>
    static abstract float Distance(ReadOnlySpan<T> a, ReadOnlySpan<T> b);

    /// <summary>Distance from <paramref name="query"/> to each row of a contiguous row-major block.</summary>
    static abstract void OneToMany(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, Span<float> distances);

    /// <summary>Distance from <paramref name="query"/> to the rows named by <paramref name="ids"/>.</summary>
    static abstract void ByIds(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, ReadOnlySpan<int> ids, Span<float> distances);

    /// <summary>Distance of every query to every row: distances[q · rowCount + r].</summary>
    static abstract void ManyToMany(ReadOnlySpan<T> queries, ReadOnlySpan<T> rows, int dim, Span<float> distances);
}
