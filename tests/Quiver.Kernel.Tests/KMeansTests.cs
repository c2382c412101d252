using Quiver.Kernel.Clustering;

namespace Quiver.Kernel.Tests;

public class KMeansTests
{
    private static float[] Blobs(int seed, int clusters, int perCluster, int dim)
    {
        var rng = new Random(seed);
        var data = new float[clusters * perCluster * dim];
        for (int c = 0; c < clusters; c++)
        {
            var centre = Enumerable.Range(0, dim).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
            for (int p = 0; p < perCluster; p++)
                for (int j = 0; j < dim; j++)
                    data[((c * perCluster) + p) * dim + j] = centre[j] + (float)(rng.NextDouble() - 0.5);
        }
        return data;
    }

    [Fact]
    public void Inertia_never_rises_and_training_is_reproducible()
    {
        var data = Blobs(1, 12, 300, 10);
        var options = new KMeansOptions(Clusters: 12, Iterations: 15, Seed: 7, Threads: 2);
        var a = KMeans.Train(data, 10, options);
        for (int i = 1; i < a.Inertia.Length; i++)
            Assert.True(a.Inertia[i] <= a.Inertia[i - 1] * (1 + 1e-6), $"round {i}: {a.Inertia[i]} > {a.Inertia[i - 1]}");
        var b = KMeans.Train(data, 10, options);
        Assert.Equal(a.Centroids, b.Centroids);
        var c = KMeans.Train(data, 10, options with { Seed = 8 });
        Assert.NotEqual(a.Centroids, c.Centroids);
    }

    [Fact]
    public void Finds_well_separated_clusters_and_reassigns_every_row()
    {
        var data = Blobs(2, 8, 200, 6);
        var r = KMeans.Train(data, 6, new KMeansOptions(8, Iterations: 20, Seed: 3));
        var assign = new int[data.Length / 6];
        var dist = new float[assign.Length];
        double inertia = KMeans.Assign(data, 6, r.Centroids, assign, dist);
        // Blob noise is uniform in ±0.5 per coordinate: expected squared distance 6/12 = 0.5 per row.
        Assert.True(inertia / assign.Length < 0.6, $"mean squared distance {inertia / assign.Length:F3}");
        for (int c = 0; c < 8; c++)
        {
            var members = Enumerable.Range(c * 200, 200).Select(i => assign[i]).Distinct().ToArray();
            Assert.Single(members);
        }
    }

    [Fact]
    public void Empty_clusters_are_split_from_the_largest_and_bad_input_is_refused()
    {
        // 40 copies of 2 distinct points and 5 clusters: most clusters start or fall empty.
        var data = new float[80 * 2];
        for (int i = 0; i < 80; i++) { data[i * 2] = i % 2; data[i * 2 + 1] = i % 2; }
        var r = KMeans.Train(data, 2, new KMeansOptions(5, Iterations: 5, Seed: 1));
        Assert.Equal(10, r.Centroids.Length);
        Assert.All(r.Centroids, v => Assert.True(float.IsFinite(v)));
        Assert.Throws<ArgumentException>(() => KMeans.Train(new float[6], 2, new KMeansOptions(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Train(new float[6], 2, new KMeansOptions(0)));
    }

    [Fact]
    public void ArgMin_returns_the_first_smallest_value()
    {
        var rng = new Random(9);
        for (int n = 1; n < 300; n++)
        {
            var d = Enumerable.Range(0, n).Select(_ => (float)rng.Next(0, 7)).ToArray(); // many ties
            int want = 0;
            for (int i = 1; i < n; i++) if (d[i] < d[want]) want = i;
            Assert.Equal(want, KMeans.ArgMin(d));
        }
    }
}
