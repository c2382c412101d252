using System.Runtime.InteropServices;

namespace Quiver.Bench.Kernels;

/// <summary>
/// 64-byte aligned native arrays for the kernel benchmarks. A 512-bit load that straddles two cache
/// lines costs two L1 accesses, which on this machine halved the speed of every kernel (ours and
/// TensorPrimitives alike); Quiver's indexes store rows 64-byte aligned, so that is what is measured.
/// </summary>
internal sealed unsafe class Aligned<T> : IDisposable where T : unmanaged
{
    private void* _p;

    public Aligned(int length)
    {
        Length = length;
        _p = NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * (nuint)sizeof(T), 64);
        NativeMemory.Clear(_p, (nuint)length * (nuint)sizeof(T));
    }

    public int Length { get; }

    // SAFETY: _p holds Length elements until Dispose, and benchmarks use spans only between setup and cleanup.
    public Span<T> Span => new(_p, Length);

    public void Dispose()
    {
        NativeMemory.AlignedFree(_p);
        _p = null;
    }
}
