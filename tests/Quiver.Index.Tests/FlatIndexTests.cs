using Quiver.Index.Flat;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index.Tests;

public class FlatIndexTests
{
    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.Cosine)]
    public void Flat_equals_brute_force(Metric metric)
    {
        const int dim = 37, n = 3000, k = 10;
        var train = TestSets.Random(1, n, dim);
        var queries = TestSets.Random(2, 20, dim);
        using var index = FlatIndex.Create(metric, dim);
        index.AddRange(train);
        Assert.Equal(n, index.Count);
        var ids = new int[k];
        var dist = new float[k];
        for (int q = 0; q < 20; q++)
        {
            var query = queries.AsSpan(q * dim, dim);
            Assert.Equal(k, index.Search(query, k, ids, dist));
            Assert.Equal(TestSets.BruteForce(train, query, dim, metric, k), ids);
            for (int i = 1; i < k; i++) Assert.True(dist[i - 1] <= dist[i]);
        }
    }

    [Fact]
    public void Batch_search_equals_single_searches_and_pads_when_rows_are_few()
    {
        const int dim = 16, k = 5;
        var train = TestSets.Random(3, 3, dim);
        var queries = TestSets.Random(4, 7, dim);
        using var index = FlatIndex.Create(Metric.L2, dim);
        index.AddRange(train);
        var ids = new int[7 * k];
        var dist = new float[7 * k];
        index.SearchBatch(queries, k, ids, dist);
        var one = new int[k];
        var oneD = new float[k];
        for (int q = 0; q < 7; q++)
        {
            Assert.Equal(3, index.Search(queries.AsSpan(q * dim, dim), k, one, oneD));
            Assert.Equal(one.AsSpan(0, 3).ToArray(), ids.AsSpan(q * k, 3).ToArray());
            Assert.Equal(-1, ids[q * k + 3]);
            Assert.True(float.IsPositiveInfinity(dist[q * k + 4]));
        }
    }

    [Fact]
    public void Deleted_rows_never_come_back_and_filters_hold()
    {
        const int dim = 8, n = 500;
        var train = TestSets.Random(5, n, dim);
        using var index = FlatIndex.Create(Metric.L2, dim);
        index.AddRange(train);
        for (int i = 0; i < n; i += 2) Assert.True(index.Remove(i));
        Assert.False(index.Remove(0));
        Assert.Equal(n / 2, index.LiveCount);
        var filter = new Bitset(n);
        for (int i = 0; i < n; i += 3) filter.Set(i);
        var ids = new int[50];
        var dist = new float[50];
        int found = index.Search(train.AsSpan(0, dim), 50, ids, dist, filter: filter);
        Assert.Equal(50, found);
        foreach (int id in ids) Assert.True(id % 2 == 1 && id % 3 == 0, $"id {id} is deleted or filtered out");
    }

    [Fact]
    public void Save_and_load_round_trip()
    {
        const int dim = 24;
        var train = TestSets.Random(6, 800, dim);
        using var index = FlatIndex.Create(Metric.Cosine, dim);
        index.AddRange(train);
        index.Remove(17);
        using var ms = new MemoryStream();
        index.Save(ms);
        ms.Position = 0;
        using var loaded = FlatIndex.Load(ms);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.LiveCount, loaded.LiveCount);
        Assert.Equal(Metric.Cosine, loaded.Metric);
        var (a, ad) = (new int[10], new float[10]);
        var (b, bd) = (new int[10], new float[10]);
        for (int q = 0; q < 10; q++)
        {
            index.Search(train.AsSpan(q * dim, dim), 10, a, ad);
            loaded.Search(train.AsSpan(q * dim, dim), 10, b, bd);
            Assert.Equal(a, b);
            Assert.Equal(ad, bd);
        }
    }

    [Fact]
    public void Bad_input_is_a_clear_error()
    {
        using var index = FlatIndex.Create(Metric.L2, 4);
        Assert.Contains("4-d", Assert.Throws<ArgumentException>(() => index.Add(new float[3])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[4], 0, new int[1], new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FlatIndex.Create(Metric.L2, 0));
        Assert.Throws<ArgumentException>(() => FlatIndex.Create(Metric.Hamming, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Remove(0));
    }
}
