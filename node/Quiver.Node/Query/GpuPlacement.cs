namespace Quiver.Node.Query;

/// <summary>Where a query node searches sealed segments' FLAT / IVF_FLAT / GPU_* indexes (<c>queryNode.gpu.accelerator</c>).</summary>
public enum GpuPlacement
{
    /// <summary>On the CPU: GPU_BRUTE_FORCE and GPU_IVF_FLAT indexes are served by their CPU twins (FLAT, IVF_FLAT).</summary>
    Off,
    /// <summary>On a CUDA GPU when one is found; otherwise said once, and the CPU serves.</summary>
    Auto,
    /// <summary>On a CUDA GPU; when none is found the log says so (as a warning) once, and the CPU serves.</summary>
    Cuda,
    /// <summary>On ILGPU's CPU accelerator: the GPU code path without a GPU, for tests and development (slow).</summary>
    CpuAccelerator,
}
