using Quiver.Kernel.Bits;

namespace Quiver.Gpu.Conformance;

/// <summary>The comparison rules every case uses; each throws <see cref="ConformanceException"/> naming what differs.</summary>
public static class Check
{
    /// <summary>
    /// Float tolerance for a distance between vectors of squared norms <paramref name="scale"/> (‖q‖² + ‖x‖², or 1
    /// for unit vectors): the GPU forms L2 as ‖q‖² + ‖x‖² − 2 q·x, so its error grows with the norms, not the distance.
    /// 8 ulps per dimension of the operands' scale, plus a floor.
    /// </summary>
    public static double Tolerance(int dim, double scale) => 8 * 1.2e-7 * Math.Max(dim, 4) * (1 + scale) + 1e-6;

    public static void True(bool condition, string message)
    {
        if (!condition) throw new ConformanceException(message);
    }

    /// <summary>
    /// Compares two top-k results (queries × k, padded with −1 / +∞). Per query: the same number of results;
    /// rank by rank, distances within <paramref name="tolerance"/>; where ids differ at a rank, the two ids'
    /// exact distances (<paramref name="exact"/>) must tie within the tolerance — a near-tie may legitimately
    /// order either way. With <paramref name="strictIds"/> (exact arithmetic, e.g. integer data) ids must be equal.
    /// The GPU's ids must be distinct and pass <paramref name="allowed"/>.
    /// </summary>
    public static void TopK(string what, int nq, int k, int[] gpuIds, float[] gpuD, int[] cpuIds, float[] cpuD,
        Func<int, int, double> exact, Func<int, double> tolerance, bool strictIds = false, Func<int, bool>? allowed = null)
    {
        for (int q = 0; q < nq; q++)
        {
            int gn = 0, cn = 0;
            while (gn < k && gpuIds[q * k + gn] >= 0) gn++;
            while (cn < k && cpuIds[q * k + cn] >= 0) cn++;
            if (gn != cn) throw new ConformanceException($"{what}: query {q} found {gn} results on the GPU, {cn} on the CPU.");
            var seen = new HashSet<int>();
            double tol = tolerance(q);
            for (int i = 0; i < gn; i++)
            {
                int g = gpuIds[q * k + i], c = cpuIds[q * k + i];
                if (!seen.Add(g)) throw new ConformanceException($"{what}: query {q} returns id {g} twice.");
                if (allowed is not null && !allowed(g)) throw new ConformanceException($"{what}: query {q} returns id {g}, which the filter or deletes exclude.");
                if (Math.Abs(gpuD[q * k + i] - cpuD[q * k + i]) > tol)
                    throw new ConformanceException($"{what}: query {q} rank {i}: GPU distance {gpuD[q * k + i]} (id {g}) vs CPU {cpuD[q * k + i]} (id {c}), tolerance {tol:G3}.");
                if (g == c) continue;
                if (strictIds) throw new ConformanceException($"{what}: query {q} rank {i}: GPU id {g} vs CPU id {c} (distances {gpuD[q * k + i]} / {cpuD[q * k + i]}); exact ties must go to the smaller id on both.");
                double dg = exact(q, g), dc = exact(q, c);
                if (Math.Abs(dg - dc) > tol)
                    throw new ConformanceException($"{what}: query {q} rank {i}: GPU id {g} (exact {dg}) vs CPU id {c} (exact {dc}) are not a tie within {tol:G3}.");
            }
            for (int i = gn; i < k; i++)
                if (!float.IsPositiveInfinity(gpuD[q * k + i])) throw new ConformanceException($"{what}: query {q} rank {i} is padding but has distance {gpuD[q * k + i]}.");
        }
    }

    /// <summary>A filter with about <paramref name="fraction"/> of <paramref name="n"/> bits set, seeded.</summary>
    public static Bitset RandomFilter(int n, double fraction, int seed)
    {
        var rng = new Random(seed);
        var f = new Bitset(n);
        for (int i = 0; i < n; i++) if (rng.NextDouble() < fraction) f.Set(i);
        return f;
    }
}

/// <summary>A GPU result that differs from the CPU reference.</summary>
public sealed class ConformanceException(string message) : Exception(message);
