using System.Globalization;
using Quiver.Kernel.Distance;

namespace Quiver.Datasets;

/// <summary>
/// A seeded Gaussian mixture: <see cref="Clusters"/> centres drawn from N(0, Spread²) per coordinate,
/// each point a centre plus N(0, 1) noise. Written as <c>synthetic:n=…,d=…,clusters=…,seed=…</c>
/// (optional <c>queries=…</c>, <c>spread=…</c>, <c>metric=l2|ip|cosine</c>).
/// </summary>
public sealed record SyntheticSpec(int Count, int Dim, int Clusters, int Seed, int Queries = 10_000, double Spread = 4.0, Metric Metric = Metric.L2)
{
    /// <summary>The dataset name used for cache files and result lines.</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture,
        $"synthetic-n{Count}-d{Dim}-c{Clusters}-s{Seed}-q{Queries}-sp{Spread}-{Metric.ToString().ToLowerInvariant()}");

    /// <summary>Parses the text after <c>synthetic:</c>; every error names the key and the allowed values.</summary>
    public static SyntheticSpec Parse(string text)
    {
        int n = -1, d = -1, clusters = 16, seed = 1, queries = 10_000;
        double spread = 4.0;
        var metric = Metric.L2;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2) throw new FormatException($"synthetic: '{part}' is not key=value.");
            string key = kv[0].ToLowerInvariant(), value = kv[1];
            switch (key)
            {
                case "n": n = PositiveInt(key, value, 1, int.MaxValue); break;
                case "d": d = PositiveInt(key, value, 1, 32768); break;
                case "clusters": clusters = PositiveInt(key, value, 1, 1_000_000); break;
                case "seed": seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "queries" or "q": queries = PositiveInt(key, value, 1, 10_000_000); break;
                case "spread":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out spread) || spread < 0)
                        throw new FormatException($"synthetic: spread = '{value}' must be a number ≥ 0.");
                    break;
                case "metric": metric = MetricNames.Parse(value); break;
                default: throw new FormatException($"synthetic: unknown key '{kv[0]}'; known: n, d, clusters, seed, queries, spread, metric.");
            }
        }
        if (n < 0 || d < 0) throw new FormatException("synthetic: n and d are required, e.g. synthetic:n=100000,d=128,clusters=64,seed=1.");
        if ((long)n * d > Array.MaxLength) throw new FormatException($"synthetic: n × d = {(long)n * d} exceeds one array ({Array.MaxLength} values).");
        return new SyntheticSpec(n, d, clusters, seed, queries, spread, metric);
    }

    private static int PositiveInt(string key, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new FormatException($"synthetic: {key} = '{value}' must be an integer in [{min}, {max}].");
        return v;
    }
}
