namespace Quiver.Node.Client;

/// <summary>
/// Several searches fused into one ranking (Milvus's hybrid_search): each <see cref="SearchRequest"/> names its vector field,
/// queries (the same number in each), params, filter and its own limit; the <see cref="Ranker"/> fuses their hits by primary
/// key; <see cref="Limit"/> and <see cref="Offset"/> apply to the fused list. Output fields, round_decimal, partitions and
/// consistency are the hybrid request's (those of the parts are ignored).
/// </summary>
public sealed record HybridSearchRequest
{
    public IReadOnlyList<SearchRequest> Requests { get; init; } = [];
    public Ranker Ranker { get; init; } = new RrfRanker();
    public int Limit { get; init; } = 10;
    public int Offset { get; init; }
    public IReadOnlyList<string> OutputFields { get; init; } = [];
    public int RoundDecimal { get; init; } = -1;
    public IReadOnlyList<string> Partitions { get; init; } = [];
    public Coordinator.ConsistencyLevel? ConsistencyLevel { get; init; }
    public ulong GuaranteeTimestamp { get; init; }
}

/// <summary>How a hybrid search fuses its parts' hits.</summary>
public abstract record Ranker;

/// <summary>Reciprocal rank fusion: a hit scores Σ 1 / (k + rank) over the parts that found it (rank from 1); Milvus's default k is 60.</summary>
public sealed record RrfRanker(int K = 60) : Ranker;

/// <summary>
/// Weighted fusion: a hit scores Σ weight × score over the parts that found it, one weight per part. With
/// <see cref="Normalize"/> (the default) each distance is first mapped onto [0, 1], larger is better, the way Milvus does:
/// IP 0.5 + atan(d)/π, COSINE (1 + d)/2, L2 and other distances 1 − 2·atan(d)/π.
/// </summary>
public sealed record WeightedRanker(IReadOnlyList<float> Weights, bool Normalize = true) : Ranker;
