using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Distance;

/// <summary>Squared Euclidean distance (Milvus "L2").</summary>
public readonly struct SquaredL2Distance :
    IDistance<float>, IDistance<Half>, IDistance<BFloat16>, IDistance<sbyte>, IDistance<byte>
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.L2;

    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => VectorDistance.SquaredL2(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b) => VectorDistance.SquaredL2(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b) => VectorDistance.SquaredL2(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b) => VectorDistance.SquaredL2(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => VectorDistance.SquaredL2(a, b);

    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> distances) => VectorDistance.SquaredL2(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<Half> query, ReadOnlySpan<Half> rows, Span<float> distances) => PairBatch.OneToMany<Half, SquaredL2Distance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<BFloat16> query, ReadOnlySpan<BFloat16> rows, Span<float> distances) => PairBatch.OneToMany<BFloat16, SquaredL2Distance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, Span<float> distances) => PairBatch.OneToMany<sbyte, SquaredL2Distance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, Span<float> distances) => PairBatch.OneToMany<byte, SquaredL2Distance>(query, rows, distances);

    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> distances) => VectorDistance.SquaredL2(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<Half> query, ReadOnlySpan<Half> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<Half, SquaredL2Distance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<BFloat16> query, ReadOnlySpan<BFloat16> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<BFloat16, SquaredL2Distance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<sbyte, SquaredL2Distance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<byte, SquaredL2Distance>(query, rows, ids, distances);

    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> distances) => VectorDistance.SquaredL2(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<Half> queries, ReadOnlySpan<Half> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<Half, SquaredL2Distance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<BFloat16> queries, ReadOnlySpan<BFloat16> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<BFloat16, SquaredL2Distance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<sbyte> queries, ReadOnlySpan<sbyte> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<sbyte, SquaredL2Distance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<byte> queries, ReadOnlySpan<byte> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<byte, SquaredL2Distance>(queries, rows, dim, distances);
}

/// <summary>Inner product as a distance: −a·b (Milvus "IP" reports +a·b; the API layer flips the sign back).</summary>
public readonly struct InnerProductDistance :
    IDistance<float>, IDistance<Half>, IDistance<BFloat16>, IDistance<sbyte>, IDistance<byte>
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.InnerProduct;

    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => -VectorDistance.Dot(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b) => -VectorDistance.Dot(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b) => -VectorDistance.Dot(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b) => -VectorDistance.Dot(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => -VectorDistance.Dot(a, b);

    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> distances)
    {
        VectorDistance.Dot(query, rows, distances);
        PairBatch.Negate(distances, rows.Length / query.Length);
    }
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<Half> query, ReadOnlySpan<Half> rows, Span<float> distances) => PairBatch.OneToMany<Half, InnerProductDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<BFloat16> query, ReadOnlySpan<BFloat16> rows, Span<float> distances) => PairBatch.OneToMany<BFloat16, InnerProductDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, Span<float> distances) => PairBatch.OneToMany<sbyte, InnerProductDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, Span<float> distances) => PairBatch.OneToMany<byte, InnerProductDistance>(query, rows, distances);

    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> distances)
    {
        VectorDistance.Dot(query, rows, ids, distances);
        PairBatch.Negate(distances, ids.Length);
    }
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<Half> query, ReadOnlySpan<Half> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<Half, InnerProductDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<BFloat16> query, ReadOnlySpan<BFloat16> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<BFloat16, InnerProductDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<sbyte, InnerProductDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<byte, InnerProductDistance>(query, rows, ids, distances);

    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> distances)
    {
        VectorDistance.Dot(queries, rows, dim, distances);
        PairBatch.Negate(distances, queries.Length / dim * (rows.Length / dim));
    }
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<Half> queries, ReadOnlySpan<Half> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<Half, InnerProductDistance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<BFloat16> queries, ReadOnlySpan<BFloat16> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<BFloat16, InnerProductDistance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<sbyte> queries, ReadOnlySpan<sbyte> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<sbyte, InnerProductDistance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<byte> queries, ReadOnlySpan<byte> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<byte, InnerProductDistance>(queries, rows, dim, distances);
}

/// <summary>
/// Cosine as a distance: 1 − cos(a, b). Indexes that store normalized vectors should use
/// <see cref="InnerProductDistance"/> on them instead, which is the same order at a third of the work.
/// </summary>
public readonly struct CosineDistance :
    IDistance<float>, IDistance<Half>, IDistance<BFloat16>, IDistance<sbyte>, IDistance<byte>
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.Cosine;

    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => 1f - VectorDistance.CosineSimilarity(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b) => 1f - VectorDistance.CosineSimilarity(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<BFloat16> a, ReadOnlySpan<BFloat16> b) => 1f - VectorDistance.CosineSimilarity(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b) => 1f - VectorDistance.CosineSimilarity(a, b);
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => 1f - VectorDistance.CosineSimilarity(a, b);

    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> distances) => PairBatch.OneToMany<float, CosineDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<Half> query, ReadOnlySpan<Half> rows, Span<float> distances) => PairBatch.OneToMany<Half, CosineDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<BFloat16> query, ReadOnlySpan<BFloat16> rows, Span<float> distances) => PairBatch.OneToMany<BFloat16, CosineDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, Span<float> distances) => PairBatch.OneToMany<sbyte, CosineDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, Span<float> distances) => PairBatch.OneToMany<byte, CosineDistance>(query, rows, distances);

    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<float, CosineDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<Half> query, ReadOnlySpan<Half> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<Half, CosineDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<BFloat16> query, ReadOnlySpan<BFloat16> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<BFloat16, CosineDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<sbyte, CosineDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<byte> query, ReadOnlySpan<byte> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<byte, CosineDistance>(query, rows, ids, distances);

    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<float, CosineDistance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<Half> queries, ReadOnlySpan<Half> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<Half, CosineDistance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<BFloat16> queries, ReadOnlySpan<BFloat16> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<BFloat16, CosineDistance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<sbyte> queries, ReadOnlySpan<sbyte> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<sbyte, CosineDistance>(queries, rows, dim, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<byte> queries, ReadOnlySpan<byte> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<byte, CosineDistance>(queries, rows, dim, distances);
}

/// <summary>Hamming distance over bit-packed binary vectors (Milvus "HAMMING").</summary>
public readonly struct HammingDistance : IDistance<ulong>
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.Hamming;
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => VectorDistance.Hamming(a, b);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> rows, Span<float> distances) => PairBatch.OneToMany<ulong, HammingDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<ulong, HammingDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<ulong> queries, ReadOnlySpan<ulong> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<ulong, HammingDistance>(queries, rows, dim, distances);
}

/// <summary>Jaccard distance over bit-packed binary vectors (Milvus "JACCARD").</summary>
public readonly struct JaccardDistance : IDistance<ulong>
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.Jaccard;
    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => VectorDistance.Jaccard(a, b);
    /// <inheritdoc/>
    public static void OneToMany(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> rows, Span<float> distances) => PairBatch.OneToMany<ulong, JaccardDistance>(query, rows, distances);
    /// <inheritdoc/>
    public static void ByIds(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> rows, ReadOnlySpan<int> ids, Span<float> distances) => PairBatch.ByIds<ulong, JaccardDistance>(query, rows, ids, distances);
    /// <inheritdoc/>
    public static void ManyToMany(ReadOnlySpan<ulong> queries, ReadOnlySpan<ulong> rows, int dim, Span<float> distances) => PairBatch.ManyToMany<ulong, JaccardDistance>(queries, rows, dim, distances);
}
