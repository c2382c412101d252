using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Quiver.Kernel;
using Quiver.Kernel.Distance;

namespace Quiver.Bench.Kernels;

/// <summary>
/// Streaming from memory: one query against 256 MB of float32 rows (d = 128, 524 288 rows), beside the
/// machine's single-core read bandwidth over the same buffer, the limit such a scan can approach.
/// </summary>
public class ScanBenchmarks
{
    public const long Bytes = 256L << 20;
    public const int Dim = 128;
    public const int RowCount = (int)(Bytes / (Dim * sizeof(float)));

    private Aligned<float> _rows = null!, _q = null!, _out = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(10);
        _rows = new Aligned<float>((int)(Bytes / sizeof(float)));
        var rows = _rows.Span;
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)rng.NextDouble();
        _q = new Aligned<float>(Dim);
        for (int i = 0; i < Dim; i++) _q.Span[i] = (float)rng.NextDouble();
        _out = new Aligned<float>(RowCount);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rows.Dispose();
        _q.Dispose();
        _out.Dispose();
    }

    [Benchmark, KernelRow("l2", "f32", "one_to_many", "avx512")] public void L2Scan() => VectorDistance.SquaredL2(_q.Span, _rows.Span, _out.Span, SimdPath.V512);
    [Benchmark, KernelRow("ip", "f32", "one_to_many", "avx512")] public void IpScan() => VectorDistance.Dot(_q.Span, _rows.Span, _out.Span, SimdPath.V512);

    /// <summary>Reads every byte once with 512-bit loads into eight independent integer accumulators.</summary>
    [Benchmark, KernelRow("read", "f32", "stream", "avx512")]
    public ulong Read()
    {
        ReadOnlySpan<ulong> w = MemoryMarshal.Cast<float, ulong>(_rows.Span);
        ref ulong p = ref MemoryMarshal.GetReference(w);
        Vector512<ulong> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint n = (nuint)w.Length;
        for (nuint i = 0; i + 32 <= n; i += 32)
        {
            a0 ^= Vector512.LoadUnsafe(ref p, i);
            a1 ^= Vector512.LoadUnsafe(ref p, i + 8);
            a2 ^= Vector512.LoadUnsafe(ref p, i + 16);
            a3 ^= Vector512.LoadUnsafe(ref p, i + 24);
        }
        return Vector512.Sum((a0 ^ a1) ^ (a2 ^ a3));
    }
}
