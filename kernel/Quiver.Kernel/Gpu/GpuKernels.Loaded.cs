using ILGPU;
using ILGPU.Runtime;

namespace Quiver.Kernel.Gpu;

/// <summary>The compiled kernels of one accelerator, each loaded (compiled) on first use and then reused.</summary>
internal sealed partial class GpuKernels(Accelerator accelerator)
{
    public delegate void DistanceKernel(AcceleratorStream s, KernelConfig c, ArrayView<float> q, ArrayView<float> qn, ArrayView<float> x, ArrayView<float> xn, ArrayView<float> o, DistanceArgs a);

    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, long, int, int>? _norms32;
    private Action<AcceleratorStream, Index1D, ArrayView<ushort>, ArrayView<float>, long, int, int>? _norms16;
    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, DistanceArgs>? _tile32, _few32;
    private Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, DistanceArgs>? _tile16, _few16;
    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, SelectArgs>? _select;
    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ScanArgs>? _scan32;
    private Action<AcceleratorStream, Index1D, ArrayView<uint>, ArrayView<uint>, ArrayView<uint>, int>? _combine;
    private Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>>? _fill;

    private readonly object _lock = new();

    private TDelegate Get<TDelegate>(ref TDelegate? slot, Func<TDelegate> load) where TDelegate : class
    {
        if (slot is { } loaded) return loaded;
        lock (_lock) return slot ??= load();
    }

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, long, int, int> Norms32 =>
        Get(ref _norms32, () => accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, long, int, int>(Norms<float, Float32Reader>));

    public Action<AcceleratorStream, Index1D, ArrayView<ushort>, ArrayView<float>, long, int, int> Norms16 =>
        Get(ref _norms16, () => accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<ushort>, ArrayView<float>, long, int, int>(Norms<ushort, Float16Reader>));

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, DistanceArgs> Tile32 =>
        Get(ref _tile32, () => accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, DistanceArgs>(DistanceTile<float, Float32Reader>));

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, DistanceArgs> Few32 =>
        Get(ref _few32, () => accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, DistanceArgs>(DistanceFew<float, Float32Reader>));

    public Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, DistanceArgs> Tile16 =>
        Get(ref _tile16, () => accelerator.LoadKernel<ArrayView<ushort>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, DistanceArgs>(DistanceTile<ushort, Float16Reader>));

    public Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, DistanceArgs> Few16 =>
        Get(ref _few16, () => accelerator.LoadKernel<ArrayView<ushort>, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, DistanceArgs>(DistanceFew<ushort, Float16Reader>));

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, SelectArgs> Select =>
        Get(ref _select, () => accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, SelectArgs>(SelectTopK));

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ScanArgs> Scan32 =>
        Get(ref _scan32, () => accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ScanArgs>(IvfScan<float, Float32Reader>));

    public Action<AcceleratorStream, Index1D, ArrayView<uint>, ArrayView<uint>, ArrayView<uint>, int> Combine =>
        Get(ref _combine, () => accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<uint>, ArrayView<uint>, ArrayView<uint>, int>(CombineMask));

    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>> Fill =>
        Get(ref _fill, () => accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>>(FillEmpty));
}
