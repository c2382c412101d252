using System.Diagnostics;
using ILGPU.Runtime;
using Quiver.Kernel.Gpu;

namespace Quiver.Gpu;

/// <summary>
/// The device's memory bandwidth, measured once: a device-to-device copy of <c>bytes</c>, repeated, counting
/// bytes read plus bytes written (METHOD.md's ceiling). A batch of one against N rows must read N·dim·4
/// bytes at least once, so N·dim·4 / this rate is its floor ("read floor").
/// </summary>
internal static class Bandwidth
{
    public readonly record struct Result(double GbPerS, long Bytes, int Repeats, double Seconds);

    public static Result Measure(GpuDevice device, long bytes, int repeats = 10)
    {
        bytes = Math.Min(bytes, device.AvailableBytes / 4) / sizeof(float) * sizeof(float);
        long n = bytes / sizeof(float);
        using var source = device.Allocate<float>(n, "bandwidth source");
        using var target = device.Allocate<float>(n, "bandwidth target");
        var stream = device.ComputeStream;
        source.View.MemSetToZero(stream);
        source.View.CopyTo(stream, target.View);   // warm-up
        stream.Synchronize();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < repeats; i++) source.View.CopyTo(stream, target.View);
        stream.Synchronize();
        double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        return new Result(2.0 * bytes * repeats / s / 1e9, bytes, repeats, s);
    }
}
