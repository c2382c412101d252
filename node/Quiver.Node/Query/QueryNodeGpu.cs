using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Index.Gpu;
using Quiver.Index.Ivf;
using Quiver.Kernel.Gpu;

namespace Quiver.Node.Query;

/// <summary>
/// The query node's GPU: decides, per sealed segment index, whether it is searched on the GPU, and moves it there.
/// With a GPU (or the CPU accelerator when asked for), FLAT and GPU_BRUTE_FORCE load as <see cref="GpuBruteForceIndex"/>
/// and IVF_FLAT and GPU_IVF_FLAT as <see cref="GpuIvfFlatIndex"/> (same trained quantizer and lists, no retraining);
/// other families stay on the CPU. Without one, GPU_* indexes are served by their CPU twins, which the data node builds
/// and saves in the CPU formats anyway. The device is opened at the first index that wants it and lives until the
/// engine closes; an index that does not fit the device's memory budget stays on the CPU (logged).
/// </summary>
public sealed class QueryNodeGpu(GpuPlacement placement, long? maxBytes, Action<string>? log) : IDisposable
{
    private readonly Lock _gate = new();
    private GpuDevice? _device;
    private bool _resolved;
    private bool _saidCpuTwins;

    /// <summary>The device in use, once one was opened.</summary>
    public GpuDevice? Device => _device;

    /// <summary>
    /// <paramref name="index"/> (built or loaded on the CPU for an index of type <paramref name="indexType"/>) where it is
    /// to be searched: its GPU twin (the CPU index is then disposed), or itself.
    /// </summary>
    public IVectorIndex Place(IVectorIndex index, string indexType)
    {
        bool gpuType = indexType.StartsWith("GPU_", StringComparison.OrdinalIgnoreCase);
        bool twin = index is FlatIndex || index is IvfIndex { Kind: IndexKind.IvfFlat };
        if (!twin) return index;
        if (placement == GpuPlacement.Off)
        {
            if (gpuType) SayOnce(ref _saidCpuTwins, $"{indexType.ToUpperInvariant()} indexes are searched on the CPU (by their {CpuTwin(indexType)} twins): the query node has no GPU configured (queryNode.gpu.accelerator = off)");
            return index;
        }
        var device = OpenDevice();
        if (device is null) return index;
        try
        {
            IVectorIndex placed = index switch
            {
                FlatIndex flat => GpuBruteForceIndex.FromFlat(device, flat),
                IvfIndex ivf => GpuIvfFlatIndex.FromIvf(device, ivf),
                _ => index,
            };
            if (!ReferenceEquals(placed, index)) index.Dispose();
            return placed;
        }
        catch (GpuOutOfMemoryException e)
        {
            log?.Invoke($"query node GPU: a {indexType} index stays on the CPU: {e.Message}");
            return index;
        }
    }

    private static string CpuTwin(string indexType) => indexType.ToUpperInvariant() == "GPU_IVF_FLAT" ? "IVF_FLAT" : "FLAT";

    private GpuDevice? OpenDevice()
    {
        lock (_gate)
        {
            if (_resolved) return _device;
            _resolved = true;
            string level = placement == GpuPlacement.Cuda ? "warning: " : "";
            try
            {
                if (placement == GpuPlacement.CpuAccelerator)
                {
                    _device = GpuDevice.Open(AcceleratorChoice.Cpu, maxBytes);
                }
                else if (GpuDevice.CudaAvailable(out string reason))
                {
                    _device = GpuDevice.Open(AcceleratorChoice.Cuda, maxBytes);
                }
                else
                {
                    log?.Invoke($"{level}query node GPU: no CUDA device ({reason}); FLAT, IVF_FLAT and GPU_* indexes are searched on the CPU");
                    return null;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A driver that is there but will not start (or a kernel that will not compile) must not stop the node.
                log?.Invoke($"{level}query node GPU: the device could not be opened ({e.GetType().Name}: {e.Message}); FLAT, IVF_FLAT and GPU_* indexes are searched on the CPU");
                return null;
            }
            log?.Invoke($"query node GPU: {_device.Name}, budget {_device.MaxBytes >> 20} MiB; FLAT / IVF_FLAT / GPU_* indexes of sealed segments are searched there");
            return _device;
        }
    }

    private void SayOnce(ref bool said, string message)
    {
        lock (_gate)
        {
            if (said) return;
            said = true;
        }
        log?.Invoke(message);
    }

    /// <summary>Closes the device; every index placed on it must be disposed first.</summary>
    public void Dispose()
    {
        lock (_gate) _device?.Dispose();
    }
}
