using Quiver.Kernel.Gpu;

namespace Quiver.Gpu.Tests;

public sealed class GpuDeviceTests
{
    [Fact]
    public void Cpu_choice_opens_the_cpu_accelerator_with_a_budget()
    {
        using var d = GpuDevice.Open(AcceleratorChoice.Cpu, maxBytes: 64 << 20);
        Assert.False(d.IsCuda);
        Assert.False(string.IsNullOrEmpty(d.Name));
        Assert.Equal(64L << 20, d.MaxBytes);
        var e = Assert.Throws<GpuOutOfMemoryException>(() => d.Allocate<float>(32 << 20, "test"));
        Assert.Equal(128L << 20, e.NeededBytes);
        Assert.Contains("bytes needed", e.Message, StringComparison.Ordinal);
        using var ok = d.Allocate<float>(1024, "small");
        Assert.Equal(4096, d.UsedBytes);
    }

    [Fact]
    public void Cuda_choice_without_cuda_says_what_is_missing()
    {
        if (GpuDevice.CudaAvailable(out _)) return; // a CUDA machine opens it; nothing to check here
        var e = Assert.Throws<InvalidOperationException>(() => GpuDevice.Open(AcceleratorChoice.Cuda));
        Assert.Contains("CUDA was requested", e.Message, StringComparison.Ordinal);
        using var auto = GpuDevice.Open(AcceleratorChoice.Auto);
        Assert.False(auto.IsCuda);
    }
}
