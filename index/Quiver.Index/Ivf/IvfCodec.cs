using System.Runtime.InteropServices;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Quantization;

namespace Quiver.Index.Ivf;

/// <summary>Per-search state a codec prepares from the query (or the query's residual for one list).</summary>
internal sealed class CodecQuery(int tableLength, int weightLength)
{
    public readonly float[] Table = new float[tableLength];
    public readonly short[] Weights = new short[weightLength];
    public float Sigma, Constant;
}

/// <summary>
/// What an IVF inverted list stores per row and how a list is scanned: raw vectors (IVF_FLAT), 8-bit
/// scalar codes (IVF_SQ8) or product-quantization codes (IVF_PQ). Distances follow the index's internal
/// convention: squared L2, or the negated inner product (cosine rows are normalized first).
/// </summary>
internal abstract class IvfCodec(int dim, bool l2)
{
    public int Dim { get; } = dim;
    public bool L2 { get; } = l2;
    public abstract IndexKind Kind { get; }
    public abstract int CodeSize { get; }
    /// <summary>True when each row carries one float beside its code (SQ8 under L2: ‖step ⊙ code‖²).</summary>
    public virtual bool HasRowTerm => false;
    /// <summary>True when rows are encoded as residuals from their list's centroid.</summary>
    public virtual bool ByResidual => false;
    public virtual bool IsTrained => true;
    public virtual long MemoryBytes => 0;
    public virtual int TableLength => 0;
    public virtual int WeightLength => 0;

    /// <summary>Trains on row-major rows (residuals when <see cref="ByResidual"/>).</summary>
    public virtual void Train(float[] rows, int threads) { }

    /// <summary>
    /// Encodes n rows (residuals when <see cref="ByResidual"/>) into codes (CodeSize bytes each) and row
    /// terms; row i belongs to list <paramref name="lists"/>[i], whose centroid row is in <paramref name="centroids"/>.
    /// </summary>
    public abstract void Encode(ReadOnlySpan<float> rows, ReadOnlySpan<int> lists, ReadOnlySpan<float> centroids, Span<byte> codes, Span<float> terms, int threads);

    /// <summary>
    /// Prepares the query state, once per query: every codec's distances are arranged so that a list
    /// adds only a constant (the coarse distance, for residual codes) and each row its stored term.
    /// </summary>
    public virtual void Prepare(ReadOnlySpan<float> query, CodecQuery q) { }

    /// <summary>Distances of <paramref name="count"/> rows of one list, less the list's constant.</summary>
    public abstract void Scan(ReadOnlySpan<float> query, CodecQuery q, ReadOnlySpan<byte> codes, ReadOnlySpan<float> terms, int count, Span<float> distances);

    public virtual void Write(BinaryWriter w) { }
    public virtual void Read(BinaryReader r) { }

    public static IvfCodec Create<TDistance>(IndexKind kind, int dim, IvfParameters p) where TDistance : struct, IDistance<float>
    {
        bool l2 = TDistance.Metric == Metric.L2;
        return kind switch
        {
            IndexKind.IvfFlat => new FlatCodec<TDistance>(dim),
            IndexKind.IvfSq8 => new Sq8Codec(dim, l2, p.ByResidual),
            IndexKind.IvfPq => new PqCodec(dim, l2, p),
            _ => throw new ArgumentException($"{kind} is not an IVF index kind."),
        };
    }
}

/// <summary>IVF_FLAT: the code is the raw float vector.</summary>
internal sealed class FlatCodec<TDistance>(int dim) : IvfCodec(dim, TDistance.Metric == Metric.L2) where TDistance : struct, IDistance<float>
{
    public override IndexKind Kind => IndexKind.IvfFlat;
    public override int CodeSize => Dim * sizeof(float);

    public override void Encode(ReadOnlySpan<float> rows, ReadOnlySpan<int> lists, ReadOnlySpan<float> centroids, Span<byte> codes, Span<float> terms, int threads) =>
        MemoryMarshal.AsBytes(rows).CopyTo(codes);

    public override void Scan(ReadOnlySpan<float> a, CodecQuery q, ReadOnlySpan<byte> codes, ReadOnlySpan<float> terms, int count, Span<float> distances) =>
        TDistance.OneToMany(a, MemoryMarshal.Cast<byte, float>(codes[..(count * CodeSize)]), distances[..count]);
}

/// <summary>
/// IVF_SQ8: per-dimension 8-bit codes searched with the uint8 × int16 integer kernel. With x̂ the
/// reconstruction (of the residual, for residual codes, whose list centroid is c):
/// L2 = ‖q‖² − 2·q·x̂ + ‖x̂‖² (raw) or ‖q − c‖² − 2·q·x̂ + ‖x̂‖² + 2·c·x̂ (residual), so each row stores
/// ‖x̂‖² (+ 2·c·x̂) and the query's weights serve every list; inner product = −q·x̂ (− q·c).
/// </summary>
internal sealed class Sq8Codec(int dim, bool l2, bool byResidual) : IvfCodec(dim, l2)
{
    private ScalarQuantizer? _sq;

    public override IndexKind Kind => IndexKind.IvfSq8;
    public override int CodeSize => Dim;
    public override bool HasRowTerm => L2;
    public override bool ByResidual => byResidual;
    public override bool IsTrained => _sq is not null;
    public override long MemoryBytes => 2L * Dim * sizeof(float);
    public override int WeightLength => Dim;

    public override void Train(float[] rows, int threads) => _sq = ScalarQuantizer.Train(rows, Dim);

    public override void Encode(ReadOnlySpan<float> rows, ReadOnlySpan<int> lists, ReadOnlySpan<float> centroids, Span<byte> codes, Span<float> terms, int threads)
    {
        int n = rows.Length / Dim;
        Span<float> decoded = L2 && ByResidual ? new float[Dim] : default;
        for (int r = 0; r < n; r++)
        {
            var code = codes.Slice(r * Dim, Dim);
            float norm = _sq!.Encode(rows.Slice(r * Dim, Dim), code);
            if (!L2) continue;
            if (ByResidual)
            {
                _sq.Decode(code, decoded);
                norm += 2 * VectorDistance.Dot(decoded, centroids.Slice(lists[r] * Dim, Dim));
            }
            terms[r] = norm;
        }
    }

    public override void Prepare(ReadOnlySpan<float> query, CodecQuery q)
    {
        float sigma = _sq!.QuantizeWeights(query, q.Weights, out float dotMin);
        if (L2)
        {
            q.Sigma = -2 * sigma;
            q.Constant = (ByResidual ? 0 : VectorDistance.Dot(query, query)) - 2 * dotMin;
        }
        else
        {
            q.Sigma = -sigma;
            q.Constant = -dotMin;
        }
    }

    public override void Scan(ReadOnlySpan<float> query, CodecQuery q, ReadOnlySpan<byte> codes, ReadOnlySpan<float> terms, int count, Span<float> distances)
    {
        ReadOnlySpan<short> w = q.Weights;
        float sigma = q.Sigma, constant = q.Constant;
        if (L2) for (int r = 0; r < count; r++) distances[r] = constant + terms[r] + sigma * VectorDistance.Dot(codes.Slice(r * Dim, Dim), w);
        else for (int r = 0; r < count; r++) distances[r] = constant + sigma * VectorDistance.Dot(codes.Slice(r * Dim, Dim), w);
    }

    public override void Write(BinaryWriter w)
    {
        IndexFile.WriteSection<float>(w, MinTag, _sq!.Min);
        IndexFile.WriteSection<float>(w, StepTag, _sq.Step);
    }

    public override void Read(BinaryReader r) =>
        _sq = new ScalarQuantizer(IndexFile.ReadSection<float>(r, MinTag, "SQ8 minimums", Dim), IndexFile.ReadSection<float>(r, StepTag, "SQ8 steps", Dim));

    private const uint MinTag = 0x4E494D53, StepTag = 0x50545353; // "SMIN", "SSTP"
}

/// <summary>
/// IVF_PQ: m × nbits product-quantization codes searched by table lookups, one table per query. Over
/// residuals under L2 the table holds ‖C_jc‖² − 2·q_j·C_jc and each row stores 2·c·r̂, so
/// ‖q − c − r̂‖² = ‖q − c‖² (the coarse distance) + Σ_j table + 2·c·r̂ needs no per-list table.
/// </summary>
internal sealed class PqCodec(int dim, bool l2, IvfParameters p) : IvfCodec(dim, l2)
{
    private ProductQuantizer? _pq;

    public override IndexKind Kind => IndexKind.IvfPq;
    public override int CodeSize => (p.M * p.Nbits + 7) / 8;
    public override bool ByResidual => p.ByResidual;
    public override bool HasRowTerm => L2 && p.ByResidual;
    public override bool IsTrained => _pq is not null;
    public override long MemoryBytes => _pq?.MemoryBytes ?? 0;
    public override int TableLength => p.M << p.Nbits;

    public override void Train(float[] rows, int threads) =>
        _pq = ProductQuantizer.Train(rows, Dim, p.M, p.Nbits, p.Iterations, p.Seed, threads);

    public override void Encode(ReadOnlySpan<float> rows, ReadOnlySpan<int> lists, ReadOnlySpan<float> centroids, Span<byte> codes, Span<float> terms, int threads)
    {
        _pq!.Encode(rows, codes, threads);
        if (!HasRowTerm) return;
        int size = CodeSize;
        for (int r = 0; r < lists.Length; r++) terms[r] = 2 * _pq.DotDecoded(codes.Slice(r * size, size), centroids.Slice(lists[r] * Dim, Dim));
    }

    public override void Prepare(ReadOnlySpan<float> query, CodecQuery q) =>
        _pq!.ComputeTable(query, !L2 ? PqTable.InnerProduct : p.ByResidual ? PqTable.L2WithoutQueryNorm : PqTable.L2, q.Table);

    public override void Scan(ReadOnlySpan<float> query, CodecQuery q, ReadOnlySpan<byte> codes, ReadOnlySpan<float> terms, int count, Span<float> distances)
    {
        _pq!.Scan(q.Table, codes, count, distances);
        if (HasRowTerm) for (int r = 0; r < count; r++) distances[r] += terms[r];
    }

    public override void Write(BinaryWriter w) => IndexFile.WriteSection<float>(w, CodebooksTag, _pq!.Codebooks);

    public override void Read(BinaryReader r) =>
        _pq = new ProductQuantizer(Dim, p.M, p.Nbits, IndexFile.ReadSection<float>(r, CodebooksTag, "PQ codebooks", (long)Dim << p.Nbits));

    private const uint CodebooksTag = 0x42435150; // "PQCB"
}
