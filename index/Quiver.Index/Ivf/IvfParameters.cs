namespace Quiver.Index.Ivf;

/// <summary>
/// IVF build parameters with Milvus's names: <paramref name="Nlist"/> inverted lists (coarse k-means
/// clusters; Milvus allows 1..65536, FAISS users often take about 4·√n), trained on at most
/// <paramref name="MaxPointsPerCentroid"/> × nlist rows for <paramref name="Iterations"/> Lloyd rounds.
/// </summary>
public sealed record IvfParameters(int Nlist = 128, int Iterations = 20, int MaxPointsPerCentroid = 256, int Seed = 1234)
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

    /// <summary>Parses "nlist=1024[,iterations=20][,max_points_per_centroid=256][,seed=…]".</summary>
    public static IvfParameters Parse(string text)
    {
        var p = new IvfParameters();
        foreach (var (key, value) in IndexParams.Pairs(text))
        {
            p = key switch
            {
                "nlist" => p with { Nlist = IndexParams.Int(key, value) },
                "iterations" or "niter" => p with { Iterations = IndexParams.Int(key, value) },
                "max_points_per_centroid" => p with { MaxPointsPerCentroid = IndexParams.Int(key, value) },
                "seed" => p with { Seed = IndexParams.Int(key, value) },
                _ => throw new ArgumentException($"Unknown IVF build parameter '{key}'; known: nlist, iterations, max_points_per_centroid, seed."),
            };
        }
        return p.Validate();
    }
}

/// <summary>IVF search: probe the <see cref="Nprobe"/> nearest lists (Milvus "nprobe", 1..nlist).</summary>
public sealed record IvfSearchParameters(int Nprobe) : SearchParameters
{
    /// <summary>Throws when nprobe is outside 1..nlist.</summary>
    public IvfSearchParameters Validate(int nlist)
    {
        if (Nprobe < 1 || Nprobe > nlist) throw new ArgumentOutOfRangeException(nameof(Nprobe), Nprobe, $"nprobe = {Nprobe} is out of range; allowed: 1 ≤ nprobe ≤ nlist = {nlist}.");
        return this;
    }
}
