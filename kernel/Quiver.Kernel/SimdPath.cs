using System.Runtime.Intrinsics;

namespace Quiver.Kernel;

/// <summary>
/// The instruction-set ladder every kernel is written for. <see cref="Best"/> is what the dispatching
/// entry points pick on this machine; the explicit values exist so tests and benchmarks can drive
/// each path directly (a wider path than the hardware has still runs, emulated, and stays correct).
/// </summary>
public enum SimdPath
{
    /// <summary>Plain loops, no vector types.</summary>
    Scalar = 0,
    /// <summary>128-bit vectors (SSE on x86, AdvSimd on Arm).</summary>
    V128 = 1,
    /// <summary>256-bit vectors (AVX2 + FMA on x86).</summary>
    V256 = 2,
    /// <summary>512-bit vectors (AVX-512 F/BW on x86).</summary>
    V512 = 3,
}

/// <summary>Which <see cref="SimdPath"/> this process uses, as decided by the JIT's view of the hardware.</summary>
public static class SimdCapabilities
{
    /// <summary>The widest accelerated path (honours DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0).</summary>
    public static SimdPath Best =>
        Vector512.IsHardwareAccelerated ? SimdPath.V512 :
        Vector256.IsHardwareAccelerated ? SimdPath.V256 :
        Vector128.IsHardwareAccelerated ? SimdPath.V128 : SimdPath.Scalar;

    /// <summary>Every path that is accelerated here, widest first, then <see cref="SimdPath.Scalar"/>.</summary>
    public static IReadOnlyList<SimdPath> Accelerated
    {
        get
        {
            var list = new List<SimdPath>(4);
            if (Vector512.IsHardwareAccelerated) list.Add(SimdPath.V512);
            if (Vector256.IsHardwareAccelerated) list.Add(SimdPath.V256);
            if (Vector128.IsHardwareAccelerated) list.Add(SimdPath.V128);
            list.Add(SimdPath.Scalar);
            return list;
        }
    }

    /// <summary>The name benchmark rows use for a path on x86: avx512, avx2, sse, scalar.</summary>
    public static string Name(SimdPath path) => path switch
    {
        SimdPath.V512 => "avx512",
        SimdPath.V256 => "avx2",
        SimdPath.V128 => "sse",
        _ => "scalar",
    };
}
