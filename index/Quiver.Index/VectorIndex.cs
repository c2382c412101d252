using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index;

/// <summary>
/// What every float32 index family shares: the metric and dimension checks at creation, the
/// per-call argument checks, and the members of <see cref="IMutableVectorIndex"/> each family fills.
/// </summary>
public abstract class VectorIndex : IMutableVectorIndex
{
    /// <summary>Milvus's largest vector dimension.</summary>
    public const int MaxDimension = 32768;

    private protected VectorIndex(IndexKind kind, Metric metric, int dim)
    {
        MetricSpace.CheckFloatMetric(metric);
        if (dim < 1 || dim > MaxDimension) throw new ArgumentOutOfRangeException(nameof(dim), dim, $"dim = {dim} is out of range; allowed: 1 ≤ dim ≤ {MaxDimension}.");
        Kind = kind;
        Metric = metric;
        Dimension = dim;
    }

    public IndexKind Kind { get; }
    public Metric Metric { get; }
    public int Dimension { get; }
    public abstract int Count { get; }
    public abstract int LiveCount { get; }
    public abstract long MemoryBytes { get; }

    public abstract int Add(ReadOnlySpan<float> vector);
    public abstract void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null);
    public abstract bool Remove(int id);
    public abstract int Search(ReadOnlySpan<float> query, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null);
    public abstract void Save(Stream stream);
    public abstract void Dispose();

    /// <summary>Throws unless <paramref name="vector"/> has this index's dimension.</summary>
    private protected void CheckVector(ReadOnlySpan<float> vector, string name = "vector")
    {
        if (vector.Length != Dimension)
            throw new ArgumentException($"The {name} has {vector.Length} elements; this index holds {Dimension}-d vectors.", name);
    }

    /// <summary>Throws unless the span holds whole vectors; returns how many.</summary>
    private protected int CheckRows(ReadOnlySpan<float> vectors)
    {
        if (vectors.Length % Dimension != 0)
            throw new ArgumentException($"{vectors.Length} values are not a whole number of {Dimension}-d vectors.", nameof(vectors));
        return vectors.Length / Dimension;
    }

    /// <summary>Throws unless k ≥ 1 and both output spans hold k entries.</summary>
    private protected static void CheckK(int k, int idsLength, int distancesLength)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (idsLength < k || distancesLength < k)
            throw new ArgumentException($"The output spans hold {Math.Min(idsLength, distancesLength)} entries; k = {k} needs {k}.", nameof(k));
    }

    /// <summary>Throws unless <paramref name="id"/> names a row of this index.</summary>
    private protected void CheckId(int id)
    {
        if ((uint)id >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(id), id, $"id = {id} is out of range; the index holds ids 0..{Count - 1}.");
    }
}
