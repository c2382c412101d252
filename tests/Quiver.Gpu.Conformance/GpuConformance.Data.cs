using Quiver.Kernel.Distance;

namespace Quiver.Gpu.Conformance;

public static partial class GpuConformance
{
    /// <summary>Uniform values in [−1, 1), seeded.</summary>
    internal static float[] Uniform(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * dim];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Small integers (−2..2): exact in float32, and full of exact duplicates and distance ties.</summary>
    internal static float[] Integers(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * dim];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Next(-2, 3);
        return x;
    }

    internal static double[] Normalized(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float f in v) s += (double)f * f;
        double inv = s > 0 ? 1 / Math.Sqrt(s) : 0;
        var r = new double[v.Length];
        for (int i = 0; i < v.Length; i++) r[i] = v[i] * inv;
        return r;
    }

    /// <summary>The metric's distance in double precision, in the CPU indexes' convention (L2², −IP, 1 − cos).</summary>
    internal static double Exact(Metric metric, ReadOnlySpan<float> q, ReadOnlySpan<float> x)
    {
        if (metric == Metric.Cosine)
        {
            var a = Normalized(q);
            var b = Normalized(x);
            double dot = 0;
            for (int i = 0; i < a.Length; i++) dot += a[i] * b[i];
            return 1 - dot;
        }
        double s = 0;
        for (int i = 0; i < q.Length; i++)
            s += metric == Metric.L2 ? ((double)q[i] - x[i]) * ((double)q[i] - x[i]) : (double)q[i] * x[i];
        return metric == Metric.L2 ? s : -s;
    }

    internal static double SquaredNorm(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float f in v) s += (double)f * f;
        return s;
    }

    internal static double MaxSquaredNorm(float[] rows, int dim)
    {
        double m = 0;
        for (int i = 0; i < rows.Length / dim; i++) m = Math.Max(m, SquaredNorm(rows.AsSpan(i * dim, dim)));
        return m;
    }

    /// <summary>Tolerance for query q: scaled by the norms the GPU's L2 expansion (or dot product) works with.</summary>
    internal static Func<int, double> ToleranceFor(Metric metric, float[] queries, float[] rows, int dim)
    {
        double rowScale = metric == Metric.Cosine ? 1 : MaxSquaredNorm(rows, dim);
        return q => Check.Tolerance(dim, metric == Metric.Cosine ? 2 : SquaredNorm(queries.AsSpan(q * dim, dim)) + rowScale);
    }
}
