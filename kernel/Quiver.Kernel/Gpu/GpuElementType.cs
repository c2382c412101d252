namespace Quiver.Kernel.Gpu;

/// <summary>How rows are stored on the device; distances always accumulate in float32.</summary>
public enum GpuElementType
{
    Float32,
    /// <summary>IEEE binary16 (System.Half): half the bytes to stream, float32 accumulation.</summary>
    Float16,
}
