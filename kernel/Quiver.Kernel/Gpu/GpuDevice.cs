using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Quiver.Kernel.Gpu;

/// <summary>
/// One accelerator and everything that lives as long as it: the ILGPU context, the accelerator, the
/// kernels (compiled once, on first use, and reused), and the memory budget every
/// <see cref="DeviceBuffer{T}"/> is counted against. Thread-safe for allocation; searches that launch
/// kernels take <see cref="LaunchLock"/> so one device serves one launch sequence at a time.
/// </summary>
public sealed class GpuDevice : IDisposable
{
    /// <summary>
    /// The CPU accelerator's shape: 4 threads per warp × 4 warps (groups of up to 16 threads), one
    /// multiprocessor, so one group runs at a time and results never depend on the box's core count. Each
    /// thread of a group is an OS thread and a barrier costs a few microseconds per thread (measured: 28 µs
    /// for 4 threads, 190 µs for 16), so the kernels are launched with small groups there.
    /// </summary>
    private const int CpuWarp = 4, CpuWarpsPerGroup = 4, CpuMultiprocessors = 1;

    private static int s_resolverInstalled;
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly object _budgetLock = new();
    private GpuKernels? _kernels;
    private long _used;

    private GpuDevice(Context context, Accelerator accelerator, long? maxBytes)
    {
        _context = context;
        _accelerator = accelerator;
        IsCuda = accelerator.AcceleratorType == AcceleratorType.Cuda;
        MemorySize = accelerator.MemorySize;
        // Default budget: the card's memory less a margin for the driver, the context and other processes
        // (10 %, at least 512 MiB); on the CPU accelerator, half of what the GC says this process may use.
        long defaultBudget = IsCuda
            ? Math.Max(MemorySize - Math.Max(MemorySize / 10, 512L << 20), 64L << 20)
            : Math.Max(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2, 256L << 20);
        if (maxBytes is { } m && m <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), m, "The GPU memory budget must be positive.");
        MaxBytes = maxBytes ?? defaultBudget;
    }

    /// <summary>
    /// Opens an accelerator. <see cref="AcceleratorChoice.Cuda"/> fails with a message naming what is
    /// missing (libcuda, or a CUDA device); <see cref="AcceleratorChoice.Auto"/> takes CUDA when present and
    /// the CPU accelerator otherwise. <paramref name="maxBytes"/> bounds device memory (default: the
    /// device's memory less a margin). <paramref name="optimization"/> is ILGPU's kernel optimization level
    /// (default O2, which unrolls the tile loops; O1 is ILGPU's own default, the fallback if a driver or
    /// backend misbehaves with O2).
    /// </summary>
    public static GpuDevice Open(AcceleratorChoice choice = AcceleratorChoice.Auto, long? maxBytes = null, OptimizationLevel optimization = OptimizationLevel.O2)
    {
        InstallCudaResolver();
        if (choice != AcceleratorChoice.Cpu)
        {
            var cuda = TryOpenCuda(optimization, out string why);
            if (cuda is not null) return new GpuDevice(cuda.Value.Context, cuda.Value.Accelerator, maxBytes);
            if (choice == AcceleratorChoice.Cuda)
                throw new InvalidOperationException($"CUDA was requested (gpu accelerator = cuda) but is not available: {why}");
        }
        var context = Context.Create(b => b.CPU(new CPUDevice(CpuWarp, CpuWarpsPerGroup, CpuMultiprocessors)).EnableAlgorithms().Optimize(optimization));
        try
        {
            var acc = context.GetCPUDevice(0).CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
            return new GpuDevice(context, acc, maxBytes);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>True when a CUDA device can be opened here (libcuda loads and lists at least one device).</summary>
    public static bool CudaAvailable(out string reason)
    {
        InstallCudaResolver();
        var cuda = TryOpenCuda(OptimizationLevel.O1, out reason);
        if (cuda is null) return false;
        cuda.Value.Accelerator.Dispose();
        cuda.Value.Context.Dispose();
        reason = "";
        return true;
    }

    private static (Context Context, Accelerator Accelerator)? TryOpenCuda(OptimizationLevel optimization, out string why)
    {
        Context? context = null;
        try
        {
            context = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(optimization));
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
            {
                why = NativeLibrary.TryLoad("libcuda.so.1", out var h) || NativeLibrary.TryLoad("libcuda.so", out h)
                    ? "libcuda loads, but it lists no CUDA device (check nvidia-smi and the driver version)."
                    : "libcuda.so / libcuda.so.1 was not found (no NVIDIA driver on this machine?).";
                context.Dispose();
                return null;
            }
            var acc = devices[0].CreateAccelerator(context);
            why = "";
            return (context, acc);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException or ILGPU.Runtime.AcceleratorException)
        {
            context?.Dispose();
            why = $"opening CUDA failed: {e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// ILGPU P/Invokes "cuda", which .NET resolves to libcuda.so only; driver-only hosts ship
    /// libcuda.so.1. The resolver tries that name too. Installed once per process; if another component
    /// set a resolver for ILGPU first, that one stays.
    /// </summary>
    private static void InstallCudaResolver()
    {
        if (Interlocked.Exchange(ref s_resolverInstalled, 1) != 0) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, ResolveCuda);
        }
        catch (InvalidOperationException)
        {
            // A resolver is already registered for ILGPU (ILGPU's own WSL resolver, or the host's).
        }
    }

    private static IntPtr ResolveCuda(string name, Assembly assembly, DllImportSearchPath? path)
    {
        string? alt = name switch { "cuda" or "nvcuda" => "libcuda.so.1", "OpenCL" => "libOpenCL.so.1", _ => null };
        if (alt is null) return IntPtr.Zero;
        if (NativeLibrary.TryLoad(name == "OpenCL" ? "libOpenCL.so" : "libcuda.so", assembly, path, out var h)) return h;
        return NativeLibrary.TryLoad(alt, assembly, path, out h) ? h : IntPtr.Zero;
    }

    /// <summary>
    /// Launch shapes. CUDA: 16 × 16-thread distance tiles (128 × 128 per group), 128-thread selection groups,
    /// 256-row groups for few queries. The CPU accelerator runs every thread of a group on its own OS thread
    /// and a barrier costs a context switch per thread, so it runs the same kernels with small groups
    /// (2 × 2-thread tiles of 16 × 16, 4-thread selection groups offering 128 candidates each per round: the same 512 a round); the code path is the same, only the launch shape differs.
    /// </summary>
    internal int TileSide => IsCuda ? 16 : 2;

    internal int SelectThreads => IsCuda ? GpuKernels.SelectThreads : 4;

    internal int FewRows => IsCuda ? GpuKernels.FewRows : 4;

    /// <summary>The accelerator's name (the GPU model, or "CPUAccelerator").</summary>
    public string Name => _accelerator.Name;

    /// <summary>True on a CUDA device; false on the CPU accelerator.</summary>
    public bool IsCuda { get; }

    /// <summary>Device memory in bytes as the accelerator reports it.</summary>
    public long MemorySize { get; }

    /// <summary>The budget: allocations past it throw <see cref="GpuOutOfMemoryException"/>.</summary>
    public long MaxBytes { get; }

    /// <summary>Bytes currently allocated through this device.</summary>
    public long UsedBytes => Interlocked.Read(ref _used);

    /// <summary>Bytes left in the budget.</summary>
    public long AvailableBytes => MaxBytes - UsedBytes;

    /// <summary>The ILGPU accelerator (for callers that launch their own kernels).</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Taken around each search or upload so their launches and scratch do not interleave.</summary>
    public object LaunchLock { get; } = new();

    /// <summary>The stream kernels run on.</summary>
    public AcceleratorStream ComputeStream => _accelerator.DefaultStream;

    /// <summary>A new stream (for copies that overlap compute); the caller disposes it.</summary>
    public AcceleratorStream CreateStream() => _accelerator.CreateStream();

    /// <summary>The kernels, compiled for this accelerator on first use and cached for its lifetime.</summary>
    internal GpuKernels Kernels => LazyInitializer.EnsureInitialized(ref _kernels, () => new GpuKernels(_accelerator));

    /// <summary>Allocates <paramref name="length"/> elements against the budget, or throws <see cref="GpuOutOfMemoryException"/>.</summary>
    public DeviceBuffer<T> Allocate<T>(long length, string what) where T : unmanaged
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be ≥ 0.");
        long bytes = Math.Max(1, length) * Marshal.SizeOf<T>();
        lock (_budgetLock)
        {
            long available = MaxBytes - _used;
            if (bytes > available) throw new GpuOutOfMemoryException(what, bytes, available, MaxBytes);
            _used += bytes;
        }
        try
        {
            return new DeviceBuffer<T>(this, _accelerator.Allocate1D<T>(Math.Max(1, length)), bytes);
        }
        catch (Exception e) when (e is not GpuOutOfMemoryException)
        {
            Release(bytes);
            throw new GpuOutOfMemoryException(what, bytes, AvailableBytes, MaxBytes, e);
        }
    }

    private readonly Dictionary<string, IDisposable> _scratch = [];
    private long _scratchBytes;

    /// <summary>Bytes held by search scratch (distance tiles, candidate lists), kept between searches.</summary>
    public long ScratchBytes => Interlocked.Read(ref _scratchBytes);

    /// <summary>
    /// A scratch buffer of at least <paramref name="length"/> elements for slot <paramref name="slot"/>, reused
    /// across searches (callers hold <see cref="LaunchLock"/>). When the budget refuses it, the other scratch is
    /// freed and the allocation tried once more before the error goes out.
    /// </summary>
    internal DeviceBuffer<T> Scratch<T>(string slot, long length) where T : unmanaged
    {
        if (_scratch.TryGetValue(slot, out var held))
        {
            if (held is DeviceBuffer<T> b && b.Length >= length) return b;
            Interlocked.Add(ref _scratchBytes, -((DeviceBuffer<T>)held).Bytes);
            held.Dispose();
            _scratch.Remove(slot);
        }
        DeviceBuffer<T> fresh;
        try
        {
            fresh = Allocate<T>(length, $"search scratch ({slot})");
        }
        catch (GpuOutOfMemoryException)
        {
            ReleaseScratch();
            fresh = Allocate<T>(length, $"search scratch ({slot})");
        }
        _scratch[slot] = fresh;
        Interlocked.Add(ref _scratchBytes, fresh.Bytes);
        return fresh;
    }

    /// <summary>Frees all search scratch (the next search allocates it again).</summary>
    public void ReleaseScratch()
    {
        lock (LaunchLock)
        {
            foreach (var b in _scratch.Values) b.Dispose();
            _scratch.Clear();
            Interlocked.Exchange(ref _scratchBytes, 0);
        }
    }

    internal void Release(long bytes)
    {
        lock (_budgetLock) _used -= bytes;
    }

    /// <summary>Waits for every stream's work.</summary>
    public void Synchronize() => _accelerator.Synchronize();

    public override string ToString() => $"{Name} ({(IsCuda ? "CUDA" : "CPU accelerator")}, {MemorySize / (1 << 20):N0} MiB, budget {MaxBytes / (1 << 20):N0} MiB)";

    public void Dispose()
    {
        foreach (var b in _scratch.Values) b.Dispose();
        _scratch.Clear();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
