using Quiver.Kernel.Distance;
using Quiver.Kernel.Numerics;

namespace Quiver.Kernel.Tests.Distance;

public class BatchKernelTests
{
    private static readonly int[] BatchDims = [.. Enumerable.Range(1, 40), 64, 100, 128, 784];
    private static readonly int[] RowCounts = [0, 1, 3, 4, 5, 8, 9, 33];

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void One_to_many_equals_pairs(SimdPath path)
    {
        var rng = new Random(41);
        foreach (int dim in BatchDims)
        foreach (int count in RowCounts)
        {
            var q = TestData.Floats(rng, dim, 1);
            var rows = TestData.Floats(rng, dim * count, 1);
            var l2 = new float[count];
            var dot = new float[count];
            VectorDistance.SquaredL2(q, rows, l2, path);
            VectorDistance.Dot(q, rows, dot, path);
            for (int j = 0; j < count; j++)
                CheckPair(q, rows.AsSpan(j * dim, dim), l2[j], dot[j], dim);
        }
    }

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void By_ids_equals_pairs_in_id_order(SimdPath path)
    {
        var rng = new Random(42);
        foreach (int dim in BatchDims)
        {
            const int rowCount = 50;
            var q = TestData.Floats(rng, dim, 1);
            var rows = TestData.Floats(rng, dim * rowCount, 1);
            foreach (int n in new[] { 0, 1, 4, 7, 13, 30 })
            {
                var ids = Enumerable.Range(0, n).Select(_ => rng.Next(rowCount)).ToArray();
                var l2 = new float[n];
                var dot = new float[n];
                VectorDistance.SquaredL2(q, rows, ids, l2, path);
                VectorDistance.Dot(q, rows, ids, dot, path);
                for (int j = 0; j < n; j++)
                    CheckPair(q, rows.AsSpan(ids[j] * dim, dim), l2[j], dot[j], dim);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestData.Paths), MemberType = typeof(TestData))]
    public void Many_to_many_equals_pairs(SimdPath path)
    {
        var rng = new Random(43);
        foreach (int dim in new[] { 1, 3, 8, 15, 16, 17, 33, 100, 784 })
        foreach (int nq in new[] { 0, 1, 2, 3, 5 })
        foreach (int nr in new[] { 0, 1, 4, 7, 9 })
        {
            var qs = TestData.Floats(rng, dim * nq, 1);
            var rows = TestData.Floats(rng, dim * nr, 1);
            var l2 = new float[nq * nr];
            var dot = new float[nq * nr];
            VectorDistance.SquaredL2(qs, rows, dim, l2, path);
            VectorDistance.Dot(qs, rows, dim, dot, path);
            for (int i = 0; i < nq; i++)
            for (int j = 0; j < nr; j++)
                CheckPair(qs.AsSpan(i * dim, dim), rows.AsSpan(j * dim, dim), l2[i * nr + j], dot[i * nr + j], dim);
        }
    }

    [Fact]
    public void Many_to_many_blocks_large_row_sets()
    {
        // 784-d rows take 3136 B each; 200 rows cross the 256 KB blocking boundary (83 rows per block).
        var rng = new Random(44);
        const int dim = 784, nq = 3, nr = 200;
        var qs = TestData.Floats(rng, dim * nq, 1);
        var rows = TestData.Floats(rng, dim * nr, 1);
        var got = new float[nq * nr];
        VectorDistance.SquaredL2(qs, rows, dim, got);
        for (int i = 0; i < nq; i++)
        for (int j = 0; j < nr; j++)
            Assert.Equal(VectorDistance.SquaredL2(qs.AsSpan(i * dim, dim), rows.AsSpan(j * dim, dim)), got[i * nr + j], 2);
    }

    [Fact]
    public void Every_functor_batch_form_equals_its_pair_form()
    {
        var rng = new Random(45);
        const int dim = 37, nr = 11, nq = 3;
        CheckFunctor<float, SquaredL2Distance>(TestData.Floats(rng, dim * nq, 1), TestData.Floats(rng, dim * nr, 1), dim);
        CheckFunctor<float, InnerProductDistance>(TestData.Floats(rng, dim * nq, 1), TestData.Floats(rng, dim * nr, 1), dim);
        CheckFunctor<float, CosineDistance>(TestData.Floats(rng, dim * nq, 1), TestData.Floats(rng, dim * nr, 1), dim);
        CheckFunctor<Half, SquaredL2Distance>(TestData.Halves(rng, dim * nq), TestData.Halves(rng, dim * nr), dim);
        CheckFunctor<Half, InnerProductDistance>(TestData.Halves(rng, dim * nq), TestData.Halves(rng, dim * nr), dim);
        CheckFunctor<Half, CosineDistance>(TestData.Halves(rng, dim * nq), TestData.Halves(rng, dim * nr), dim);
        CheckFunctor<BFloat16, SquaredL2Distance>(TestData.BFloats(rng, dim * nq, 1), TestData.BFloats(rng, dim * nr, 1), dim);
        CheckFunctor<BFloat16, InnerProductDistance>(TestData.BFloats(rng, dim * nq, 1), TestData.BFloats(rng, dim * nr, 1), dim);
        CheckFunctor<BFloat16, CosineDistance>(TestData.BFloats(rng, dim * nq, 1), TestData.BFloats(rng, dim * nr, 1), dim);
        CheckFunctor<sbyte, SquaredL2Distance>(TestData.SBytes(rng, dim * nq), TestData.SBytes(rng, dim * nr), dim);
        CheckFunctor<sbyte, InnerProductDistance>(TestData.SBytes(rng, dim * nq), TestData.SBytes(rng, dim * nr), dim);
        CheckFunctor<sbyte, CosineDistance>(TestData.SBytes(rng, dim * nq), TestData.SBytes(rng, dim * nr), dim);
        CheckFunctor<byte, SquaredL2Distance>(TestData.Bytes(rng, dim * nq), TestData.Bytes(rng, dim * nr), dim);
        CheckFunctor<byte, InnerProductDistance>(TestData.Bytes(rng, dim * nq), TestData.Bytes(rng, dim * nr), dim);
        CheckFunctor<byte, CosineDistance>(TestData.Bytes(rng, dim * nq), TestData.Bytes(rng, dim * nr), dim);
        CheckFunctor<ulong, HammingDistance>(TestData.Words(rng, 4 * nq), TestData.Words(rng, 4 * nr), 4);
        CheckFunctor<ulong, JaccardDistance>(TestData.Words(rng, 4 * nq), TestData.Words(rng, 4 * nr), 4);
    }

    [Fact]
    public void Batch_shape_errors_name_the_problem()
    {
        var q = new float[4];
        Assert.Contains("whole number of rows", Assert.Throws<ArgumentException>(() => VectorDistance.SquaredL2(q, new float[10], new float[3])).Message);
        Assert.Contains("distances span", Assert.Throws<ArgumentException>(() => VectorDistance.SquaredL2(q, new float[12], new float[2])).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => VectorDistance.SquaredL2(ReadOnlySpan<float>.Empty, new float[12], new float[2])).Message);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => VectorDistance.SquaredL2(q, new float[12], new[] { 0, 3 }, new float[2]));
        Assert.Contains("id", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorDistance.SquaredL2(q, new float[12], new[] { -1 }, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorDistance.SquaredL2(q, new float[12], 0, new float[3]));
        Assert.Contains("need", Assert.Throws<ArgumentException>(() => VectorDistance.SquaredL2(new float[8], new float[12], 4, new float[5])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SquaredL2Distance.ByIds(new Half[4], new Half[8], new[] { 2 }, new float[1]));
    }

    private static void CheckPair(ReadOnlySpan<float> q, ReadOnlySpan<float> row, float l2, float dot, int dim)
    {
        var a = ReferenceDistance.Widen(q);
        var b = ReferenceDistance.Widen(row);
        double magL2 = 0, magDot = 0;
        for (int i = 0; i < dim; i++) { double d = a[i] - b[i]; magL2 += d * d; magDot += Math.Abs(a[i] * b[i]); }
        Assert.True(Math.Abs(l2 - ReferenceDistance.SquaredL2(a, b)) <= TestData.Tolerance(dim, magL2), $"L2 dim={dim}: {l2} vs {ReferenceDistance.SquaredL2(a, b)}");
        Assert.True(Math.Abs(dot - ReferenceDistance.Dot(a, b)) <= TestData.Tolerance(dim, magDot), $"Dot dim={dim}: {dot} vs {ReferenceDistance.Dot(a, b)}");
    }

    private static void CheckFunctor<T, TD>(T[] queries, T[] rows, int dim) where T : unmanaged where TD : struct, IDistance<T>
    {
        int nq = queries.Length / dim, nr = rows.Length / dim;
        var q0 = queries.AsSpan(0, dim);
        var one = new float[nr];
        TD.OneToMany(q0, rows, one);
        var ids = new[] { nr - 1, 0, 2, 2 };
        var byIds = new float[ids.Length];
        TD.ByIds(q0, rows, ids, byIds);
        var all = new float[nq * nr];
        TD.ManyToMany(queries, rows, dim, all);
        for (int j = 0; j < nr; j++)
        {
            float want = TD.Distance(q0, rows.AsSpan(j * dim, dim));
            Assert.Equal(want, one[j], Math.Abs(want) * 1e-5 + 1e-5);
            Assert.Equal(want, all[j], Math.Abs(want) * 1e-5 + 1e-5);
        }
        for (int j = 0; j < ids.Length; j++)
        {
            float want = TD.Distance(q0, rows.AsSpan(ids[j] * dim, dim));
            Assert.Equal(want, byIds[j], Math.Abs(want) * 1e-5 + 1e-5);
        }
        for (int i = 1; i < nq; i++)
        for (int j = 0; j < nr; j++)
        {
            float want = TD.Distance(queries.AsSpan(i * dim, dim), rows.AsSpan(j * dim, dim));
            Assert.Equal(want, all[i * nr + j], Math.Abs(want) * 1e-5 + 1e-5);
        }
    }
}
