using Quiver.Kernel.Quantization;

namespace Quiver.Index.Ivf;

/// <summary>
/// IVF build parameters with Milvus's names: <paramref name="Nlist"/> inverted lists (coarse k-means
/// clusters; Milvus allows 1..65536, FAISS users often take about 4·√n), trained on at most
/// <paramref name="MaxPointsPerCentroid"/> × nlist rows for <paramref name="Iterations"/> Lloyd rounds.
/// IVF_PQ adds <paramref name="M"/> sub-quantizers (must divide dim) of <paramref name="Nbits"/> bits
/// (1..16). IVF_SQ8 and IVF_PQ encode residuals from the list centroid unless
/// <paramref name="ByResidual"/> is false (FAISS's by_residual), and keep the raw vectors for an exact
/// rerank of k × refine_k candidates when <paramref name="Refine"/> is set.
/// </summary>
public sealed record IvfParameters(int Nlist = 128, int Iterations = 20, int MaxPointsPerCentroid = 256, int Seed = 1234,
    int M = 0, int Nbits = 8, bool ByResidual = true, bool Refine = false)
{
    /// <summary>Milvus's upper bound for nlist.</summary>
    public const int MaxNlist = 65536;

    /// <summary>Throws naming the parameter, its value and the allowed range.</summary>
    public IvfParameters Validate()
    {
        if (Nlist < 1 || Nlist > MaxNlist) throw new ArgumentOutOfRangeException(nameof(Nlist), Nlist, $"nlist = {Nlist} is out of range; allowed: 1 ≤ nlist ≤ {MaxNlist}.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, $"iterations = {Iterations} is out of range; allowed: iterations ≥ 1.");
        if (MaxPointsPerCentroid < 1) throw new ArgumentOutOfRangeException(nameof(MaxPointsPerCentroid), MaxPointsPerCentroid, $"max_points_per_centroid = {MaxPointsPerCentroid} is out of range; allowed: ≥ 1.");
        return this;
    }

    /// <summary>Also checks what the index kind needs: m and nbits for IVF_PQ; no refine for IVF_FLAT (its lists are exact already).</summary>
    public IvfParameters Validate(IndexKind kind, int dim)
    {
        Validate();
        if (kind == IndexKind.IvfPq)
        {
            if (M == 0) throw new ArgumentException($"IVF_PQ needs m, the number of sub-quantizers (a divisor of dim = {dim}).", nameof(M));
            ProductQuantizer.Validate(dim, M, Nbits);
        }
        if (kind == IndexKind.IvfFlat && Refine) throw new ArgumentException("refine applies to IVF_SQ8 and IVF_PQ; IVF_FLAT lists already hold the exact vectors.", nameof(Refine));
        return this;
    }

    /// <summary>Parses "nlist=1024[,m=…][,nbits=8][,by_residual=true][,refine=true][,iterations=20][,max_points_per_centroid=256][,seed=…]".</summary>
    public static IvfParameters Parse(string text)
    {
        var p = new IvfParameters();
        foreach (var (key, value) in IndexParams.Pairs(text))
        {
            p = key switch
            {
                "nlist" => p with { Nlist = IndexParams.Int(key, value) },
                "m" => p with { M = IndexParams.Int(key, value) },
                "nbits" => p with { Nbits = IndexParams.Int(key, value) },
                "by_residual" => p with { ByResidual = IndexParams.Bool(key, value) },
                "refine" => p with { Refine = IndexParams.Bool(key, value) },
                "iterations" or "niter" => p with { Iterations = IndexParams.Int(key, value) },
                "max_points_per_centroid" => p with { MaxPointsPerCentroid = IndexParams.Int(key, value) },
                "seed" => p with { Seed = IndexParams.Int(key, value) },
                _ => throw new ArgumentException($"Unknown IVF build parameter '{key}'; known: nlist, m, nbits, by_residual, refine, iterations, max_points_per_centroid, seed."),
            };
        }
        return p.Validate();
    }
}

/// <summary>
/// IVF search: probe the <see cref="Nprobe"/> nearest lists (Milvus "nprobe", 1..nlist); with an index
/// built with refine, rerank the best k × <see cref="RefineK"/> candidates by exact distance.
/// </summary>
public sealed record IvfSearchParameters(int Nprobe, int RefineK = 1) : SearchParameters
{
    /// <summary>Largest refine_k accepted.</summary>
    public const int MaxRefineK = 1024;

    /// <summary>Throws when nprobe is outside 1..nlist or refine_k outside 1..1024.</summary>
    public IvfSearchParameters Validate(int nlist)
    {
        if (Nprobe < 1 || Nprobe > nlist) throw new ArgumentOutOfRangeException(nameof(Nprobe), Nprobe, $"nprobe = {Nprobe} is out of range; allowed: 1 ≤ nprobe ≤ nlist = {nlist}.");
        if (RefineK < 1 || RefineK > MaxRefineK) throw new ArgumentOutOfRangeException(nameof(RefineK), RefineK, $"refine_k = {RefineK} is out of range; allowed: 1 ≤ refine_k ≤ {MaxRefineK}.");
        return this;
    }
}
