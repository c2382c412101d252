using System.Runtime.InteropServices;
using Quiver.Kernel.Distance;

namespace Quiver.Node.Streaming;

/// <summary>
/// Scores one query against a block of contiguous rows, writing internal distances (smaller is closer).
/// The growing segment's scan is generic over it, so the metric and element type are chosen once per
/// search and the block loop holds no virtual call (CONVENTIONS 1).
/// </summary>
internal interface IGrowingBlockScore<T> where T : unmanaged
{
    /// <param name="query">The prepared query (normalized for COSINE, padded to whole words for binary).</param>
    /// <param name="rows">rows × <paramref name="dim"/> elements.</param>
    /// <param name="dim">Elements per row.</param>
    /// <param name="inverseNorms">1/‖row‖ per row, for the float32 COSINE form; empty otherwise.</param>
    /// <param name="distances">One distance per row.</param>
    static abstract void Score(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, int dim, ReadOnlySpan<float> inverseNorms, Span<float> distances);

    /// <summary>Scores the rows of <paramref name="rows"/> named by <paramref name="ids"/> (a filtered scan that touches few rows): distances[j] is ids[j]'s.</summary>
    /// <param name="inverseNorms">1/‖row‖ for every row of <paramref name="rows"/> (float32 COSINE), empty otherwise.</param>
    static abstract void ScoreRows(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, int dim, ReadOnlySpan<int> ids, ReadOnlySpan<float> inverseNorms, Span<float> distances);
}

/// <summary>float32 squared L2 through the one-to-many batch kernel.</summary>
internal readonly struct L2Float32Score : IGrowingBlockScore<float>
{
    public static void Score(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> inverseNorms, Span<float> distances) =>
        VectorDistance.SquaredL2(query, rows, distances);

    public static void ScoreRows(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, ReadOnlySpan<int> ids, ReadOnlySpan<float> inverseNorms, Span<float> distances) =>
        VectorDistance.SquaredL2(query, rows, ids, distances);
}

/// <summary>float32 inner product, negated so smaller is closer.</summary>
internal readonly struct InnerProductFloat32Score : IGrowingBlockScore<float>
{
    public static void Score(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> inverseNorms, Span<float> distances)
    {
        VectorDistance.Dot(query, rows, distances);
        int n = rows.Length / dim;
        for (int i = 0; i < n; i++) distances[i] = -distances[i];
    }

    public static void ScoreRows(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, ReadOnlySpan<int> ids, ReadOnlySpan<float> inverseNorms, Span<float> distances)
    {
        VectorDistance.Dot(query, rows, ids, distances);
        for (int i = 0; i < ids.Length; i++) distances[i] = -distances[i];
    }
}

/// <summary>
/// float32 cosine as −(q̂·r)/‖r‖: the query is normalized once and each row's inverse norm was computed at
/// append time, so stored rows stay as the client sent them (the flush writes them unchanged) and the
/// scan is the same dot kernel as IP plus one multiply per row.
/// </summary>
internal readonly struct CosineFloat32Score : IGrowingBlockScore<float>
{
    public static void Score(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, ReadOnlySpan<float> inverseNorms, Span<float> distances)
    {
        VectorDistance.Dot(query, rows, distances);
        int n = rows.Length / dim;
        for (int i = 0; i < n; i++) distances[i] = -(distances[i] * inverseNorms[i]);
    }

    public static void ScoreRows(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, ReadOnlySpan<int> ids, ReadOnlySpan<float> inverseNorms, Span<float> distances)
    {
        VectorDistance.Dot(query, rows, ids, distances);
        for (int i = 0; i < ids.Length; i++) distances[i] = -(distances[i] * inverseNorms[ids[i]]);
    }
}

/// <summary>The packed float types and int8 through the kernel's distance functors (IP negated, COSINE as 1 − cos).</summary>
internal readonly struct KernelScore<T, TDistance> : IGrowingBlockScore<T>
    where T : unmanaged where TDistance : struct, IDistance<T>
{
    public static void Score(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, int dim, ReadOnlySpan<float> inverseNorms, Span<float> distances) =>
        TDistance.OneToMany(query, rows, distances);

    public static void ScoreRows(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, int dim, ReadOnlySpan<int> ids, ReadOnlySpan<float> inverseNorms, Span<float> distances)
    {
        for (int i = 0; i < ids.Length; i++) distances[i] = TDistance.Distance(query, rows.Slice(ids[i] * dim, dim));
    }
}

/// <summary>
/// Binary vectors: the kernel works on ulong words. Rows whose byte length is a multiple of 8 are read in
/// place; other rows (dim not a multiple of 64) are copied one at a time into a zero-padded word buffer,
/// which leaves Hamming and Jaccard unchanged.
/// </summary>
internal readonly struct BinaryScore<TDistance> : IGrowingBlockScore<byte> where TDistance : struct, IDistance<ulong>
{
    public static void Score(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, int dim, ReadOnlySpan<float> inverseNorms, Span<float> distances)
    {
        var q = MemoryMarshal.Cast<byte, ulong>(query);
        if (dim % sizeof(ulong) == 0)
        {
            TDistance.OneToMany(q, MemoryMarshal.Cast<byte, ulong>(rows), distances);
            return;
        }
        // At most 32768 bits = 512 words = 4 KB of stack, once per block.
        Span<ulong> padded = stackalloc ulong[q.Length];
        var bytes = MemoryMarshal.AsBytes(padded);
        int n = rows.Length / dim;
        for (int i = 0; i < n; i++)
        {
            rows.Slice(i * dim, dim).CopyTo(bytes);
            distances[i] = TDistance.Distance(q, padded);
        }
    }

    public static void ScoreRows(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, int dim, ReadOnlySpan<int> ids, ReadOnlySpan<float> inverseNorms, Span<float> distances)
    {
        for (int i = 0; i < ids.Length; i++) Score(query, rows.Slice(ids[i] * dim, dim), dim, default, distances.Slice(i, 1));
    }
}
