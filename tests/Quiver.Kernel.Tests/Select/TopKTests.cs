using Quiver.Kernel.Select;

namespace Quiver.Kernel.Tests.Select;

public class TopKTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (int n in new[] { 0, 1, 7, 100, 1000, 20000 })
        foreach (int k in new[] { 1, 5, 10, 127, 128, 1000, 16384 })
            yield return [n, k];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Select_equals_full_sort_with_ties_by_smaller_id(int n, int k)
    {
        var rng = new Random(n * 31 + k);
        // Few distinct distances, so ties are everywhere; ids shuffled so id order is not input order.
        var dist = Enumerable.Range(0, n).Select(_ => (float)rng.Next(0, Math.Max(1, n / 10))).ToArray();
        var ids = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        var want = Enumerable.Range(0, n).Select(i => (D: dist[i], Id: ids[i])).OrderBy(t => t.D).ThenBy(t => t.Id).Take(k).ToArray();

        var outD = new float[Math.Min(n, k)];
        var outI = new int[Math.Min(n, k)];
        int got = TopK.Select(dist, ids, k, new ulong[Math.Max(n, 1)], outD, outI);
        Assert.Equal(want.Length, got);
        Assert.Equal(want.Select(t => t.D), outD);
        Assert.Equal(want.Select(t => t.Id), outI);

        if (k <= n)
        {
            var heap = new TopKHeap(new ulong[k], k);
            for (int i = 0; i < n; i++) heap.Push(dist[i], ids[i]);
            Assert.True(heap.IsFull);
            Assert.Equal(want[^1].D, heap.WorstDistance);
            var hd = new float[k];
            var hi = new int[k];
            Assert.Equal(k, heap.Drain(hd, hi));
            Assert.Equal(want.Select(t => t.D), hd);
            Assert.Equal(want.Select(t => t.Id), hi);
            Assert.Equal(0, heap.Count);
        }
    }

    [Fact]
    public void Keys_order_negative_zero_infinity_and_nan()
    {
        float[] values = [float.NegativeInfinity, -3.5f, -1e-30f, -0f, 0f, 1e-30f, 2f, float.MaxValue, float.PositiveInfinity, float.NaN];
        for (int i = 0; i + 1 < values.Length; i++)
            Assert.True(TopK.Key(values[i], 7) <= TopK.Key(values[i + 1], 7), $"{values[i]} vs {values[i + 1]}");
        Assert.Equal(TopK.Key(-0f, 1), TopK.Key(0f, 1));
        Assert.True(TopK.Key(1f, 2) < TopK.Key(1f, 3));
        foreach (float v in values.Where(v => !float.IsNaN(v) && v != 0))
        {
            Assert.Equal(v, TopK.DistanceOf(TopK.Key(v, 5)));
            Assert.Equal(5, TopK.IdOf(TopK.Key(v, 5)));
        }
        Assert.True(float.IsNaN(TopK.DistanceOf(TopK.Key(float.NaN, 0))));
    }

    [Fact]
    public void Heap_reports_worst_distance_and_rejects_worse_candidates()
    {
        var heap = new TopKHeap(new ulong[3], 3);
        Assert.Equal(float.PositiveInfinity, heap.WorstDistance);
        Assert.True(heap.Push(5, 0));
        Assert.True(heap.Push(3, 1));
        Assert.True(heap.Push(4, 2));
        Assert.Equal(5f, heap.WorstDistance);
        Assert.False(heap.Push(6, 3));
        Assert.False(heap.Push(5, 9));   // a tie with a larger id than the kept (5, 0) loses
        Assert.True(heap.Push(4, 1));    // evicts (5, 0)
        Assert.Equal(4f, heap.WorstDistance);
        var d = new float[3];
        var i = new int[3];
        heap.Drain(d, i);
        Assert.Equal([3f, 4f, 4f], d);
        Assert.Equal([1, 1, 2], i);
    }

    [Fact]
    public void Bad_arguments_are_clear_errors()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Select(new float[3], new int[3], 0, new ulong[3], new float[3], new int[3]));
        Assert.Contains("k", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKHeap(new ulong[3], 0));
        Assert.Throws<ArgumentException>(() => new TopKHeap(new ulong[2], 3));
        Assert.Throws<ArgumentException>(() => TopK.Select(new float[3], new int[2], 1, new ulong[3], new float[3], new int[3]));
        Assert.Throws<ArgumentException>(() => TopK.Select(new float[300], new int[300], 200, new ulong[10], new float[200], new int[200]));
        Assert.Throws<ArgumentException>(() => TopK.Select(new float[300], new int[300], 200, new ulong[300], new float[10], new int[200]));
    }
}
