using Quiver.Kernel.Distance;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Tests.Distance;

public class FloatKernelTests
{
    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Float32_matches_reference_on_every_dimension(SimdPath path)
    {
        var rng = new Random(11);
        foreach (float scale in TestData.Scales)
        foreach (int n in TestData.Dims)
        {
            var a = TestData.Floats(rng, n, scale);
            var b = TestData.Floats(rng, n, scale);
            var x = TestData.Unaligned(a, n);
            var y = TestData.Unaligned(b, n + 1);
            CheckAll(n, scale, ReferenceDistance.Widen<float>(a), ReferenceDistance.Widen<float>(b),
                VectorDistance.SquaredL2(x, y, path), VectorDistance.Dot(x, y, path), VectorDistance.CosineSimilarity(x, y, path));
        }
    }

    [Fact]
    public void Float32_dispatch_matches_reference()
    {
        var rng = new Random(12);
        foreach (int n in TestData.Dims)
        {
            var a = TestData.Floats(rng, n, 1);
            var b = TestData.Floats(rng, n, 1);
            CheckAll(n, 1, ReferenceDistance.Widen<float>(a), ReferenceDistance.Widen<float>(b),
                VectorDistance.SquaredL2(a, b), VectorDistance.Dot(a, b), VectorDistance.CosineSimilarity(a, b));
            Assert.Equal(VectorDistance.SquaredL2(a, b), SquaredL2Distance.Distance(a, b));
            Assert.Equal(-VectorDistance.Dot(a, b), InnerProductDistance.Distance(a, b));
            Assert.Equal(1f - VectorDistance.CosineSimilarity(a, b), CosineDistance.Distance(a, b));
        }
    }

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Float16_matches_reference_on_every_dimension(SimdPath path)
    {
        var rng = new Random(13);
        foreach (int n in TestData.Dims)
        {
            var a = TestData.Halves(rng, n);
            var b = TestData.Halves(rng, n);
            var x = TestData.Unaligned(a, n);
            var y = TestData.Unaligned(b, n + 2);
            CheckAll(n, 8, ReferenceDistance.Widen<Half>(a), ReferenceDistance.Widen<Half>(b),
                VectorDistance.SquaredL2(x, y, path), VectorDistance.Dot(x, y, path), VectorDistance.CosineSimilarity(x, y, path));
        }
    }

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void BFloat16_matches_reference_on_every_dimension(SimdPath path)
    {
        var rng = new Random(14);
        foreach (float scale in TestData.Scales)
        foreach (int n in TestData.Dims)
        {
            var a = TestData.BFloats(rng, n, scale);
            var b = TestData.BFloats(rng, n, scale);
            var x = TestData.Unaligned(a, n);
            var y = TestData.Unaligned(b, n + 2);
            CheckAll(n, scale, ReferenceDistance.Widen<BFloat16>(a), ReferenceDistance.Widen<BFloat16>(b),
                VectorDistance.SquaredL2(x, y, path), VectorDistance.Dot(x, y, path), VectorDistance.CosineSimilarity(x, y, path));
        }
    }

    [Fact]
    public void Float16_and_bfloat16_dispatch_match_the_explicit_best_path()
    {
        var rng = new Random(15);
        foreach (int n in TestData.Dims)
        {
            var a = TestData.Halves(rng, n); var b = TestData.Halves(rng, n);
            Assert.Equal(VectorDistance.SquaredL2(a, b, SimdCapabilities.Best), VectorDistance.SquaredL2(a, b));
            Assert.Equal(VectorDistance.Dot(a, b, SimdCapabilities.Best), VectorDistance.Dot(a, b));
            Assert.Equal(VectorDistance.CosineSimilarity(a, b, SimdCapabilities.Best), VectorDistance.CosineSimilarity(a, b));
            var c = TestData.BFloats(rng, n, 1); var d = TestData.BFloats(rng, n, 1);
            Assert.Equal(VectorDistance.SquaredL2(c, d, SimdCapabilities.Best), VectorDistance.SquaredL2(c, d));
            Assert.Equal(VectorDistance.Dot(c, d, SimdCapabilities.Best), VectorDistance.Dot(c, d));
            Assert.Equal(VectorDistance.CosineSimilarity(c, d, SimdCapabilities.Best), VectorDistance.CosineSimilarity(c, d));
        }
    }

    /// <summary>The vector float16 widening agrees with the runtime's conversion on all 65536 bit patterns.</summary>
    [Fact]
    public void Float16_widening_is_exact_for_every_bit_pattern()
    {
        var bits = new ushort[16];
        for (int start = 0; start < 65536; start += 16)
        {
            for (int i = 0; i < 16; i++) bits[i] = (ushort)(start + i);
            var w512 = VectorDistance.HalfWiden.Widen512(Vector256.Create<ushort>(bits));
            var w256 = VectorDistance.HalfWiden.Widen256(Vector128.Create<ushort>(bits.AsSpan(8)));
            var w128 = VectorDistance.HalfWiden.Widen128(Vector128.Create<ushort>(bits.AsSpan(4, 8)));
            for (int i = 0; i < 16; i++)
            {
                float want = (float)BitConverter.UInt16BitsToHalf(bits[i]);
                Same(want, w512[i], bits[i]);
                if (i >= 8) Same(want, w256[i - 8], bits[i]);
                if (i is >= 4 and < 8) Same(want, w128[i - 4], bits[i]);
            }
        }

        static void Same(float want, float got, ushort pattern) =>
            Assert.True(BitConverter.SingleToUInt32Bits(want) == BitConverter.SingleToUInt32Bits(got) || (float.IsNaN(want) && float.IsNaN(got)),
                $"bits 0x{pattern:X4}: expected {want}, got {got}");
    }

    [Fact]
    public void BFloat16_rounds_to_nearest_even_and_widens_exactly()
    {
        Assert.Equal(1f, (float)(BFloat16)1f);
        Assert.Equal(0x3F80, ((BFloat16)1.00390625f).Bits);      // halfway between 0x3F80 and 0x3F81: to even
        Assert.Equal(0x3F82, ((BFloat16)1.01171875f).Bits);      // halfway between 0x3F81 and 0x3F82: to even
        Assert.True(float.IsNaN((BFloat16)float.NaN));
        Assert.Equal(float.PositiveInfinity, (float)(BFloat16)float.PositiveInfinity);
    }

    [Fact]
    public void Cosine_of_zero_vector_is_zero_and_norms_normalize()
    {
        var zero = new float[37];
        var v = TestData.Floats(new Random(3), 37, 5);
        Assert.Equal(0f, VectorDistance.CosineSimilarity(zero, v));
        Assert.Equal(1f, CosineDistance.Distance(zero, v));

        Assert.Equal(Math.Sqrt(ReferenceDistance.Dot(ReferenceDistance.Widen<float>(v), ReferenceDistance.Widen<float>(v))), VectorDistance.Norm(v), 4);
        var u = (float[])v.Clone();
        VectorDistance.Normalize(u);
        Assert.Equal(1.0, VectorDistance.Norm(u), 5);
        Assert.Equal(1.0, VectorDistance.CosineSimilarity(u, v), 5);
        VectorDistance.Normalize(zero);
        Assert.All(zero, x => Assert.Equal(0f, x));

        var rows = TestData.Floats(new Random(4), 5 * 19, 3);
        VectorDistance.NormalizeRows(rows, 19);
        for (int r = 0; r < 5; r++) Assert.Equal(1.0, VectorDistance.Norm(rows.AsSpan(r * 19, 19)), 5);
        Assert.Throws<ArgumentException>(() => VectorDistance.NormalizeRows(new float[10], 3));
    }

    [Fact]
    public void Length_mismatch_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => VectorDistance.SquaredL2(new float[3], new float[4]));
        Assert.Contains("3 and 4", e.Message);
        Assert.Throws<ArgumentException>(() => VectorDistance.Dot(new Half[3], new Half[2]));
        Assert.Throws<ArgumentException>(() => VectorDistance.CosineSimilarity(new BFloat16[1], new BFloat16[2]));
        Assert.Throws<ArgumentException>(() => VectorDistance.SquaredL2(new sbyte[3], new sbyte[4]));
        Assert.Throws<ArgumentException>(() => VectorDistance.Hamming(new ulong[3], new ulong[4]));
    }

    internal static void CheckAll(int n, double scale, double[] a, double[] b, float l2, float dot, float cos)
    {
        double magL2 = 0, magDot = 0;
        for (int i = 0; i < n; i++) { double d = a[i] - b[i]; magL2 += d * d; magDot += Math.Abs(a[i] * b[i]); }
        double wantL2 = ReferenceDistance.SquaredL2(a, b);
        double wantDot = ReferenceDistance.Dot(a, b);
        double wantCos = ReferenceDistance.CosineSimilarity(a, b);
        Assert.True(Math.Abs(l2 - wantL2) <= TestData.Tolerance(n, magL2), $"L2 n={n} scale={scale}: {l2} vs {wantL2}");
        Assert.True(Math.Abs(dot - wantDot) <= TestData.Tolerance(n, magDot), $"Dot n={n} scale={scale}: {dot} vs {wantDot}");
        double cosMag = magDot / Math.Sqrt(ReferenceDistance.Dot(a, a) * ReferenceDistance.Dot(b, b));
        Assert.True(Math.Abs(cos - wantCos) <= TestData.Tolerance(n, cosMag + 2), $"Cosine n={n} scale={scale}: {cos} vs {wantCos}");
    }
}
