using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Tests;

/// <summary>Seeded inputs shared by the kernel tests.</summary>
internal static class TestData
{
    /// <summary>Every dimension 1..300 and the common embedding sizes.</summary>
    public static readonly int[] Dims = [.. Enumerable.Range(1, 300), 768, 784, 1024, 1536];

    /// <summary>Every path, whatever the hardware: wider ones still run (emulated) and must agree.</summary>
    public static readonly SimdPath[] AllPaths = [SimdPath.V512, SimdPath.V256, SimdPath.V128, SimdPath.Scalar];

    public static IEnumerable<object[]> Paths() => AllPaths.Select(p => new object[] { p });

    /// <summary>Magnitudes: ordinary, large and tiny, so tolerances are checked relative to scale.</summary>
    public static readonly float[] Scales = [1f, 1e12f, 1e-12f];

    public static float[] Floats(Random rng, int n, float scale)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return v;
    }

    public static Half[] Halves(Random rng, int n)
    {
        var v = new Half[n];
        for (int i = 0; i < n; i++) v[i] = (Half)((rng.NextDouble() * 2 - 1) * 8);
        return v;
    }

    public static BFloat16[] BFloats(Random rng, int n, float scale)
    {
        var v = new BFloat16[n];
        for (int i = 0; i < n; i++) v[i] = (BFloat16)(float)((rng.NextDouble() * 2 - 1) * scale);
        return v;
    }

    public static sbyte[] SBytes(Random rng, int n)
    {
        var v = new sbyte[n];
        for (int i = 0; i < n; i++) v[i] = (sbyte)rng.Next(-128, 128);
        return v;
    }

    public static byte[] Bytes(Random rng, int n)
    {
        var v = new byte[n];
        rng.NextBytes(v);
        return v;
    }

    public static ulong[] Words(Random rng, int n)
    {
        var v = new ulong[n];
        for (int i = 0; i < n; i++) v[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63);
        return v;
    }

    /// <summary>Copies into a buffer at a 1..3-element offset, so kernels never see only aligned spans.</summary>
    public static ReadOnlySpan<T> Unaligned<T>(T[] v, int shift)
    {
        var buf = new T[v.Length + 3];
        int off = 1 + shift % 3;
        v.CopyTo(buf, off);
        return buf.AsSpan(off, v.Length);
    }

    /// <summary>
    /// A forward-error bound for a float32 sum of n products, relative to the sum of their magnitudes:
    /// (n + 4) unit roundoffs, the classic γₙ bound with room for the final lane reduction.
    /// </summary>
    public static double Tolerance(int n, double sumOfMagnitudes) => (n + 4) * Math.Pow(2, -23) * sumOfMagnitudes + 1e-300;
}
