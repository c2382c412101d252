using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Numerics;
using Quiver.Kernel.Select;

namespace Quiver.Kernel.Tests;

public class AllocationTests
{
    /// <summary>Every kernel entry point runs without allocating (the search path must not feed the GC).</summary>
    [Fact]
    public void Kernels_allocate_nothing()
    {
        var rng = new Random(5);
        const int dim = 100, rows = 9;
        var f = TestData.Floats(rng, dim * rows, 1);
        var h = TestData.Halves(rng, dim * rows);
        var bf = TestData.BFloats(rng, dim * rows, 1);
        var i8 = TestData.SBytes(rng, dim * rows);
        var u8 = TestData.Bytes(rng, dim * rows);
        var w = TestData.Words(rng, 16 * rows);
        var ids = new[] { 3, 1, 4, 1, 5, 8, 2 };
        var outD = new float[rows * rows];
        var keys = new ulong[outD.Length];
        var topD = new float[rows * rows];
        var topI = new int[rows * rows];
        var idsAll = Enumerable.Range(0, rows * rows).ToArray();
        var bits = new Bitset(1000);
        var other = new Bitset(1000);

        void All()
        {
            var q = f.AsSpan(0, dim);
            VectorDistance.SquaredL2(q, f.AsSpan(dim, dim));
            VectorDistance.Dot(q, f.AsSpan(dim, dim));
            VectorDistance.CosineSimilarity(q, f.AsSpan(dim, dim));
            VectorDistance.SquaredL2(q, f, outD);
            VectorDistance.Dot(q, f, ids, outD);
            VectorDistance.SquaredL2(f.AsSpan(0, 2 * dim), f, dim, outD);
            SquaredL2Distance.OneToMany(h.AsSpan(0, dim), h, outD);
            InnerProductDistance.ByIds(bf.AsSpan(0, dim), bf, ids, outD);
            CosineDistance.OneToMany(i8.AsSpan(0, dim), i8, outD);
            SquaredL2Distance.ManyToMany(u8.AsSpan(0, 2 * dim), u8, dim, outD);
            VectorDistance.Hamming(w.AsSpan(0, 16), w.AsSpan(16, 16));
            VectorDistance.Jaccard(w.AsSpan(0, 16), w.AsSpan(16, 16));
            JaccardDistance.OneToMany(w.AsSpan(0, 16), w, outD);
            TopK.Select(outD, idsAll, 5, keys, topD, topI);
            TopK.Select(outD, idsAll, 200, keys, topD, topI);
            var heap = new TopKHeap(keys.AsSpan(0, rows), rows);
            for (int j = 0; j < outD.Length; j++) heap.Push(outD[j], j);
            heap.Drain(topD, topI);
            bits.Or(other);
            bits.AndNot(other);
            bits.PopCount();
            foreach (int _ in bits.SetBits) { }
            VectorDistance.Normalize(f.AsSpan(0, dim));
        }

        All(); // JIT and statics first
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int n = 0; n < 20; n++) All();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
