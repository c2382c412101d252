using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Distance;

namespace Quiver.Kernel.Clustering;

/// <summary>
/// k-means options. <paramref name="MaxPointsPerCentroid"/> caps the training sample at that many rows
/// per cluster (FAISS's max_points_per_centroid, 256); <paramref name="Iterations"/> is the number of
/// Lloyd rounds (FAISS trains IVF quantizers with 10–25); <paramref name="Threads"/> 0 means all cores.
/// <paramref name="PlusPlus"/> picks k-means++ seeding; otherwise k random rows (cheaper where k is
/// large against the work of the rounds, as for PQ sub-quantizers).
/// Results are deterministic for a given seed and thread count.
/// </summary>
public sealed record KMeansOptions(int Clusters, int Iterations = 20, int MaxPointsPerCentroid = 256, int Seed = 1234, int Threads = 0, bool PlusPlus = true)
{
    /// <summary>Throws naming the parameter and its range.</summary>
    public KMeansOptions Validate()
    {
        if (Clusters < 1) throw new ArgumentOutOfRangeException(nameof(Clusters), Clusters, $"clusters = {Clusters} is out of range; allowed: clusters ≥ 1.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, $"iterations = {Iterations} is out of range; allowed: iterations ≥ 1.");
        if (MaxPointsPerCentroid < 1) throw new ArgumentOutOfRangeException(nameof(MaxPointsPerCentroid), MaxPointsPerCentroid, "max points per centroid must be at least 1.");
        return this;
    }
}

/// <summary>A trained clustering: k centroids (row-major) and the inertia after each round.</summary>
public sealed record KMeansResult(float[] Centroids, int Dim, int Clusters, double[] Inertia, int TrainingRows);

/// <summary>
/// Lloyd's k-means for coarse quantizers. Initialisation is k-means++ (D² sampling, Arthur &amp;
/// Vassilvitskii 2007) on the training sample; assignment runs through the many-to-many inner-product
/// tile as ‖c‖² − 2·x·c (the ‖x‖² term does not change the argmin), on all cores; empty clusters are
/// re-seeded by splitting the largest one (as FAISS does), so every centroid stays in use.
/// </summary>
public static class KMeans
{
    private const int RowBlock = 256;
    private const int SmallDim = 16;
    private const float SplitEpsilon = 1f / 1024;

    /// <summary>Trains <see cref="KMeansOptions.Clusters"/> centroids on row-major <paramref name="data"/>.</summary>
    public static KMeansResult Train(ReadOnlySpan<float> data, int dim, KMeansOptions options, Action<double>? progress = null)
    {
        options.Validate();
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        if (data.Length % dim != 0) throw new ArgumentException($"{data.Length} values are not a whole number of {dim}-d rows.", nameof(data));
        int n = data.Length / dim, k = options.Clusters;
        if (n < k) throw new ArgumentException($"k-means needs at least as many rows as clusters: {n} rows, {k} clusters.", nameof(data));
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var rng = new Random(options.Seed);

        var sample = Sample(data, dim, (int)Math.Min(n, (long)options.MaxPointsPerCentroid * k), rng);
        int m = sample.Length / dim;
        var centroids = options.PlusPlus ? PlusPlus(sample, dim, k, rng, threads) : RandomRows(sample, dim, k, rng);
        var assignment = new int[m];
        var best = new float[m];
        var inertia = new double[options.Iterations];
        var sums = new double[k * dim];
        var counts = new int[k];
        for (int it = 0; it < options.Iterations; it++)
        {
            inertia[it] = Assign(sample, dim, centroids, assignment, best, threads);
            Update(sample, dim, centroids, assignment, sums, counts, threads);
            SplitEmpty(centroids, dim, counts);
            progress?.Invoke((double)(it + 1) / options.Iterations);
        }
        return new KMeansResult(centroids, dim, k, inertia, m);
    }

    /// <summary>
    /// Nearest centroid (squared L2) of every row; writes the index and the squared distance, returns
    /// the total (the inertia), summed in double in row order.
    /// </summary>
    public static double Assign(ReadOnlySpan<float> data, int dim, ReadOnlySpan<float> centroids, Span<int> assignment, Span<float> distances, int threads = 0)
    {
        int n = data.Length / dim, k = centroids.Length / dim;
        if (assignment.Length < n || distances.Length < n) throw new ArgumentException($"assignment and distances must hold {n} entries.");
        // In few dimensions (PQ sub-spaces) the row tile idles: centroids go column-major and each row's
        // distances to all of them are formed across centroids, accumulators in registers.
        bool columnMajor = dim <= SmallDim && k >= 16;
        float[] norms, columns = [];
        if (columnMajor) (columns, norms) = Quantization.Columns.Transpose(centroids, dim);
        else
        {
            norms = new float[k];
            for (int c = 0; c < k; c++) norms[c] = VectorDistance.Dot(centroids.Slice(c * dim, dim), centroids.Slice(c * dim, dim));
        }
        var dataArr = data.ToArray();
        var cents = centroids.ToArray();
        var outA = new int[n];
        var outD = new float[n];
        int blocks = (n + RowBlock - 1) / RowBlock;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount },
            () => new float[columnMajor ? k : RowBlock * k],
            (b, _, buffer) =>
            {
                int r0 = (int)b * RowBlock, rn = Math.Min(RowBlock, n - r0);
                var rows = dataArr.AsSpan(r0 * dim, rn * dim);
                if (!columnMajor) VectorDistance.Dot(rows, cents, dim, buffer.AsSpan(0, rn * k));
                for (int r = 0; r < rn; r++)
                {
                    var row = rows.Slice(r * dim, dim);
                    Span<float> d;
                    if (columnMajor)
                    {
                        d = buffer;
                        Quantization.Columns.Accumulate(row, -2f, columns, k, norms, 0f, d);
                    }
                    else
                    {
                        d = buffer.AsSpan(r * k, k);
                        for (int c = 0; c < k; c++) d[c] = norms[c] - 2 * d[c];
                    }
                    // ‖x − c‖² = ‖x‖² + (‖c‖² − 2·x·c); the ‖x‖² term does not change the argmin.
                    int arg = ArgMin(d);
                    outA[r0 + r] = arg;
                    outD[r0 + r] = Math.Max(0f, d[arg] + VectorDistance.Dot(row, row));
                }
                return buffer;
            },
            _ => { });
        outA.CopyTo(assignment);
        outD.CopyTo(distances);
        double total = 0;
        for (int i = 0; i < n; i++) total += outD[i];
        return total;
    }

    /// <summary>Index of the smallest value, the first one on ties (lane-wise minimum, then a 16-lane reduction).</summary>
    internal static int ArgMin(ReadOnlySpan<float> d)
    {
        int n = d.Length, i = 0, arg = 0;
        float min = float.PositiveInfinity;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            ref float p = ref MemoryMarshal.GetReference(d);
            var best = Vector512.LoadUnsafe(ref p);
            var bestAt = Vector512<int>.Indices;
            var at = bestAt;
            var step = Vector512.Create(16);
            for (i = 16; i + 16 <= n; i += 16)
            {
                at += step;
                var v = Vector512.LoadUnsafe(ref p, (nuint)i);
                var less = Vector512.LessThan(v, best);
                best = Vector512.ConditionalSelect(less, v, best);
                bestAt = Vector512.ConditionalSelect(less.AsInt32(), at, bestAt);
            }
            arg = bestAt[0];
            min = best[0];
            for (int l = 1; l < 16; l++)
            {
                float v = best[l];
                if (v < min || (v == min && bestAt[l] < arg)) { min = v; arg = bestAt[l]; }
            }
        }
        for (; i < n; i++) if (d[i] < min) { min = d[i]; arg = i; }
        return arg;
    }

    /// <summary>Rows drawn without replacement by a seeded partial Fisher–Yates shuffle (all rows when m = n).</summary>
    private static float[] Sample(ReadOnlySpan<float> data, int dim, int m, Random rng)
    {
        int n = data.Length / dim;
        if (m >= n) return data.ToArray();
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        for (int i = 0; i < m; i++)
        {
            int j = i + rng.Next(n - i);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        Array.Sort(idx, 0, m); // keep source order: better locality, same result
        var s = new float[m * dim];
        for (int i = 0; i < m; i++) data.Slice(idx[i] * dim, dim).CopyTo(s.AsSpan(i * dim, dim));
        return s;
    }

    /// <summary>k distinct sample rows, drawn by a seeded partial shuffle (FAISS's initialisation).</summary>
    private static float[] RandomRows(float[] sample, int dim, int k, Random rng) => Sample(sample, dim, k, rng);

    /// <summary>k-means++: each next centroid drawn with probability proportional to its squared distance to the nearest chosen one.</summary>
    private static float[] PlusPlus(float[] sample, int dim, int k, Random rng, int threads)
    {
        int m = sample.Length / dim;
        var centroids = new float[k * dim];
        var nearest = new float[m];
        Array.Fill(nearest, float.PositiveInfinity);
        int first = rng.Next(m);
        sample.AsSpan(first * dim, dim).CopyTo(centroids);
        var d = new float[m];
        for (int c = 0; c < k; c++)
        {
            if (c > 0)
            {
                double total = 0;
                for (int i = 0; i < m; i++) total += nearest[i];
                int pick;
                if (total <= 0) pick = rng.Next(m); // every row already sits on a centroid
                else
                {
                    double r = rng.NextDouble() * total, acc = 0;
                    pick = m - 1;
                    for (int i = 0; i < m; i++)
                    {
                        acc += nearest[i];
                        if (acc >= r) { pick = i; break; }
                    }
                }
                sample.AsSpan(pick * dim, dim).CopyTo(centroids.AsSpan(c * dim, dim));
            }
            // Distances to the new centroid, in parallel blocks, then the running minimum.
            var centroid = centroids.AsSpan(c * dim, dim).ToArray();
            int blocks = (m + 4095) / 4096;
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, b =>
            {
                int r0 = b * 4096, rn = Math.Min(4096, m - r0);
                VectorDistance.SquaredL2(centroid, sample.AsSpan(r0 * dim, rn * dim), d.AsSpan(r0, rn));
            });
            for (int i = 0; i < m; i++) if (d[i] < nearest[i]) nearest[i] = d[i];
        }
        return centroids;
    }

    /// <summary>Centroid = mean of its rows; per-thread partial sums combined in a fixed order (deterministic for a thread count).</summary>
    private static void Update(float[] sample, int dim, float[] centroids, int[] assignment, double[] sums, int[] counts, int threads)
    {
        int m = assignment.Length, k = counts.Length;
        int parts = Math.Max(1, Math.Min(threads, m / 1024 + 1));
        var partSums = new double[parts][];
        var partCounts = new int[parts][];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
        {
            var s = new double[k * dim];
            var cnt = new int[k];
            int r0 = (int)((long)m * p / parts), r1 = (int)((long)m * (p + 1) / parts);
            for (int r = r0; r < r1; r++)
            {
                int c = assignment[r];
                cnt[c]++;
                var row = sample.AsSpan(r * dim, dim);
                var acc = s.AsSpan(c * dim, dim);
                for (int j = 0; j < dim; j++) acc[j] += row[j];
            }
            partSums[p] = s;
            partCounts[p] = cnt;
        });
        Array.Clear(sums);
        Array.Clear(counts);
        for (int p = 0; p < parts; p++)
        {
            for (int i = 0; i < sums.Length; i++) sums[i] += partSums[p][i];
            for (int c = 0; c < k; c++) counts[c] += partCounts[p][c];
        }
        for (int c = 0; c < k; c++)
        {
            if (counts[c] == 0) continue;
            double inv = 1.0 / counts[c];
            for (int j = 0; j < dim; j++) centroids[c * dim + j] = (float)(sums[c * dim + j] * inv);
        }
    }

    /// <summary>Each empty cluster takes half of the currently largest: both centroids move ±ε apart.</summary>
    private static void SplitEmpty(float[] centroids, int dim, int[] counts)
    {
        int k = counts.Length;
        for (int c = 0; c < k; c++)
        {
            if (counts[c] != 0) continue;
            int big = 0;
            for (int j = 1; j < k; j++) if (counts[j] > counts[big]) big = j;
            if (counts[big] < 2) return;
            var src = centroids.AsSpan(big * dim, dim);
            var dst = centroids.AsSpan(c * dim, dim);
            for (int j = 0; j < dim; j++)
            {
                float sign = (j & 1) == 0 ? 1 : -1;
                dst[j] = src[j] * (1 + sign * SplitEpsilon);
                src[j] *= 1 - sign * SplitEpsilon;
            }
            counts[c] = counts[big] / 2;
            counts[big] -= counts[c];
        }
    }
}
