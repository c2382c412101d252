using Quiver.Datasets;
using Quiver.Kernel.Distance;

namespace Quiver.Index.Tests;

/// <summary>Seeded clustered sets and their exact answers, shared by the index tests.</summary>
internal static class TestSets
{
    private static readonly Lazy<(float[] Train, float[] Test, int[] Truth)> Clustered20k = new(() =>
    {
        var spec = new SyntheticSpec(20_000, 64, 32, 7, Queries: 200);
        var centres = SyntheticGenerator.Centres(spec);
        var train = new float[spec.Count * spec.Dim];
        SyntheticGenerator.Generate(spec, centres, 0, 0, train);
        var test = new float[spec.Queries * spec.Dim];
        SyntheticGenerator.Generate(spec, centres, 1, 0, test);
        var truth = GroundTruth.Compute(train, test, spec.Dim, Metric.L2, 10);
        return (train, test, truth);
    });

    /// <summary>20 000 × 64 from 32 Gaussian clusters, 200 queries, exact top-10.</summary>
    public static (float[] Train, float[] Test, int[] Truth) Clustered => Clustered20k.Value;

    public static float[] Random(int seed, int n, int dim)
    {
        var rng = new Random(seed);
        var v = new float[n * dim];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>Exact top-k by brute force in double, ties by id, over the allowed rows.</summary>
    public static int[] BruteForce(float[] train, ReadOnlySpan<float> query, int dim, Metric metric, int k, Func<int, bool>? allowed = null)
    {
        var q = ReferenceDistance.Widen(query);
        int n = train.Length / dim;
        var scored = new List<(double D, int Id)>();
        for (int i = 0; i < n; i++)
        {
            if (allowed is not null && !allowed(i)) continue;
            var x = ReferenceDistance.Widen<float>(train.AsSpan(i * dim, dim));
            double d = metric switch
            {
                Metric.L2 => ReferenceDistance.SquaredL2(q, x),
                Metric.InnerProduct => -ReferenceDistance.Dot(q, x),
                _ => 1 - ReferenceDistance.CosineSimilarity(q, x),
            };
            scored.Add((d, i));
        }
        return scored.OrderBy(t => t.D).ThenBy(t => t.Id).Take(k).Select(t => t.Id).ToArray();
    }

    public static double Recall(ReadOnlySpan<int> got, ReadOnlySpan<int> want)
    {
        int hit = 0;
        foreach (int id in got) if (want.Contains(id)) hit++;
        return (double)hit / want.Length;
    }
}
