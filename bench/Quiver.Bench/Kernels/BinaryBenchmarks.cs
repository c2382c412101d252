using BenchmarkDotNet.Attributes;
using Quiver.Kernel;
using Quiver.Kernel.Distance;

namespace Quiver.Bench.Kernels;

/// <summary>Bit-packed vectors; Dim counts bits.</summary>
public class BinaryBenchmarks
{
    private ulong[] _a = [], _b = [];

    [ParamsSource(nameof(Dims))]
    public int Dim { get; set; }

    public static IEnumerable<int> Dims => KernelBench.BinaryDims;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(9);
        _a = new ulong[Dim / 64]; _b = new ulong[Dim / 64];
        for (int i = 0; i < _a.Length; i++) { _a[i] = (ulong)rng.NextInt64(); _b[i] = (ulong)rng.NextInt64(); }
    }

    [Benchmark, KernelRow("hamming", "bin", "pair", "avx512")] public int HammingV512() => VectorDistance.Hamming(_a, _b, SimdPath.V512);
    [Benchmark, KernelRow("hamming", "bin", "pair", "avx2")] public int HammingV256() => VectorDistance.Hamming(_a, _b, SimdPath.V256);
    [Benchmark, KernelRow("hamming", "bin", "pair", "scalar")] public int HammingScalar() => VectorDistance.Hamming(_a, _b, SimdPath.Scalar);
    [Benchmark, KernelRow("hamming", "bin", "pair", "dispatch")] public int HammingDispatch() => VectorDistance.Hamming(_a, _b);
    [Benchmark, KernelRow("jaccard", "bin", "pair", "avx512")] public float JaccardV512() => VectorDistance.Jaccard(_a, _b, SimdPath.V512);
    [Benchmark, KernelRow("jaccard", "bin", "pair", "scalar")] public float JaccardScalar() => VectorDistance.Jaccard(_a, _b, SimdPath.Scalar);
}
