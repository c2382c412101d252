using Apache.Arrow;
using Quiver.Kernel.Distance;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Streaming;

/// <summary>Seeded rows for growing-segment tests and the double-precision reference they are checked against.</summary>
internal static class GrowingData
{
    public static SegmentSchema FloatSchema(int dim) => new([
        new SegmentField("id", FieldType.Int64, IsPrimaryKey: true),
        new SegmentField("vec", FieldType.FloatVector, dim),
        new SegmentField("tag", FieldType.Int32),
    ]);

    public static float[] Vectors(Random rng, int rows, int dim)
    {
        var v = new float[rows * dim];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>A batch of the float schema: ids, vectors, tag = id % 7, every row at <paramref name="ts"/>.</summary>
    public static RecordBatch FloatBatch(SegmentSchema schema, long[] ids, float[] vectors, ulong ts) =>
        new SegmentBatchBuilder(schema, ids.Length)
            .Timestamps(Enumerable.Repeat(ts, ids.Length).ToArray())
            .Column("id", ids)
            .Column("vec", vectors)
            .Column("tag", ids.Select(i => (int)(i % 7)).ToArray())
            .Build();

    public static long[] Range(long start, int count) => Enumerable.Range(0, count).Select(i => start + i).ToArray();

    /// <summary>The Milvus-reported value for one pair: squared L2, inner product, or cosine similarity.</summary>
    public static double Reference(Metric metric, ReadOnlySpan<float> q, ReadOnlySpan<float> r)
    {
        double l2 = 0, dot = 0, qq = 0, rr = 0;
        for (int i = 0; i < q.Length; i++)
        {
            double d = (double)q[i] - r[i];
            l2 += d * d;
            dot += (double)q[i] * r[i];
            qq += (double)q[i] * q[i];
            rr += (double)r[i] * r[i];
        }
        return metric switch
        {
            Metric.L2 => l2,
            Metric.InnerProduct => dot,
            _ => qq == 0 || rr == 0 ? 0 : dot / (Math.Sqrt(qq) * Math.Sqrt(rr)),
        };
    }

    public static bool LargerIsBetter(Metric metric) => metric is Metric.InnerProduct or Metric.Cosine;

    /// <summary>Exact top-k by the reference: (row, value) best first, ties to the smaller row.</summary>
    public static (int Row, double Value)[] TopK(Metric metric, IEnumerable<(int Row, double Value)> candidates, int k) =>
        (LargerIsBetter(metric) ? candidates.OrderByDescending(c => c.Value) : candidates.OrderBy(c => c.Value))
            .ThenBy(c => c.Row).Take(k).ToArray();

    /// <summary>
    /// Checks one query's results against the reference: same count, every distance within tolerance of the
    /// reference at that position, and the same rows except where the reference itself has a near-tie.
    /// </summary>
    public static void AssertMatches((int Row, double Value)[] expected, ReadOnlySpan<int> rows, ReadOnlySpan<float> distances, int found, double tolerance)
    {
        Assert.Equal(expected.Length, found);
        for (int i = 0; i < found; i++)
        {
            double tol = tolerance * (1 + Math.Abs(expected[i].Value));
            Assert.True(Math.Abs(expected[i].Value - distances[i]) <= tol, $"position {i}: reference {expected[i].Value}, got {distances[i]} (row {rows[i]} vs {expected[i].Row})");
            if (rows[i] != expected[i].Row)
            {
                bool tied = (i > 0 && Math.Abs(expected[i - 1].Value - expected[i].Value) <= 2 * tol)
                    || (i + 1 < expected.Length && Math.Abs(expected[i + 1].Value - expected[i].Value) <= 2 * tol);
                Assert.True(tied, $"position {i}: row {rows[i]}, reference row {expected[i].Row} at {expected[i].Value} with no near-tie");
            }
        }
        for (int i = found; i < rows.Length; i++) Assert.Equal(-1, rows[i]);
    }

}

/// <summary>
/// The oracle for visibility: the rows a growing segment should hold, kept by the test with the rule written
/// out plainly (visible at T iff insert ≤ T and no delete ≤ T; a delete at ts hits rows of the key inserted before ts).
/// </summary>
internal sealed class ReferenceRows
{
    public readonly List<(object Key, float[] Vector, ulong InsertTs)> Rows = [];
    public readonly List<ulong> DeleteTs = [];

    public void Append(IEnumerable<object> keys, float[] vectors, int dim, ulong ts)
    {
        int i = 0;
        foreach (var key in keys)
        {
            Rows.Add((key, vectors.AsSpan(i * dim, dim).ToArray(), ts));
            DeleteTs.Add(ulong.MaxValue);
            i++;
        }
    }

    public int Delete(IEnumerable<object> keys, ulong ts)
    {
        var set = keys.ToHashSet();
        int n = 0;
        for (int r = 0; r < Rows.Count; r++)
        {
            if (!set.Contains(Rows[r].Key) || Rows[r].InsertTs >= ts) continue;
            if (DeleteTs[r] == ulong.MaxValue) n++;
            DeleteTs[r] = Math.Min(DeleteTs[r], ts);
        }
        return n;
    }

    public bool Visible(int row, ulong ts) => Rows[row].InsertTs <= ts && DeleteTs[row] > ts;

    public (int Row, double Value)[] TopK(Metric metric, ReadOnlySpan<float> query, int k, ulong ts, Func<int, bool>? filter = null)
    {
        var candidates = new List<(int, double)>();
        for (int r = 0; r < Rows.Count; r++)
            if (Visible(r, ts) && (filter is null || filter(r))) candidates.Add((r, GrowingData.Reference(metric, query, Rows[r].Vector)));
        return GrowingData.TopK(metric, candidates, k);
    }
}
