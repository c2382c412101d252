namespace Quiver.Index.Hnsw;

/// <summary>
/// Build parameters of HNSW (Malkov &amp; Yashunin, "Efficient and robust approximate nearest neighbor
/// search using Hierarchical Navigable Small World graphs", 2016/2018), with Milvus's names.
/// </summary>
/// <param name="M">
/// Links per node on the upper layers (the paper's M); layer 0 keeps up to 2·M (M_max0). hnswlib and
/// FAISS default to 16, Milvus allows 2..2048. Memory: about 2·M·4 bytes per vector on layer 0 plus
/// M·4 bytes per upper layer it reaches.
/// </param>
/// <param name="EfConstruction">
/// Candidate-list size while inserting (the paper's efConstruction; hnswlib defaults to 200, FAISS to
/// 40). Larger builds a better graph, slower.
/// </param>
/// <param name="Seed">Seeds the level draw; levels are a function of (seed, id), so they do not depend on thread timing.</param>
public sealed record HnswParameters(int M = 16, int EfConstruction = 200, int Seed = 42)
{
    /// <summary>Milvus's upper bound for M.</summary>
    public const int MaxM = 2048;

    /// <summary>Throws naming the parameter, its value and the allowed range when a value is invalid.</summary>
    public HnswParameters Validate()
    {
        if (M < 2 || M > MaxM) throw new ArgumentOutOfRangeException(nameof(M), M, $"M = {M} is out of range; allowed: 2 ≤ M ≤ {MaxM}.");
        if (EfConstruction < 1) throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, $"efConstruction = {EfConstruction} is out of range; allowed: efConstruction ≥ 1.");
        return this;
    }

    /// <summary>Parses Milvus-style "M=16,efConstruction=200[,seed=42]" (case-insensitive keys).</summary>
    public static HnswParameters Parse(string text)
    {
        var p = new HnswParameters();
        foreach (var (key, value) in IndexParams.Pairs(text))
        {
            p = key switch
            {
                "m" => p with { M = IndexParams.Int(key, value) },
                "efconstruction" => p with { EfConstruction = IndexParams.Int(key, value) },
                "seed" => p with { Seed = IndexParams.Int(key, value) },
                _ => throw new ArgumentException($"Unknown HNSW build parameter '{key}'; known: M, efConstruction, seed."),
            };
        }
        return p.Validate();
    }
}
