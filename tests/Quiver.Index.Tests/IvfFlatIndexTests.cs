using Quiver.Index.Flat;
using Quiver.Index.Ivf;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index.Tests;

public class IvfFlatIndexTests
{
    private static readonly Lazy<IvfFlatIndex> Built = new(() =>
    {
        var (train, _, _) = TestSets.Clustered;
        var index = IvfFlatIndex.Create(Metric.L2, 64, new IvfParameters(Nlist: 256, Seed: 3));
        index.AddRange(train);
        return index;
    });

    [Fact]
    public void Recall_at_10_with_nprobe_16_of_256_lists_is_at_least_095()
    {
        var (_, test, truth) = TestSets.Clustered;
        var index = Built.Value;
        Assert.True(index.IsTrained);
        Assert.Equal(20_000, index.Count);
        var ids = new int[10];
        var dist = new float[10];
        double recall = 0;
        int nq = test.Length / 64;
        for (int q = 0; q < nq; q++)
        {
            Assert.Equal(10, index.Search(test.AsSpan(q * 64, 64), 10, ids, dist, new IvfSearchParameters(16)));
            recall += TestSets.Recall(ids, truth.AsSpan(q * 10, 10));
        }
        Assert.True(recall / nq >= 0.95, $"recall@10 = {recall / nq:F4}");
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.Cosine)]
    public void Probing_every_list_equals_flat(Metric metric)
    {
        const int dim = 24, n = 2000;
        var train = TestSets.Random(31, n, dim);
        var queries = TestSets.Random(32, 25, dim);
        using var ivf = IvfFlatIndex.Create(metric, dim, new IvfParameters(Nlist: 32));
        ivf.AddRange(train);
        using var flat = FlatIndex.Create(metric, dim);
        flat.AddRange(train);
        var (a, ad, b, bd) = (new int[10], new float[10], new int[10], new float[10]);
        for (int q = 0; q < 25; q++)
        {
            var query = queries.AsSpan(q * dim, dim);
            ivf.Search(query, 10, a, ad, new IvfSearchParameters(32));
            flat.Search(query, 10, b, bd);
            Assert.Equal(b, a);
            for (int i = 0; i < 10; i++) Assert.Equal(bd[i], ad[i], Math.Abs(bd[i]) * 1e-5 + 1e-5);
        }
    }

    [Fact]
    public void Filters_deletes_incremental_adds_and_save_load()
    {
        const int dim = 16, n = 3000;
        var train = TestSets.Random(33, n, dim);
        using var index = IvfFlatIndex.Create(Metric.L2, dim, new IvfParameters(Nlist: 20));
        index.AddRange(train.AsSpan(0, 2000 * dim));
        for (int i = 2000; i < n; i++) Assert.Equal(i, index.Add(train.AsSpan(i * dim, dim)));
        for (int i = 0; i < n; i += 4) index.Remove(i);
        var filter = new Bitset(n);
        for (int i = 0; i < n; i += 3) filter.Set(i);
        var ids = new int[20];
        var dist = new float[20];
        var p = new IvfSearchParameters(20);
        int found = index.Search(train.AsSpan(0, dim), 20, ids, dist, p, filter);
        Assert.Equal(20, found);
        foreach (int id in ids) Assert.True(id % 4 != 0 && id % 3 == 0, $"id {id} is deleted or filtered out");
        // Exact with nprobe = nlist, so every live row finds itself.
        for (int q = 1; q < n; q += 97)
        {
            if (q % 4 == 0) continue;
            index.Search(train.AsSpan(q * dim, dim), 1, ids, dist, p);
            Assert.Equal(q, ids[0]);
        }

        using var ms = new MemoryStream();
        index.Save(ms);
        ms.Position = 0;
        using var loaded = IvfFlatIndex.Load(ms);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.LiveCount, loaded.LiveCount);
        var (a, ad) = (new int[10], new float[10]);
        var (b, bd) = (new int[10], new float[10]);
        for (int q = 0; q < 30; q++)
        {
            index.Search(train.AsSpan(q * dim, dim), 10, a, ad, new IvfSearchParameters(4));
            loaded.Search(train.AsSpan(q * dim, dim), 10, b, bd, new IvfSearchParameters(4));
            Assert.Equal(a, b);
            Assert.Equal(ad, bd);
        }
        var bytes = ms.ToArray();
        bytes[bytes.Length / 2] ^= 0x20;
        Assert.Contains("corrupt", Assert.Throws<InvalidDataException>(() => IvfFlatIndex.Load(new MemoryStream(bytes))).Message);
    }

    [Fact]
    public void Bad_parameters_and_untrained_use_are_clear_errors()
    {
        Assert.Contains("nlist = 0", Assert.Throws<ArgumentOutOfRangeException>(() => IvfFlatIndex.Create(Metric.L2, 8, new IvfParameters(Nlist: 0))).Message);
        Assert.Contains("nlist = 70000", Assert.Throws<ArgumentOutOfRangeException>(() => IvfParameters.Parse("nlist=70000")).Message);
        using var index = IvfFlatIndex.Create(Metric.L2, 8, new IvfParameters(Nlist: 4));
        Assert.Contains("not trained", Assert.Throws<InvalidOperationException>(() => index.Add(new float[8])).Message);
        Assert.Contains("at least nlist = 4", Assert.Throws<ArgumentException>(() => index.AddRange(new float[8 * 3])).Message);
        index.AddRange(TestSets.Random(34, 100, 8));
        Assert.Contains("nprobe = 5", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[8], 1, new int[1], new float[1], new IvfSearchParameters(5))).Message);
    }

    [Fact]
    public void Searches_allocate_nothing()
    {
        var (_, test, _) = TestSets.Clustered;
        var index = Built.Value;
        var ids = new int[10];
        var dist = new float[10];
        var p = new IvfSearchParameters(8);
        for (int q = 0; q < 20; q++) index.Search(test.AsSpan(q * 64, 64), 10, ids, dist, p);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int q = 0; q < 50; q++) index.Search(test.AsSpan(q * 64, 64), 10, ids, dist, p);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
