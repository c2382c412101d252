using ILGPU;
using ILGPU.Runtime;

namespace Quiver.Kernel.Gpu;

/// <summary>
/// One device allocation counted against its <see cref="GpuDevice"/>'s budget; disposing frees it and
/// returns its bytes to the budget. Created only through <see cref="GpuDevice.Allocate{T}"/>.
/// </summary>
public sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly GpuDevice _device;
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    internal DeviceBuffer(GpuDevice device, MemoryBuffer1D<T, Stride1D.Dense> buffer, long bytes)
    {
        _device = device;
        _buffer = buffer;
        Bytes = bytes;
    }

    /// <summary>Elements in the buffer.</summary>
    public long Length => _buffer?.Length ?? 0;

    /// <summary>Bytes counted against the budget.</summary>
    public long Bytes { get; }

    /// <summary>The whole buffer as a kernel argument.</summary>
    public ArrayView<T> View => (_buffer ?? throw new ObjectDisposedException(nameof(DeviceBuffer<T>))).View;

    public void Dispose()
    {
        var b = Interlocked.Exchange(ref _buffer, null);
        if (b is null) return;
        b.Dispose();
        _device.Release(Bytes);
    }
}
