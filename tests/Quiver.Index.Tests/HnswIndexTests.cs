using Quiver.Index.Hnsw;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index.Tests;

public class HnswIndexTests
{
    private static readonly Lazy<HnswIndex> Built = new(() =>
    {
        var (train, _, _) = TestSets.Clustered;
        var index = HnswIndex.Create(Metric.L2, 64, new HnswParameters(M: 16, EfConstruction: 200));
        index.AddRange(train);
        return index;
    });

    [Fact]
    public void Recall_at_10_is_at_least_095_on_a_clustered_set()
    {
        var (_, test, truth) = TestSets.Clustered;
        var index = Built.Value;
        Assert.Equal(20_000, index.Count);
        var ids = new int[10];
        var dist = new float[10];
        double recall = 0;
        int nq = test.Length / 64;
        for (int q = 0; q < nq; q++)
        {
            int found = index.Search(test.AsSpan(q * 64, 64), 10, ids, dist, new HnswSearchParameters(64));
            Assert.Equal(10, found);
            for (int i = 1; i < 10; i++) Assert.True(dist[i - 1] <= dist[i]);
            recall += TestSets.Recall(ids, truth.AsSpan(q * 10, 10));
        }
        recall /= nq;
        Assert.True(recall >= 0.95, $"recall@10 = {recall:F4}");
    }

    [Fact]
    public void Save_and_load_give_identical_results()
    {
        var (_, test, _) = TestSets.Clustered;
        var index = Built.Value;
        using var ms = new MemoryStream();
        index.Save(ms);
        ms.Position = 0;
        using var loaded = HnswIndex.Load(ms);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.Parameters, loaded.Parameters);
        var (a, ad, b, bd) = (new int[10], new float[10], new int[10], new float[10]);
        for (int q = 0; q < 50; q++)
        {
            var query = test.AsSpan(q * 64, 64);
            index.Search(query, 10, a, ad, new HnswSearchParameters(40));
            loaded.Search(query, 10, b, bd, new HnswSearchParameters(40));
            Assert.Equal(a, b);
            Assert.Equal(ad, bd);
        }
    }

    [Fact]
    public void A_saved_file_maps_in_place_with_identical_results_and_accepts_adds()
    {
        var (_, test, _) = TestSets.Clustered;
        var index = Built.Value;
        string path = Path.Combine(Path.GetTempPath(), $"quiver-hnsw-{Guid.NewGuid():N}.qvx");
        try
        {
            index.Save(path);
            var (a, ad, b, bd) = (new int[10], new float[10], new int[10], new float[10]);
            using (var mapped = HnswIndex.Map(path))
            {
                Assert.Equal(index.Count, mapped.Count);
                for (int q = 0; q < 50; q++)
                {
                    var query = test.AsSpan(q * 64, 64);
                    index.Search(query, 10, a, ad, new HnswSearchParameters(40));
                    mapped.Search(query, 10, b, bd, new HnswSearchParameters(40));
                    Assert.Equal(a, b);
                    Assert.Equal(ad, bd);
                }
                // Adding moves the vectors out of the read-only mapping first.
                int id = mapped.Add(test.AsSpan(0, 64));
                Assert.Equal(index.Count, id);
                mapped.Search(test.AsSpan(0, 64), 1, b, bd, new HnswSearchParameters(40));
                Assert.Equal(0f, bd[0]);
            }
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 3] ^= 0x10;
            File.WriteAllBytes(path, bytes);
            Assert.Contains("corrupt", Assert.Throws<InvalidDataException>(() => HnswIndex.Map(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Corrupted_or_truncated_files_are_refused_with_a_clear_error()
    {
        using var index = HnswIndex.Create(Metric.L2, 8);
        index.AddRange(TestSets.Random(9, 300, 8));
        using var ms = new MemoryStream();
        index.Save(ms);
        var bytes = ms.ToArray();

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;
        var e = Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(flipped)));
        Assert.Contains("corrupt", e.Message);

        var truncated = bytes.AsSpan(0, bytes.Length - 100).ToArray();
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(truncated))).Message);

        var wrongMagic = (byte[])bytes.Clone();
        wrongMagic[0] ^= 0xFF;
        Assert.Contains("Not a Quiver index", Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(wrongMagic))).Message);

        Assert.Contains("holds a Hnsw index, not Flat", Assert.Throws<InvalidDataException>(() => Flat.FlatIndex.Load(new MemoryStream(bytes))).Message);
    }

    [Fact]
    public void Deleted_ids_never_come_back()
    {
        const int dim = 16, n = 3000;
        var train = TestSets.Random(11, n, dim);
        using var index = HnswIndex.Create(Metric.L2, dim, new HnswParameters(M: 8, EfConstruction: 64));
        index.AddRange(train);
        var removed = new HashSet<int>();
        for (int i = 0; i < n; i += 3) { Assert.True(index.Remove(i)); removed.Add(i); }
        var ids = new int[20];
        var dist = new float[20];
        for (int q = 0; q < 100; q++)
        {
            // Query with deleted rows themselves: their own vectors are the nearest, and must be skipped.
            int found = index.Search(train.AsSpan(q * 3 * dim, dim), 20, ids, dist, new HnswSearchParameters(50));
            Assert.Equal(20, found);
            foreach (int id in ids) Assert.DoesNotContain(id, removed);
        }
        Assert.Equal(n - removed.Count, index.LiveCount);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.2)]
    public void Filtered_results_pass_the_filter_with_recall_of_at_least_09(double selectivity)
    {
        var (train, test, _) = TestSets.Clustered;
        var index = Built.Value;
        var rng = new Random(13);
        var filter = new Bitset(20_000);
        for (int i = 0; i < 20_000; i++) if (rng.NextDouble() < selectivity) filter.Set(i);
        var ids = new int[10];
        var dist = new float[10];
        double recall = 0;
        const int nq = 40;
        for (int q = 0; q < nq; q++)
        {
            var query = test.AsSpan(q * 64, 64);
            int found = index.Search(query, 10, ids, dist, new HnswSearchParameters(100), filter);
            Assert.Equal(10, found);
            foreach (int id in ids) Assert.True(filter.Test(id), $"id {id} does not pass the filter");
            recall += TestSets.Recall(ids, TestSets.BruteForce(train, query, 64, Metric.L2, 10, filter.Test));
        }
        recall /= nq;
        Assert.True(recall >= 0.9, $"filtered recall@10 at selectivity {selectivity} = {recall:F4}");
    }

    [Fact]
    public async Task Searches_during_adds_return_valid_results()
    {
        const int dim = 32, n = 6000;
        var train = TestSets.Random(15, n, dim);
        using var index = HnswIndex.Create(Metric.L2, dim, new HnswParameters(M: 12, EfConstruction: 80), capacity: 500);
        index.AddRange(train.AsSpan(0, 500 * dim));
        using var stop = new CancellationTokenSource();
        int searches = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var started = new ManualResetEventSlim();
        // A dedicated thread, so a busy thread pool (other tests run in parallel) cannot delay it past the adds.
        var searcher = Task.Factory.StartNew(() =>
        {
            var ids = new int[10];
            var dist = new float[10];
            var rng = new Random(16);
            while (!stop.IsCancellationRequested)
            {
                int q = rng.Next(n);
                int found = index.Search(train.AsSpan(q * dim, dim), 10, ids, dist, new HnswSearchParameters(32));
                int count = index.Count;
                for (int i = 0; i < found; i++)
                {
                    if ((uint)ids[i] >= (uint)Math.Max(count, n)) errors.Enqueue($"id {ids[i]} out of range");
                    if (i > 0 && dist[i] < dist[i - 1]) errors.Enqueue("distances out of order");
                }
                Interlocked.Increment(ref searches);
                started.Set();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        started.Wait(TimeSpan.FromSeconds(30));
        for (int i = 500; i < n; i += 250) index.AddRange(train.AsSpan(i * dim, 250 * dim), threads: 1);
        for (int i = 0; i < 200; i++) index.Add(TestSets.Random(100 + i, 1, dim));
        stop.Cancel();
        await searcher;
        Assert.Empty(errors);
        Assert.True(searches > 0);
        Assert.Equal(n + 200, index.Count);
        // Once adds are done, rows added while searches ran are linked: nearly every one is found by its
        // own vector (an approximate index may miss the odd one, so this is a recall floor, not "all").
        var ids2 = new int[1];
        var d2 = new float[1];
        int probes = 0, found = 0;
        for (int q = 0; q < n; q += 97, probes++)
        {
            index.Search(train.AsSpan(q * dim, dim), 1, ids2, d2, new HnswSearchParameters(200));
            if (d2[0] == 0f) found++;
        }
        Assert.True(found >= probes - 2, $"{found} of {probes} rows found themselves");
    }

    [Fact]
    public void Cosine_and_inner_product_find_the_exact_neighbours_on_a_small_set()
    {
        const int dim = 20, n = 1500;
        var train = TestSets.Random(17, n, dim);
        var test = TestSets.Random(18, 30, dim);
        foreach (var metric in new[] { Metric.Cosine, Metric.InnerProduct })
        {
            using var index = HnswIndex.Create(metric, dim, new HnswParameters(M: 16, EfConstruction: 100));
            index.AddRange(train);
            var ids = new int[10];
            var dist = new float[10];
            double recall = 0;
            for (int q = 0; q < 30; q++)
            {
                var query = test.AsSpan(q * dim, dim);
                index.Search(query, 10, ids, dist, new HnswSearchParameters(200));
                recall += TestSets.Recall(ids, TestSets.BruteForce(train, query, dim, metric, 10));
            }
            Assert.True(recall / 30 >= 0.95, $"{metric} recall {recall / 30:F3}");
        }
    }

    [Fact]
    public void Bad_parameters_name_the_parameter_and_the_range()
    {
        Assert.Contains("M = 1", Assert.Throws<ArgumentOutOfRangeException>(() => HnswIndex.Create(Metric.L2, 8, new HnswParameters(M: 1))).Message);
        Assert.Contains("efConstruction = 0", Assert.Throws<ArgumentOutOfRangeException>(() => HnswIndex.Create(Metric.L2, 8, new HnswParameters(EfConstruction: 0))).Message);
        using var index = HnswIndex.Create(Metric.L2, 8);
        index.Add(new float[8]);
        Assert.Contains("ef = 0", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[8], 1, new int[1], new float[1], new HnswSearchParameters(0))).Message);
        Assert.Contains("Unknown HNSW build parameter", Assert.Throws<ArgumentException>(() => HnswParameters.Parse("M=16,efc=3")).Message);
        Assert.Equal(new HnswParameters(32, 100), HnswParameters.Parse("M=32, efConstruction=100"));
    }
}

public class SearchAllocationTests
{
    /// <summary>A search allocates nothing once the index's scratch pool is warm (ARCHITECTURE §3).</summary>
    [Fact]
    public void Hnsw_and_flat_searches_allocate_nothing()
    {
        const int dim = 48, n = 4000;
        var train = TestSets.Random(21, n, dim);
        using var hnsw = HnswIndex.Create(Metric.L2, dim, new HnswParameters(M: 12, EfConstruction: 64));
        hnsw.AddRange(train);
        using var flat = Flat.FlatIndex.Create(Metric.Cosine, dim);
        flat.AddRange(train);
        var filter = new Bitset(n);
        for (int i = 0; i < n; i += 2) filter.Set(i);
        var sparse = new Bitset(n);
        for (int i = 0; i < n; i += 100) sparse.Set(i);
        var ids = new int[10];
        var dist = new float[10];
        var p = new HnswSearchParameters(80);

        void Run()
        {
            for (int q = 0; q < 50; q++)
            {
                var query = train.AsSpan(q * dim, dim);
                hnsw.Search(query, 10, ids, dist, p);
                hnsw.Search(query, 10, ids, dist, p, filter);
                hnsw.Search(query, 10, ids, dist, p, sparse);
                flat.Search(query, 10, ids, dist, filter: filter);
            }
        }

        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
