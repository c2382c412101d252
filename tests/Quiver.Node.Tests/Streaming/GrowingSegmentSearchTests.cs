using Quiver.Index.Flat;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Numerics;
using Quiver.Node.Streaming;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Streaming;

public class GrowingSegmentSearchTests
{
    private const double Tolerance = 1e-4;

    /// <summary>A segment over several batches of uneven sizes (one of a single row), all at ts 100, and its reference.</summary>
    private static (GrowingSegment Segment, ReferenceRows Reference, float[] All) FloatSegment(int dim, int seed, params int[] batchSizes)
    {
        var rng = new Random(seed);
        var schema = GrowingData.FloatSchema(dim);
        var segment = new GrowingSegment(1, 2, schema);
        var reference = new ReferenceRows();
        var all = new List<float>();
        long next = 0;
        foreach (int n in batchSizes)
        {
            var ids = GrowingData.Range(next, n);
            var v = GrowingData.Vectors(rng, n, dim);
            Assert.Equal(next, segment.Append(GrowingData.FloatBatch(schema, ids, v, 100)));
            reference.Append(ids.Cast<object>(), v, dim, 100);
            all.AddRange(v);
            next += n;
        }
        return (segment, reference, all.ToArray());
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.Cosine)]
    public void FloatSearchEqualsTheExactReferenceAndTheFlatIndex(Metric metric)
    {
        const int dim = 37, k = 10, nq = 6;
        var (segment, reference, all) = FloatSegment(dim, 7, 700, 1, 1300, 999);
        Assert.Equal(3000, segment.RowCount);
        var queries = GrowingData.Vectors(new Random(99), nq, dim);

        var rows = new int[nq * k];
        var distances = new float[nq * k];
        var found = new int[nq];
        Assert.Equal(nq * k, segment.Search("vec", metric, queries, k, 100, null, rows, distances, found));

        using var flat = FlatIndex.Create(metric, dim);
        flat.AddRange(all, threads: 1);
        var flatIds = new int[k];
        var flatD = new float[k];
        for (int q = 0; q < nq; q++)
        {
            var query = queries.AsSpan(q * dim, dim);
            Assert.Equal(k, found[q]);
            GrowingData.AssertMatches(reference.TopK(metric, query, k, 100), rows.AsSpan(q * k, k), distances.AsSpan(q * k, k), found[q], Tolerance);

            // FLAT reports distances (smaller is closer): −IP and 1 − cos. Turned back, they are the same results.
            Assert.Equal(k, flat.Search(query, k, flatIds, flatD));
            var fromFlat = flatIds.Select((id, i) => (id, metric switch
            {
                Metric.L2 => (double)flatD[i],
                Metric.InnerProduct => -(double)flatD[i],
                _ => 1 - (double)flatD[i],
            })).ToArray();
            GrowingData.AssertMatches(fromFlat, rows.AsSpan(q * k, k), distances.AsSpan(q * k, k), found[q], Tolerance);
        }
    }

    [Fact]
    public void FewerVisibleRowsThanKArePaddedWithMinusOneAndTheWorstValue()
    {
        var (segment, reference, _) = FloatSegment(8, 3, 5);
        var q = GrowingData.Vectors(new Random(1), 1, 8);
        var rows = new int[12];
        var d = new float[12];
        Assert.Equal(5, segment.Search("vec", Metric.L2, q, 12, 100, null, rows, d));
        GrowingData.AssertMatches(reference.TopK(Metric.L2, q, 12, 100), rows, d, 5, Tolerance);
        Assert.All(d[5..], x => Assert.Equal(float.PositiveInfinity, x));
        Assert.Equal(5, segment.Search("vec", Metric.InnerProduct, q, 12, 100, null, rows, d));
        Assert.All(d[5..], x => Assert.Equal(float.NegativeInfinity, x));
        Assert.Equal(0, segment.Search("vec", Metric.L2, q, 3, 99, null, rows, d));
        Assert.All(rows[..3], r => Assert.Equal(-1, r));
    }

    [Fact]
    public void AFilterKeepsOnlyItsRowsAndRowsPastItsLengthAreOut()
    {
        const int dim = 16, k = 20;
        var (segment, reference, _) = FloatSegment(dim, 11, 300, 300);
        var filter = new Bitset(500); // rows 500..599 were "appended after the filter was built"
        for (int r = 0; r < 500; r += 3) filter.Set(r);
        var q = GrowingData.Vectors(new Random(5), 1, dim);
        var rows = new int[k];
        var d = new float[k];
        int found = segment.Search("vec", Metric.L2, q, k, 100, filter, rows, d);
        GrowingData.AssertMatches(reference.TopK(Metric.L2, q, k, 100, r => r < 500 && r % 3 == 0), rows, d, found, Tolerance);
        Assert.All(rows, r => Assert.True(r % 3 == 0 && r < 500));

        var none = new Bitset(600);
        Assert.Equal(0, segment.Search("vec", Metric.L2, q, k, 100, none, rows, d));
    }

    [Theory]
    [InlineData(128, Metric.Hamming)]
    [InlineData(128, Metric.Jaccard)]
    [InlineData(72, Metric.Hamming)] // 9 bytes a row: the padded-word path
    [InlineData(72, Metric.Jaccard)]
    [InlineData(8, Metric.Hamming)]
    public void BinarySearchEqualsABitByBitReference(int dim, Metric metric)
    {
        const int n = 1500, k = 7, nq = 3;
        int per = dim / 8;
        var schema = new SegmentSchema([new SegmentField("pk", FieldType.Int64, IsPrimaryKey: true), new SegmentField("bits", FieldType.BinaryVector, dim)]);
        var segment = new GrowingSegment(5, 0, schema);
        var rng = new Random(dim);
        var data = new byte[n * per];
        rng.NextBytes(data);
        for (int start = 0; start < n; start += 500)
        {
            segment.Append(new SegmentBatchBuilder(schema, 500).Timestamps(Enumerable.Repeat(10UL, 500).ToArray())
                .Column("pk", GrowingData.Range(start, 500)).Column("bits", data.AsSpan(start * per, 500 * per).ToArray()).Build());
        }
        var queries = new byte[nq * per];
        rng.NextBytes(queries);
        var rows = new int[nq * k];
        var d = new float[nq * k];
        Assert.Equal(nq * k, segment.Search("bits", metric, queries, k, 10, null, rows, d));
        for (int q = 0; q < nq; q++)
        {
            var query = queries.AsSpan(q * per, per);
            var candidates = new List<(int, double)>();
            for (int r = 0; r < n; r++)
            {
                var row = data.AsSpan(r * per, per);
                int and = 0, or = 0, xor = 0;
                for (int b = 0; b < per; b++)
                {
                    and += System.Numerics.BitOperations.PopCount((uint)(query[b] & row[b]));
                    or += System.Numerics.BitOperations.PopCount((uint)(query[b] | row[b]));
                    xor += System.Numerics.BitOperations.PopCount((uint)(query[b] ^ row[b]));
                }
                candidates.Add((r, metric == Metric.Hamming ? xor : or == 0 ? 0 : 1 - (double)and / or));
            }
            var expected = GrowingData.TopK(metric, candidates, k);
            if (metric == Metric.Hamming)
            {
                // Integer distances: ties are exact, so rows must match exactly (ties to the smaller row).
                Assert.Equal(expected.Select(e => e.Row), rows.AsSpan(q * k, k).ToArray());
                Assert.Equal(expected.Select(e => (float)e.Value), d.AsSpan(q * k, k).ToArray());
            }
            else GrowingData.AssertMatches(expected, rows.AsSpan(q * k, k), d.AsSpan(q * k, k), k, 1e-6);
        }
    }

    [Theory]
    [InlineData(FieldType.Float16Vector, Metric.L2)]
    [InlineData(FieldType.Float16Vector, Metric.InnerProduct)]
    [InlineData(FieldType.Float16Vector, Metric.Cosine)]
    [InlineData(FieldType.BFloat16Vector, Metric.L2)]
    [InlineData(FieldType.BFloat16Vector, Metric.Cosine)]
    [InlineData(FieldType.Int8Vector, Metric.L2)]
    [InlineData(FieldType.Int8Vector, Metric.InnerProduct)]
    [InlineData(FieldType.Int8Vector, Metric.Cosine)]
    public void PackedVectorSearchEqualsTheReferenceOverTheStoredValues(FieldType type, Metric metric)
    {
        const int dim = 24, n = 800, k = 8;
        var schema = new SegmentSchema([new SegmentField("id", FieldType.Int64, IsPrimaryKey: true), new SegmentField("v", type, dim)]);
        var segment = new GrowingSegment(1, 1, schema);
        var rng = new Random((int)type + (int)metric);
        // Values as the field stores them, and their exact float images for the reference.
        var values = GrowingData.Vectors(rng, n + 1, dim);
        byte[] packed = Pack(type, values);
        var exact = Unpack(type, packed, values.Length);
        int per = type.VectorBytes(dim);
        segment.Append(new SegmentBatchBuilder(schema, n).Timestamps(Enumerable.Repeat(1UL, n).ToArray())
            .Column("id", GrowingData.Range(0, n)).Column("v", packed.AsSpan(0, n * per).ToArray()).Build());
        var query = exact.AsSpan(n * dim, dim).ToArray();
        var candidates = Enumerable.Range(0, n).Select(r => (r, GrowingData.Reference(metric, query, exact.AsSpan(r * dim, dim)))).ToList();
        var expected = GrowingData.TopK(metric, candidates, k);

        var rows = new int[k];
        var d = new float[k];
        Assert.Equal(k, segment.Search("v", metric, packed.AsSpan(n * per, per), k, 1, null, rows, d));
        GrowingData.AssertMatches(expected, rows, d, k, 1e-3);
        if (type != FieldType.Int8Vector)
        {
            // Float queries are rounded to the field's type first, so they give the same answer.
            Assert.Equal(k, segment.Search("v", metric, query, k, 1, null, rows, d));
            GrowingData.AssertMatches(expected, rows, d, k, 1e-3);
        }
    }

    private static byte[] Pack(FieldType type, float[] values) => type switch
    {
        FieldType.Float16Vector => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
        FieldType.BFloat16Vector => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.Select(v => (BFloat16)v).ToArray().AsSpan()).ToArray(),
        _ => values.Select(v => (byte)(sbyte)Math.Round(v * 127)).ToArray(),
    };

    private static float[] Unpack(FieldType type, byte[] packed, int count) => type switch
    {
        FieldType.Float16Vector => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(packed).ToArray().Select(h => (float)h).ToArray(),
        FieldType.BFloat16Vector => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, BFloat16>(packed).ToArray().Select(b => (float)b).ToArray(),
        _ => packed.Take(count).Select(b => (float)(sbyte)b).ToArray(),
    };

    [Fact]
    public void ASearchAllocatesNothingOnceWarm()
    {
        const int dim = 32, k = 10;
        var (segment, _, _) = FloatSegment(dim, 2, 1000, 1000);
        var q = GrowingData.Vectors(new Random(3), 2, dim);
        var rows = new int[2 * k];
        var d = new float[2 * k];
        var found = new int[2];
        foreach (var metric in new[] { Metric.L2, Metric.InnerProduct, Metric.Cosine })
        {
            for (int i = 0; i < 50; i++) segment.Search("vec", metric, q, k, 100, null, rows, d, found);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) segment.Search("vec", metric, q, k, 100, null, rows, d, found);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
