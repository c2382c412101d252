using BenchmarkDotNet.Attributes;
using Quiver.Kernel;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Quiver.Bench.Kernels;

/// <summary>One pair of vectors in L1: the latency-and-throughput cost of a single distance, per path.</summary>
public class PairBenchmarks
{
    private Aligned<float> _fa = null!, _fb = null!;
    private Aligned<Half> _ha = null!, _hb = null!;
    private Aligned<BFloat16> _ba = null!, _bb = null!;
    private Aligned<sbyte> _ia = null!, _ib = null!;
    private Aligned<byte> _ua = null!, _ub = null!;

    [ParamsSource(nameof(Dims))]
    public int Dim { get; set; }

    public static IEnumerable<int> Dims => KernelBench.PairDims;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        _fa = new(Dim); _fb = new(Dim);
        _ha = new(Dim); _hb = new(Dim);
        _ba = new(Dim); _bb = new(Dim);
        _ia = new(Dim); _ib = new(Dim);
        _ua = new(Dim); _ub = new(Dim);
        for (int i = 0; i < Dim; i++)
        {
            float x = (float)rng.NextDouble(), y = (float)rng.NextDouble();
            _fa.Span[i] = x; _fb.Span[i] = y;
            _ha.Span[i] = (Half)x; _hb.Span[i] = (Half)y;
            _ba.Span[i] = (BFloat16)x; _bb.Span[i] = (BFloat16)y;
            _ia.Span[i] = (sbyte)rng.Next(-128, 128); _ib.Span[i] = (sbyte)rng.Next(-128, 128);
            _ua.Span[i] = (byte)rng.Next(256); _ub.Span[i] = (byte)rng.Next(256);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var d in new IDisposable[] { _fa, _fb, _ha, _hb, _ba, _bb, _ia, _ib, _ua, _ub }) d.Dispose();
    }

    [Benchmark, KernelRow("l2", "f32", "pair", "avx512")] public float L2F32V512() => VectorDistance.SquaredL2(_fa.Span, _fb.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "f32", "pair", "avx2")] public float L2F32V256() => VectorDistance.SquaredL2(_fa.Span, _fb.Span, SimdPath.V256);
    [Benchmark, KernelRow("l2", "f32", "pair", "sse")] public float L2F32V128() => VectorDistance.SquaredL2(_fa.Span, _fb.Span, SimdPath.V128);
    [Benchmark, KernelRow("l2", "f32", "pair", "scalar")] public float L2F32Scalar() => VectorDistance.SquaredL2(_fa.Span, _fb.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("l2", "f32", "pair", "dispatch")] public float L2F32Dispatch() => VectorDistance.SquaredL2(_fa.Span, _fb.Span);
    [Benchmark, KernelRow("l2", "f32", "pair", "tensorprimitives")] public float L2F32Tp() => TP.Distance<float>(_fa.Span, _fb.Span);

    [Benchmark, KernelRow("ip", "f32", "pair", "avx512")] public float IpF32V512() => VectorDistance.Dot(_fa.Span, _fb.Span, SimdPath.V512);
    [Benchmark, KernelRow("ip", "f32", "pair", "avx2")] public float IpF32V256() => VectorDistance.Dot(_fa.Span, _fb.Span, SimdPath.V256);
    [Benchmark, KernelRow("ip", "f32", "pair", "sse")] public float IpF32V128() => VectorDistance.Dot(_fa.Span, _fb.Span, SimdPath.V128);
    [Benchmark, KernelRow("ip", "f32", "pair", "scalar")] public float IpF32Scalar() => VectorDistance.Dot(_fa.Span, _fb.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "f32", "pair", "tensorprimitives")] public float IpF32Tp() => TP.Dot<float>(_fa.Span, _fb.Span);

    [Benchmark, KernelRow("cosine", "f32", "pair", "avx512")] public float CosF32V512() => VectorDistance.CosineSimilarity(_fa.Span, _fb.Span, SimdPath.V512);
    [Benchmark, KernelRow("cosine", "f32", "pair", "avx2")] public float CosF32V256() => VectorDistance.CosineSimilarity(_fa.Span, _fb.Span, SimdPath.V256);
    [Benchmark, KernelRow("cosine", "f32", "pair", "sse")] public float CosF32V128() => VectorDistance.CosineSimilarity(_fa.Span, _fb.Span, SimdPath.V128);
    [Benchmark, KernelRow("cosine", "f32", "pair", "scalar")] public float CosF32Scalar() => VectorDistance.CosineSimilarity(_fa.Span, _fb.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("cosine", "f32", "pair", "tensorprimitives")] public float CosF32Tp() => TP.CosineSimilarity<float>(_fa.Span, _fb.Span);

    [Benchmark, KernelRow("l2", "f16", "pair", "avx512")] public float L2F16V512() => VectorDistance.SquaredL2(_ha.Span, _hb.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "f16", "pair", "avx2")] public float L2F16V256() => VectorDistance.SquaredL2(_ha.Span, _hb.Span, SimdPath.V256);
    [Benchmark, KernelRow("l2", "f16", "pair", "sse")] public float L2F16V128() => VectorDistance.SquaredL2(_ha.Span, _hb.Span, SimdPath.V128);
    [Benchmark, KernelRow("l2", "f16", "pair", "scalar")] public float L2F16Scalar() => VectorDistance.SquaredL2(_ha.Span, _hb.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "f16", "pair", "avx512")] public float IpF16V512() => VectorDistance.Dot(_ha.Span, _hb.Span, SimdPath.V512);
    [Benchmark, KernelRow("ip", "f16", "pair", "tensorprimitives")] public Half IpF16Tp() => TP.Dot<Half>(_ha.Span, _hb.Span);

    [Benchmark, KernelRow("l2", "bf16", "pair", "avx512")] public float L2Bf16V512() => VectorDistance.SquaredL2(_ba.Span, _bb.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "bf16", "pair", "avx2")] public float L2Bf16V256() => VectorDistance.SquaredL2(_ba.Span, _bb.Span, SimdPath.V256);
    [Benchmark, KernelRow("l2", "bf16", "pair", "sse")] public float L2Bf16V128() => VectorDistance.SquaredL2(_ba.Span, _bb.Span, SimdPath.V128);
    [Benchmark, KernelRow("l2", "bf16", "pair", "scalar")] public float L2Bf16Scalar() => VectorDistance.SquaredL2(_ba.Span, _bb.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "bf16", "pair", "avx512")] public float IpBf16V512() => VectorDistance.Dot(_ba.Span, _bb.Span, SimdPath.V512);

    [Benchmark, KernelRow("l2", "i8", "pair", "avx512")] public int L2I8V512() => VectorDistance.SquaredL2(_ia.Span, _ib.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "i8", "pair", "avx2")] public int L2I8V256() => VectorDistance.SquaredL2(_ia.Span, _ib.Span, SimdPath.V256);
    [Benchmark, KernelRow("l2", "i8", "pair", "sse")] public int L2I8V128() => VectorDistance.SquaredL2(_ia.Span, _ib.Span, SimdPath.V128);
    [Benchmark, KernelRow("l2", "i8", "pair", "scalar")] public int L2I8Scalar() => VectorDistance.SquaredL2(_ia.Span, _ib.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "i8", "pair", "avx512")] public int IpI8V512() => VectorDistance.Dot(_ia.Span, _ib.Span, SimdPath.V512);
    [Benchmark, KernelRow("ip", "i8", "pair", "avx2")] public int IpI8V256() => VectorDistance.Dot(_ia.Span, _ib.Span, SimdPath.V256);
    [Benchmark, KernelRow("ip", "i8", "pair", "scalar")] public int IpI8Scalar() => VectorDistance.Dot(_ia.Span, _ib.Span, SimdPath.Scalar);

    [Benchmark, KernelRow("l2", "u8", "pair", "avx512")] public int L2U8V512() => VectorDistance.SquaredL2(_ua.Span, _ub.Span, SimdPath.V512);
    [Benchmark, KernelRow("l2", "u8", "pair", "avx2")] public int L2U8V256() => VectorDistance.SquaredL2(_ua.Span, _ub.Span, SimdPath.V256);
    [Benchmark, KernelRow("l2", "u8", "pair", "scalar")] public int L2U8Scalar() => VectorDistance.SquaredL2(_ua.Span, _ub.Span, SimdPath.Scalar);
    [Benchmark, KernelRow("ip", "u8", "pair", "avx512")] public int IpU8V512() => VectorDistance.Dot(_ua.Span, _ub.Span, SimdPath.V512);
}
