using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Distance;

/// <summary>
/// Plain double-precision (or exact 64-bit integer) definitions of every kernel: the oracle the tests
/// hold each SIMD path against, and the checker ground truth is verified with. Slow by design.
/// </summary>
public static class ReferenceDistance
{
    /// <summary>Σ(aᵢ − bᵢ)² in double.</summary>
    public static double SquaredL2(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) ThrowHelper.LengthMismatch(a.Length, b.Length);
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double d = a[i] - b[i]; s += d * d; }
        return s;
    }

    /// <summary>Σ aᵢbᵢ in double.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) ThrowHelper.LengthMismatch(a.Length, b.Length);
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Cosine similarity in double; 0 when either vector is all zeros.</summary>
    public static double CosineSimilarity(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double den = Math.Sqrt(Dot(a, a) * Dot(b, b));
        return den == 0 ? 0 : Dot(a, b) / den;
    }

    /// <summary>Widens any supported element type to double, exactly.</summary>
    public static double[] Widen<T>(ReadOnlySpan<T> v) where T : unmanaged
    {
        var r = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            r[i] = v[i] switch
            {
                float f => f,
                Half h => (double)h,
                BFloat16 b => (float)b,
                sbyte s => s,
                byte u => u,
                _ => throw new NotSupportedException($"Element type {typeof(T).Name} has no reference widening."),
            };
        }
        return r;
    }

    /// <summary>Hamming distance bit by bit.</summary>
    public static long Hamming(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.Length != b.Length) ThrowHelper.LengthMismatch(a.Length, b.Length);
        long c = 0;
        for (int i = 0; i < a.Length * 64; i++)
            if (Bit(a, i) != Bit(b, i)) c++;
        return c;
    }

    /// <summary>Jaccard distance bit by bit; 0 for two empty sets.</summary>
    public static double Jaccard(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.Length != b.Length) ThrowHelper.LengthMismatch(a.Length, b.Length);
        long inter = 0, union = 0;
        for (int i = 0; i < a.Length * 64; i++)
        {
            bool x = Bit(a, i), y = Bit(b, i);
            if (x && y) inter++;
            if (x || y) union++;
        }
        return union == 0 ? 0 : 1.0 - (double)inter / union;
    }

    private static bool Bit(ReadOnlySpan<ulong> w, int i) => ((w[i >> 6] >> (i & 63)) & 1) != 0;
}
