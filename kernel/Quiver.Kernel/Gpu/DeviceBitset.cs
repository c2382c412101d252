using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using Quiver.Kernel.Bits;

namespace Quiver.Kernel.Gpu;

/// <summary>
/// A bitset resident on the device (uint words; bit i is bit i % 32 of word i / 32, the same bytes as
/// <see cref="Bitset"/>'s ulong words on a little-endian host) with a host mirror. Used for deleted rows:
/// <see cref="Set"/> updates the mirror and uploads the one word it changed, so device and host stay in
/// sync without re-uploading the set.
/// </summary>
public sealed class DeviceBitset : IDisposable
{
    private readonly GpuDevice _device;
    private DeviceBuffer<uint> _words;
    private Bitset _host;

    public DeviceBitset(GpuDevice device, int length = 0)
    {
        _device = device;
        _host = new Bitset(length);
        _words = device.Allocate<uint>(Math.Max(2, _host.Words.Length * 2), "bitset");
        _words.View.MemSetToZero(device.ComputeStream);
        device.ComputeStream.Synchronize();
    }

    /// <summary>Bits in the set.</summary>
    public int Length => _host.Length;

    /// <summary>Bits set.</summary>
    public int SetCount { get; private set; }

    /// <summary>The host mirror (read-only use).</summary>
    public Bitset Host => _host;

    internal ArrayView<uint> View => _words.View;

    /// <summary>Device bytes held.</summary>
    public long MemoryBytes => _words.Bytes;

    public bool Test(int index) => index < _host.Length && _host.Test(index);

    /// <summary>Sets bit <paramref name="index"/> (growing the set when needed); false if it was set already.</summary>
    public bool Set(int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "index must be ≥ 0.");
        if (index >= _host.Length) Grow(Math.Max(index + 1, _host.Length * 2));
        if (_host.Test(index)) return false;
        _host.Set(index);
        SetCount++;
        int w = index >> 5;
        uint word = MemoryMarshal.Cast<ulong, uint>(_host.Words)[w];
        _words.View.SubView(w, 1).CopyFromCPU(_device.ComputeStream, new ReadOnlySpan<uint>(in word));
        _device.ComputeStream.Synchronize();
        return true;
    }

    /// <summary>Grows to <paramref name="length"/> bits (new bits clear).</summary>
    public void Grow(int length)
    {
        if (length <= _host.Length) return;
        var next = new Bitset(length);
        _host.Words.CopyTo(next.Words);
        Load(next);
    }

    /// <summary>Replaces the set with <paramref name="bits"/> (copied) and uploads it.</summary>
    public void Load(Bitset bits)
    {
        var copy = new Bitset(bits.Length);
        bits.Words.CopyTo(copy.Words);
        var words = MemoryMarshal.Cast<ulong, uint>(copy.Words);
        if (_words.Length < words.Length)
        {
            var grown = _device.Allocate<uint>(Math.Max(words.Length, 2), "bitset");
            _words.Dispose();
            _words = grown;
        }
        _words.View.MemSetToZero(_device.ComputeStream);
        if (words.Length > 0) _words.View.SubView(0, words.Length).CopyFromCPU(_device.ComputeStream, (ReadOnlySpan<uint>)words);
        _device.ComputeStream.Synchronize();
        _host = copy;
        SetCount = (int)copy.PopCount();
    }

    public void Dispose() => _words.Dispose();
}
