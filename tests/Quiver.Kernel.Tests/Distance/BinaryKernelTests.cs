using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Kernel.Tests.Distance;

public class BinaryKernelTests
{
    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Hamming_and_jaccard_are_exact(SimdPath path)
    {
        var rng = new Random(31);
        foreach (int words in Enumerable.Range(1, 40).Concat([48, 64, 100, 128]))
        {
            var a = TestData.Words(rng, words);
            var b = TestData.Words(rng, words);
            // Sparse vectors too, so the Jaccard ratio is not always near 1/3.
            if (words % 3 == 0) for (int i = 0; i < words; i++) { a[i] &= (ulong)rng.NextInt64(); b[i] &= (ulong)rng.NextInt64(); }
            var x = TestData.Unaligned(a, words);
            var y = TestData.Unaligned(b, words + 1);
            Assert.Equal(ReferenceDistance.Hamming(a, b), VectorDistance.Hamming(x, y, path));
            Assert.Equal(ReferenceDistance.Jaccard(a, b), VectorDistance.Jaccard(x, y, path), 1e-6);
            Assert.Equal(a.Sum(w => (long)System.Numerics.BitOperations.PopCount(w)), PopCount.Count(x, path));
        }
    }

    [Fact]
    public void Dispatch_and_functors_agree_and_empty_sets_are_identical()
    {
        var rng = new Random(32);
        var a = TestData.Words(rng, 16);
        var b = TestData.Words(rng, 16);
        Assert.Equal(ReferenceDistance.Hamming(a, b), VectorDistance.Hamming(a, b));
        Assert.Equal((float)VectorDistance.Hamming(a, b), HammingDistance.Distance(a, b));
        Assert.Equal(VectorDistance.Jaccard(a, b), JaccardDistance.Distance(a, b));
        Assert.Equal(0f, VectorDistance.Jaccard(new ulong[4], new ulong[4]));
        Assert.Equal(0, VectorDistance.Hamming(a, a));
        Assert.Equal(0f, VectorDistance.Jaccard(a, a));
    }
}
