using System.Runtime.Intrinsics;

namespace Quiver.Kernel.Tests;

public class SimdCapabilitiesTests
{
    /// <summary>The CI reruns with ISAs switched off; this proves each rerun really took the narrower path.</summary>
    [Fact]
    public void Best_path_follows_the_runtime_switches()
    {
        bool Off(string name) => Environment.GetEnvironmentVariable(name) == "0";
        var best = SimdCapabilities.Best;
        if (Off("DOTNET_EnableHWIntrinsic")) Assert.Equal(SimdPath.Scalar, best);
        else if (Off("DOTNET_EnableAVX2")) Assert.True(best <= SimdPath.V128, $"AVX2 off but {best} chosen");
        else if (Off("DOTNET_EnableAVX512")) Assert.True(best <= SimdPath.V256, $"AVX-512 off but {best} chosen");
        Assert.Equal(best == SimdPath.V512, Vector512.IsHardwareAccelerated);
        Assert.Equal(SimdPath.Scalar, SimdCapabilities.Accelerated[^1]);
        Assert.Equal(best, SimdCapabilities.Accelerated[0]);
    }
}
