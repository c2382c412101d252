using Quiver.Kernel.Distance;

namespace Quiver.Kernel.Tests.Distance;

public class IntegerKernelTests
{
    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Int8_is_exact_on_every_dimension(SimdPath path)
    {
        var rng = new Random(21);
        foreach (int n in TestData.Dims)
        {
            var a = TestData.SBytes(rng, n);
            var b = TestData.SBytes(rng, n);
            var x = TestData.Unaligned(a, n);
            var y = TestData.Unaligned(b, n + 1);
            var (l2, dot, aa, bb) = Exact(a.Select(v => (long)v).ToArray(), b.Select(v => (long)v).ToArray());
            Assert.Equal(l2, VectorDistance.SquaredL2(x, y, path));
            Assert.Equal(dot, VectorDistance.Dot(x, y, path));
            Assert.Equal(Cos(dot, aa, bb), VectorDistance.CosineSimilarity(x, y, path), 6);
        }
    }

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void UInt8_is_exact_on_every_dimension(SimdPath path)
    {
        var rng = new Random(22);
        foreach (int n in TestData.Dims)
        {
            var a = TestData.Bytes(rng, n);
            var b = TestData.Bytes(rng, n);
            var x = TestData.Unaligned(a, n);
            var y = TestData.Unaligned(b, n + 1);
            var (l2, dot, aa, bb) = Exact(a.Select(v => (long)v).ToArray(), b.Select(v => (long)v).ToArray());
            Assert.Equal(l2, VectorDistance.SquaredL2(x, y, path));
            Assert.Equal(dot, VectorDistance.Dot(x, y, path));
            Assert.Equal(Cos(dot, aa, bb), VectorDistance.CosineSimilarity(x, y, path), 6);
        }
    }

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Extremes_at_the_largest_dimension_stay_exact(SimdPath path)
    {
        int n = VectorDistance.MaxIntegerDimension;
        var lo = Enumerable.Repeat((sbyte)-128, n).ToArray();
        var hi = Enumerable.Repeat((sbyte)127, n).ToArray();
        Assert.Equal(255L * 255 * n, VectorDistance.SquaredL2(lo, hi, path));
        Assert.Equal(128L * 128 * n, VectorDistance.Dot(lo, lo, path));
        var z = new byte[n];
        var f = Enumerable.Repeat((byte)255, n).ToArray();
        Assert.Equal(255L * 255 * n, VectorDistance.SquaredL2(z, f, path));
        Assert.Equal(255L * 255 * n, VectorDistance.Dot(f, f, path));
        Assert.Equal(1f, VectorDistance.CosineSimilarity(f, f, path), 6);
    }

    [Fact]
    public void Dispatch_matches_explicit_best_path_and_functors()
    {
        var rng = new Random(23);
        foreach (int n in TestData.Dims)
        {
            var a = TestData.SBytes(rng, n); var b = TestData.SBytes(rng, n);
            Assert.Equal(VectorDistance.SquaredL2(a, b, SimdCapabilities.Best), VectorDistance.SquaredL2(a, b));
            Assert.Equal(VectorDistance.Dot(a, b, SimdCapabilities.Best), VectorDistance.Dot(a, b));
            Assert.Equal(VectorDistance.CosineSimilarity(a, b, SimdCapabilities.Best), VectorDistance.CosineSimilarity(a, b));
            Assert.Equal(VectorDistance.SquaredL2(a, b), SquaredL2Distance.Distance(a, b));
            Assert.Equal(-VectorDistance.Dot(a, b), InnerProductDistance.Distance(a, b));
            var c = TestData.Bytes(rng, n); var d = TestData.Bytes(rng, n);
            Assert.Equal(VectorDistance.SquaredL2(c, d, SimdCapabilities.Best), VectorDistance.SquaredL2(c, d));
            Assert.Equal(VectorDistance.Dot(c, d, SimdCapabilities.Best), VectorDistance.Dot(c, d));
            Assert.Equal(VectorDistance.CosineSimilarity(c, d, SimdCapabilities.Best), VectorDistance.CosineSimilarity(c, d));
        }
    }

    [Fact]
    public void Dimension_above_the_exact_limit_is_refused()
    {
        var a = new sbyte[VectorDistance.MaxIntegerDimension + 1];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => VectorDistance.SquaredL2(a, a));
        Assert.Contains("32768", e.Message);
    }

    private static (long L2, long Dot, long Aa, long Bb) Exact(long[] a, long[] b)
    {
        long l2 = 0, dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { long d = a[i] - b[i]; l2 += d * d; dot += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
        return (l2, dot, aa, bb);
    }

    private static float Cos(long dot, long aa, long bb)
    {
        double den = Math.Sqrt((double)aa * bb);
        return den == 0 ? 0f : (float)(dot / den);
    }
}
