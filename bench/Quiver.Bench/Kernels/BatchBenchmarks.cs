using BenchmarkDotNet.Attributes;
using Quiver.Kernel;
using Quiver.Kernel.Distance;

namespace Quiver.Bench.Kernels;

/// <summary>
/// The batch forms at index-like sizes: one query against 1000 rows (in L2/L3), against 64 rows picked
/// by id out of 60 000 (graph search), and 16 queries against 4096 rows (IVF list scan / brute force).
/// </summary>
public class BatchBenchmarks
{
    public const int Rows = 1000, IdPool = 60_000, Ids = 64, Queries = 16, BlockRows = 4096;

    private Aligned<float> _q = null!, _rows = null!, _pool = null!, _queries = null!, _block = null!, _out = null!;
    private int[] _ids = [];

    [ParamsSource(nameof(Dims))]
    public int Dim { get; set; }

    public static IEnumerable<int> Dims => KernelBench.BatchDims;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(8);
        Aligned<float> Fill(int n) { var v = new Aligned<float>(n); for (int i = 0; i < n; i++) v.Span[i] = (float)rng.NextDouble(); return v; }
        _q = Fill(Dim);
        _rows = Fill(Rows * Dim);
        _pool = Fill(IdPool * Dim);
        _queries = Fill(Queries * Dim);
        _block = Fill(BlockRows * Dim);
        _ids = new int[Ids];
        for (int i = 0; i < Ids; i++) _ids[i] = rng.Next(IdPool);
        _out = new Aligned<float>(Queries * BlockRows);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var d in new IDisposable[] { _q, _rows, _pool, _queries, _block, _out }) d.Dispose();
    }

    [Benchmark, KernelRow("l2", "f32", "one_to_many", "avx512")] public void L2OneToManyV512() => VectorDistance.SquaredL2(_q.Span, _rows.Span, _out.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "f32", "one_to_many", "avx2")] public void L2OneToManyV256() => VectorDistance.SquaredL2(_q.Span, _rows.Span, _out.Span, SimdPath.V256);
    [Benchmark, KernelRow("l2", "f32", "one_to_many", "scalar")] public void L2OneToManyScalar() => VectorDistance.SquaredL2(_q.Span, _rows.Span, _out.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "f32", "one_to_many", "avx512")] public void IpOneToManyV512() => VectorDistance.Dot(_q.Span, _rows.Span, _out.Span, SimdPath.V512);

    [Benchmark, KernelRow("l2", "f32", "by_ids", "avx512")] public void L2ByIdsV512() => VectorDistance.SquaredL2(_q.Span, _pool.Span, _ids, _out.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "f32", "by_ids", "scalar")] public void L2ByIdsScalar() => VectorDistance.SquaredL2(_q.Span, _pool.Span, _ids, _out.Span, SimdPath.Scalar);

    [Benchmark, KernelRow("l2", "f32", "many_to_many", "avx512")] public void L2ManyV512() => VectorDistance.SquaredL2(_queries.Span, _block.Span, Dim, _out.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "f32", "many_to_many", "avx2")] public void L2ManyV256() => VectorDistance.SquaredL2(_queries.Span, _block.Span, Dim, _out.Span, SimdPath.V256);
    [Benchmark, KernelRow("l2", "f32", "many_to_many", "scalar")] public void L2ManyScalar() => VectorDistance.SquaredL2(_queries.Span, _block.Span, Dim, _out.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "f32", "many_to_many", "avx512")] public void IpManyV512() => VectorDistance.Dot(_queries.Span, _block.Span, Dim, _out.Span, SimdPath.V512);
}
