using BenchmarkDotNet.Attributes;
using Quiver.Kernel;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Quiver.Bench.Kernels;

/// <summary>One pair of vectors in L1: the latency-and-throughput cost of a single distance, per path.</summary>
public class PairBenchmarks
{
    private float[] _fa = [], _fb = [];
    private Half[] _ha = [], _hb = [];
    private BFloat16[] _ba = [], _bb = [];
    private sbyte[] _ia = [], _ib = [];
    private byte[] _ua = [], _ub = [];

    [ParamsSource(nameof(Dims))]
    public int Dim { get; set; }

    public static IEnumerable<int> Dims => KernelBench.PairDims;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        _fa = new float[Dim]; _fb = new float[Dim];
        _ha = new Half[Dim]; _hb = new Half[Dim];
        _ba = new BFloat16[Dim]; _bb = new BFloat16[Dim];
        _ia = new sbyte[Dim]; _ib = new sbyte[Dim];
        _ua = new byte[Dim]; _ub = new byte[Dim];
        for (int i = 0; i < Dim; i++)
        {
            _fa[i] = (float)rng.NextDouble(); _fb[i] = (float)rng.NextDouble();
            _ha[i] = (Half)_fa[i]; _hb[i] = (Half)_fb[i];
            _ba[i] = (BFloat16)_fa[i]; _bb[i] = (BFloat16)_fb[i];
            _ia[i] = (sbyte)rng.Next(-128, 128); _ib[i] = (sbyte)rng.Next(-128, 128);
            _ua[i] = (byte)rng.Next(256); _ub[i] = (byte)rng.Next(256);
        }
    }

    [Benchmark, KernelRow("l2", "f32", "pair", "avx512")] public float L2F32V512() => VectorDistance.SquaredL2(_fa, _fb, SimdPath.V512);
    [Benchmark, KernelRow("l2", "f32", "pair", "avx2")] public float L2F32V256() => VectorDistance.SquaredL2(_fa, _fb, SimdPath.V256);
    [Benchmark, KernelRow("l2", "f32", "pair", "sse")] public float L2F32V128() => VectorDistance.SquaredL2(_fa, _fb, SimdPath.V128);
    [Benchmark, KernelRow("l2", "f32", "pair", "scalar")] public float L2F32Scalar() => VectorDistance.SquaredL2(_fa, _fb, SimdPath.Scalar);
    [Benchmark, KernelRow("l2", "f32", "pair", "dispatch")] public float L2F32Dispatch() => VectorDistance.SquaredL2(_fa, _fb);
    [Benchmark, KernelRow("l2", "f32", "pair", "tensorprimitives")] public float L2F32Tp() => TP.Distance<float>(_fa, _fb);

    [Benchmark, KernelRow("ip", "f32", "pair", "avx512")] public float IpF32V512() => VectorDistance.Dot(_fa, _fb, SimdPath.V512);
    [Benchmark, KernelRow("ip", "f32", "pair", "avx2")] public float IpF32V256() => VectorDistance.Dot(_fa, _fb, SimdPath.V256);
    [Benchmark, KernelRow("ip", "f32", "pair", "sse")] public float IpF32V128() => VectorDistance.Dot(_fa, _fb, SimdPath.V128);
    [Benchmark, KernelRow("ip", "f32", "pair", "scalar")] public float IpF32Scalar() => VectorDistance.Dot(_fa, _fb, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "f32", "pair", "tensorprimitives")] public float IpF32Tp() => TP.Dot<float>(_fa, _fb);

    [Benchmark, KernelRow("cosine", "f32", "pair", "avx512")] public float CosF32V512() => VectorDistance.CosineSimilarity(_fa, _fb, SimdPath.V512);
    [Benchmark, KernelRow("cosine", "f32", "pair", "avx2")] public float CosF32V256() => VectorDistance.CosineSimilarity(_fa, _fb, SimdPath.V256);
    [Benchmark, KernelRow("cosine", "f32", "pair", "sse")] public float CosF32V128() => VectorDistance.CosineSimilarity(_fa, _fb, SimdPath.V128);
    [Benchmark, KernelRow("cosine", "f32", "pair", "scalar")] public float CosF32Scalar() => VectorDistance.CosineSimilarity(_fa, _fb, SimdPath.Scalar);
    [Benchmark, KernelRow("cosine", "f32", "pair", "tensorprimitives")] public float CosF32Tp() => TP.CosineSimilarity<float>(_fa, _fb);

    [Benchmark, KernelRow("l2", "f16", "pair", "avx512")] public float L2F16V512() => VectorDistance.SquaredL2(_ha, _hb, SimdPath.V512);
    [Benchmark, KernelRow("l2", "f16", "pair", "avx2")] public float L2F16V256() => VectorDistance.SquaredL2(_ha, _hb, SimdPath.V256);
    [Benchmark, KernelRow("l2", "f16", "pair", "sse")] public float L2F16V128() => VectorDistance.SquaredL2(_ha, _hb, SimdPath.V128);
    [Benchmark, KernelRow("l2", "f16", "pair", "scalar")] public float L2F16Scalar() => VectorDistance.SquaredL2(_ha, _hb, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "f16", "pair", "avx512")] public float IpF16V512() => VectorDistance.Dot(_ha, _hb, SimdPath.V512);
    [Benchmark, KernelRow("ip", "f16", "pair", "tensorprimitives")] public Half IpF16Tp() => TP.Dot<Half>(_ha, _hb);

    [Benchmark, KernelRow("l2", "bf16", "pair", "avx512")] public float L2Bf16V512() => VectorDistance.SquaredL2(_ba, _bb, SimdPath.V512);
    [Benchmark, KernelRow("l2", "bf16", "pair", "avx2")] public float L2Bf16V256() => VectorDistance.SquaredL2(_ba, _bb, SimdPath.V256);
    [Benchmark, KernelRow("l2", "bf16", "pair", "sse")] public float L2Bf16V128() => VectorDistance.SquaredL2(_ba, _bb, SimdPath.V128);
    [Benchmark, KernelRow("l2", "bf16", "pair", "scalar")] public float L2Bf16Scalar() => VectorDistance.SquaredL2(_ba, _bb, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "bf16", "pair", "avx512")] public float IpBf16V512() => VectorDistance.Dot(_ba, _bb, SimdPath.V512);

    [Benchmark, KernelRow("l2", "i8", "pair", "avx512")] public int L2I8V512() => VectorDistance.SquaredL2(_ia, _ib, SimdPath.V512);
    [Benchmark, KernelRow("l2", "i8", "pair", "avx2")] public int L2I8V256() => VectorDistance.SquaredL2(_ia, _ib, SimdPath.V256);
    [Benchmark, KernelRow("l2", "i8", "pair", "sse")] public int L2I8V128() => VectorDistance.SquaredL2(_ia, _ib, SimdPath.V128);
    [Benchmark, KernelRow("l2", "i8", "pair", "scalar")] public int L2I8Scalar() => VectorDistance.SquaredL2(_ia, _ib, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "i8", "pair", "avx512")] public int IpI8V512() => VectorDistance.Dot(_ia, _ib, SimdPath.V512);
    [Benchmark, KernelRow("ip", "i8", "pair", "avx2")] public int IpI8V256() => VectorDistance.Dot(_ia, _ib, SimdPath.V256);
    [Benchmark, KernelRow("ip", "i8", "pair", "scalar")] public int IpI8Scalar() => VectorDistance.Dot(_ia, _ib, SimdPath.Scalar);

    [Benchmark, KernelRow("l2", "u8", "pair", "avx512")] public int L2U8V512() => VectorDistance.SquaredL2(_ua, _ub, SimdPath.V512);
    [Benchmark, KernelRow("l2", "u8", "pair", "avx2")] public int L2U8V256() => VectorDistance.SquaredL2(_ua, _ub, SimdPath.V256);
    [Benchmark, KernelRow("l2", "u8", "pair", "scalar")] public int L2U8Scalar() => VectorDistance.SquaredL2(_ua, _ub, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "u8", "pair", "avx512")] public int IpU8V512() => VectorDistance.Dot(_ua, _ub, SimdPath.V512);
}
