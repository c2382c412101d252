using Quiver.Index.Flat;
using Quiver.Index.Ivf;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index.Tests;

public class IvfIndexTests
{
    private static readonly Lazy<IvfIndex> Built = new(() =>
    {
        var (train, _, _) = TestSets.Clustered;
        var index = IvfIndex.Create(IndexKind.IvfFlat, Metric.L2, 64, new IvfParameters(Nlist: 256, Seed: 3));
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
        using var ivf = IvfIndex.Create(IndexKind.IvfFlat, metric, dim, new IvfParameters(Nlist: 32));
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

    public static IEnumerable<object[]> Kinds() =>
    [
        [IndexKind.IvfFlat, new IvfParameters(Nlist: 20), 1],
        [IndexKind.IvfSq8, new IvfParameters(Nlist: 20), 1],
        [IndexKind.IvfSq8, new IvfParameters(Nlist: 20, ByResidual: false, Refine: true), 4],
        [IndexKind.IvfPq, new IvfParameters(Nlist: 20, M: 8, Nbits: 8, Refine: true), 64],
        [IndexKind.IvfPq, new IvfParameters(Nlist: 20, M: 4, Nbits: 4, ByResidual: false, Refine: true), 256],
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Filters_deletes_incremental_adds_and_save_load(IndexKind kind, IvfParameters parameters, int refineK)
    {
        const int dim = 16, n = 3000;
        var train = TestSets.Random(33, n, dim);
        using var index = IvfIndex.Create(kind, Metric.L2, dim, parameters);
        index.AddRange(train.AsSpan(0, 2000 * dim));
        for (int i = 2000; i < n; i++) Assert.Equal(i, index.Add(train.AsSpan(i * dim, dim)));
        for (int i = 0; i < n; i += 4) index.Remove(i);
        var filter = new Bitset(n);
        for (int i = 0; i < n; i += 3) filter.Set(i);
        var ids = new int[20];
        var dist = new float[20];
        var p = new IvfSearchParameters(20, refineK);
        int found = index.Search(train.AsSpan(0, dim), 20, ids, dist, p, filter);
        Assert.Equal(20, found);
        foreach (int id in ids) Assert.True(id % 4 != 0 && id % 3 == 0, $"id {id} is deleted or filtered out");
        // With nprobe = nlist (and an exact rerank for the lossy codes) every live row finds itself.
        for (int q = 1; q < n; q += 97)
        {
            if (q % 4 == 0) continue;
            index.Search(train.AsSpan(q * dim, dim), 1, ids, dist, p);
            Assert.Equal(q, ids[0]);
        }

        using var ms = new MemoryStream();
        index.Save(ms);
        ms.Position = 0;
        using var loaded = IvfIndex.Load(ms);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.LiveCount, loaded.LiveCount);
        var (a, ad) = (new int[10], new float[10]);
        var (b, bd) = (new int[10], new float[10]);
        for (int q = 0; q < 30; q++)
        {
            index.Search(train.AsSpan(q * dim, dim), 10, a, ad, new IvfSearchParameters(4, refineK));
            loaded.Search(train.AsSpan(q * dim, dim), 10, b, bd, new IvfSearchParameters(4, refineK));
            Assert.Equal(a, b);
            Assert.Equal(ad, bd);
        }
        var bytes = ms.ToArray();
        bytes[bytes.Length / 2] ^= 0x20;
        Assert.Contains("corrupt", Assert.Throws<InvalidDataException>(() => IvfIndex.Load(new MemoryStream(bytes))).Message);
    }

    [Fact]
    public void Bad_parameters_and_untrained_use_are_clear_errors()
    {
        Assert.Contains("nlist = 0", Assert.Throws<ArgumentOutOfRangeException>(() => IvfIndex.Create(IndexKind.IvfFlat, Metric.L2, 8, new IvfParameters(Nlist: 0))).Message);
        Assert.Contains("nlist = 70000", Assert.Throws<ArgumentOutOfRangeException>(() => IvfParameters.Parse("nlist=70000")).Message);
        using var index = IvfIndex.Create(IndexKind.IvfFlat, Metric.L2, 8, new IvfParameters(Nlist: 4));
        Assert.Contains("not trained", Assert.Throws<InvalidOperationException>(() => index.Add(new float[8])).Message);
        Assert.Contains("at least nlist = 4", Assert.Throws<ArgumentException>(() => index.AddRange(new float[8 * 3])).Message);
        index.AddRange(TestSets.Random(34, 100, 8));
        Assert.Contains("nprobe = 5", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[8], 1, new int[1], new float[1], new IvfSearchParameters(5))).Message);
        Assert.Contains("refine_k = 2 needs an index built with refine", Assert.Throws<ArgumentException>(() => index.Search(new float[8], 1, new int[1], new float[1], new IvfSearchParameters(2, 2))).Message);
        Assert.Contains("refine_k = 0", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[8], 1, new int[1], new float[1], new IvfSearchParameters(2, 0))).Message);
        Assert.Contains("IVF_PQ needs m", Assert.Throws<ArgumentException>(() => IvfIndex.Create(IndexKind.IvfPq, Metric.L2, 8, new IvfParameters(Nlist: 4))).Message);
        Assert.Contains("m = 3 must divide dim = 8", Assert.Throws<ArgumentOutOfRangeException>(() => IvfIndex.Create(IndexKind.IvfPq, Metric.L2, 8, new IvfParameters(Nlist: 4, M: 3))).Message);
        Assert.Contains("nbits = 17", Assert.Throws<ArgumentOutOfRangeException>(() => IvfParameters.Parse("nlist=4,m=2,nbits=17").Validate(IndexKind.IvfPq, 8)).Message);
        Assert.Contains("refine applies to IVF_SQ8 and IVF_PQ", Assert.Throws<ArgumentException>(() => IvfIndex.Create(IndexKind.IvfFlat, Metric.L2, 8, new IvfParameters(Refine: true))).Message);
        Assert.Contains("not a boolean", Assert.Throws<ArgumentException>(() => IvfParameters.Parse("refine=maybe")).Message);
        Assert.Contains("not an IVF index", Assert.Throws<ArgumentException>(() => IvfIndex.Create(IndexKind.Hnsw, Metric.L2, 8)).Message);
        using var pq = IvfIndex.Create(IndexKind.IvfPq, Metric.L2, 8, new IvfParameters(Nlist: 4, M: 2, Nbits: 8));
        Assert.Contains("at least 2^nbits = 256", Assert.Throws<ArgumentException>(() => pq.AddRange(TestSets.Random(35, 100, 8))).Message);
        Assert.Equal(0, pq.Count);
    }

    [Theory]
    [InlineData(IndexKind.IvfSq8, Metric.L2, false)]
    [InlineData(IndexKind.IvfSq8, Metric.InnerProduct, false)]
    [InlineData(IndexKind.IvfSq8, Metric.Cosine, false)]
    [InlineData(IndexKind.IvfSq8, Metric.L2, true)]
    [InlineData(IndexKind.IvfPq, Metric.L2, true)]
    [InlineData(IndexKind.IvfPq, Metric.InnerProduct, true)]
    [InlineData(IndexKind.IvfPq, Metric.Cosine, true)]
    public void Quantized_lists_keep_recall_on_the_clustered_set(IndexKind kind, Metric metric, bool refine)
    {
        // IVF_SQ8 ≥ 0.9 as it is; IVF_PQ (m = 16 of 4 dims, 8 bits) ≥ 0.9 after an exact rerank.
        var (train, test, truth) = TestSets.Clustered;
        const int dim = 64, nq = 100;
        using var index = IvfIndex.Create(kind, metric, dim, new IvfParameters(Nlist: 256, Seed: 3, M: kind == IndexKind.IvfPq ? 16 : 0, Refine: refine));
        index.AddRange(train);
        var ids = new int[10];
        var dist = new float[10];
        // Normalizing this set pulls each cluster's points close together relative to the PQ error, so
        // COSINE needs a wider rerank (measured: k × 8 gives 0.73, k × 32 gives 0.98; L2 and IP ≥ 0.999 at k × 8).
        var p = new IvfSearchParameters(16, !refine ? 1 : metric == Metric.Cosine ? 32 : 8);
        double recall = 0;
        for (int q = 0; q < nq; q++)
        {
            var query = test.AsSpan(q * dim, dim);
            Assert.Equal(10, index.Search(query, 10, ids, dist, p));
            var want = metric == Metric.L2 ? truth.AsSpan(q * 10, 10) : TestSets.BruteForce(train, query, dim, metric, 10);
            recall += TestSets.Recall(ids, want);
            for (int i = 1; i < 10; i++) Assert.True(dist[i - 1] <= dist[i]);
        }
        Assert.True(recall / nq >= 0.9, $"{kind} {metric} refine={refine}: recall@10 = {recall / nq:F4}");
        if (kind == IndexKind.IvfPq) Assert.True(index.CodeBytes * 4 < (long)train.Length * sizeof(float), $"codes + codebooks {index.CodeBytes} B");
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

        var (train, _, _) = TestSets.Clustered;
        foreach (var (kind, parameters) in new[] { (IndexKind.IvfSq8, new IvfParameters(Nlist: 64)), (IndexKind.IvfPq, new IvfParameters(Nlist: 64, M: 8, Refine: true)) })
        {
            using var quantized = IvfIndex.Create(kind, Metric.L2, 64, parameters);
            quantized.AddRange(train.AsSpan(0, 4000 * 64));
            var qp = new IvfSearchParameters(8, parameters.Refine ? 4 : 1);
            for (int q = 0; q < 20; q++) quantized.Search(test.AsSpan(q * 64, 64), 10, ids, dist, qp);
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int q = 0; q < 50; q++) quantized.Search(test.AsSpan(q * 64, 64), 10, ids, dist, qp);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
