using Quiver.Node.Client;
using Quiver.Node.Errors;

namespace Quiver.Node.Proxy;

/// <summary>The hybrid-search rerankers: fuse several ranked hit lists of one query into one, by primary key.</summary>
public static class Fusion
{
    /// <summary>
    /// Fuses one query's hit lists (each best first, from a search with metric <paramref name="metrics"/>[i]) and returns the
    /// hits ordered by fused score, larger first (ties: the key first seen first); each carries the fields of its first appearance.
    /// </summary>
    public static List<SearchHit> Fuse(Ranker ranker, IReadOnlyList<IReadOnlyList<SearchHit>> lists, IReadOnlyList<string> metrics)
    {
        ArgumentNullException.ThrowIfNull(ranker);
        if (ranker is WeightedRanker w && w.Weights.Count != lists.Count)
            throw QuiverException.Invalid($"the weighted ranker has {w.Weights.Count} weights for {lists.Count} searches; give one weight per search");
        if (ranker is RrfRanker r && r.K is <= 0 or >= 16384)
            throw QuiverException.Invalid($"RRF k must be in (0, 16384), got {r.K}");
        var scores = new Dictionary<object, (double Score, int First, SearchHit Hit)>();
        int seen = 0;
        for (int part = 0; part < lists.Count; part++)
        {
            var list = lists[part];
            for (int rank = 0; rank < list.Count; rank++)
            {
                var hit = list[rank];
                double add = ranker switch
                {
                    RrfRanker rrf => 1.0 / (rrf.K + rank + 1),
                    WeightedRanker wr => wr.Weights[part] * (wr.Normalize ? Normalized(hit.Distance, metrics[part]) : hit.Distance),
                    _ => throw QuiverException.Invalid($"unknown ranker {ranker.GetType().Name}"),
                };
                scores[hit.Id] = scores.TryGetValue(hit.Id, out var e) ? (e.Score + add, e.First, e.Hit) : (add, seen++, hit);
            }
        }
        return scores.Values
            .OrderByDescending(e => e.Score).ThenBy(e => e.First)
            .Select(e => e.Hit with { Distance = (float)e.Score })
            .ToList();
    }

    /// <summary>Milvus's normalization of a distance or similarity onto [0, 1], larger is better.</summary>
    public static double Normalized(float d, string metric) => metric.ToUpperInvariant() switch
    {
        "IP" => 0.5 + Math.Atan(d) / Math.PI,
        "COSINE" => (1.0 + d) / 2.0,
        _ => 1.0 - 2.0 * Math.Atan(d) / Math.PI,
    };
}
