namespace Quiver.Kernel.Gpu;

/// <summary>Which ILGPU accelerator a <see cref="GpuDevice"/> runs on (configuration: "auto", "cuda", "cpu").</summary>
public enum AcceleratorChoice
{
    /// <summary>CUDA when a device and libcuda are present, else ILGPU's CPU accelerator.</summary>
    Auto,
    /// <summary>CUDA only: opening fails with a clear message when libcuda or a device is missing.</summary>
    Cuda,
    /// <summary>ILGPU's CPU accelerator (runs the same kernels on host threads; what CI tests use).</summary>
    Cpu,
}
