using Quiver.Gpu.Conformance;
using Quiver.Kernel.Gpu;

namespace Quiver.Gpu.Tests;

/// <summary>
/// Every GPU conformance case, run on one accelerator. Concrete classes pick the accelerator: the CPU
/// accelerator always (CI), CUDA where a device exists.
/// </summary>
public abstract class GpuConformanceTests
{
    /// <summary>The device the cases run on (shared by the class's cases; kernels compile once per device).</summary>
    protected abstract GpuDevice Device { get; }

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in GpuConformance.Cases) data.Add(c.Name);
        return data;
    }

    protected void Run(string name) => GpuConformance.Get(name).Run(Device);
}

/// <summary>Opens one device per test class and disposes it after the class's cases.</summary>
public abstract class DeviceFixture : IDisposable
{
    private readonly Lazy<GpuDevice> _device;

    protected DeviceFixture(AcceleratorChoice choice) => _device = new Lazy<GpuDevice>(() => GpuDevice.Open(choice));

    public GpuDevice Device => _device.Value;

    public void Dispose()
    {
        if (_device.IsValueCreated) _device.Value.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class CpuDeviceFixture() : DeviceFixture(AcceleratorChoice.Cpu);

public sealed class CudaDeviceFixture() : DeviceFixture(AcceleratorChoice.Cuda);

/// <summary>The cases on ILGPU's CPU accelerator: always run.</summary>
public sealed class CpuAcceleratorGpuTests(CpuDeviceFixture fixture) : GpuConformanceTests, IClassFixture<CpuDeviceFixture>
{
    protected override GpuDevice Device => fixture.Device;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Case(string name) => Run(name);
}

/// <summary>The cases on CUDA: skipped, with the reason, where no CUDA device exists.</summary>
public sealed class CudaGpuTests(CudaDeviceFixture fixture) : GpuConformanceTests, IClassFixture<CudaDeviceFixture>
{
    protected override GpuDevice Device => fixture.Device;

    [CudaTheory]
    [MemberData(nameof(CaseNames))]
    public void Case(string name) => Run(name);
}

/// <summary>A theory that is skipped when no CUDA device can be opened here.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    private static readonly Lazy<string?> s_skip = new(() => GpuDevice.CudaAvailable(out _) ? null : "no CUDA device on this machine");

    public CudaTheoryAttribute()
    {
        if (s_skip.Value is { } reason) Skip = reason;
    }
}
