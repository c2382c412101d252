using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using Quiver.Kernel.Distance;
using Half = System.Half;

namespace Quiver.Kernel.Gpu;

/// <summary>
/// Row-major vectors resident on a device, with their squared norms (computed on the device at upload,
/// for the ‖q‖² + ‖x‖² − 2 q·x form of L2). Appends grow the buffers by reallocation (doubling, or
/// exactly what is needed when doubling would pass the budget) and upload in chunks on a copy stream
/// from page-locked staging, so the copy of chunk i + 1 overlaps the norm kernel of chunk i on CUDA.
/// Not thread-safe for writes; the owner serialises appends against searches (<see cref="GpuDevice.LaunchLock"/>).
/// </summary>
public sealed class DeviceVectors : IDisposable
{
    /// <summary>Uploads below this many elements go straight from the caller's span, without staging.</summary>
    private const int SmallUpload = 1 << 16;
    /// <summary>Elements per staged upload chunk (4 MiB of float32).</summary>
    private const int ChunkElements = 1 << 20;

    private DeviceBuffer<float>? _f32;
    private DeviceBuffer<ushort>? _f16;
    private DeviceBuffer<float> _norms;

    private DeviceVectors(GpuDevice device, int dim, GpuElementType type, bool normalize, int capacity)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be ≥ 1.");
        Device = device;
        Dimension = dim;
        ElementType = type;
        Normalized = normalize;
        capacity = Math.Max(capacity, 64);
        if (type == GpuElementType.Float32) _f32 = device.Allocate<float>((long)capacity * dim, "vectors (float32)");
        else _f16 = device.Allocate<ushort>((long)capacity * dim, "vectors (float16)");
        try
        {
            _norms = device.Allocate<float>(capacity, "vector norms");
        }
        catch
        {
            _f32?.Dispose();
            _f16?.Dispose();
            throw;
        }
        Capacity = capacity;
    }

    /// <summary>
    /// Empty device vectors. With <paramref name="normalize"/> every appended row is scaled to unit length
    /// first (on the host, with the same kernel the CPU indexes use), which is how COSINE is served.
    /// </summary>
    public static DeviceVectors Create(GpuDevice device, int dim, GpuElementType type = GpuElementType.Float32, bool normalize = false, int capacity = 0)
        => new(device, dim, type, normalize, capacity);

    public GpuDevice Device { get; }
    public int Dimension { get; }
    public GpuElementType ElementType { get; }

    /// <summary>True when rows were normalized at append (COSINE).</summary>
    public bool Normalized { get; }

    /// <summary>Rows held.</summary>
    public int Count { get; private set; }

    /// <summary>Rows the buffers hold before they grow.</summary>
    public int Capacity { get; private set; }

    /// <summary>Device bytes held.</summary>
    public long MemoryBytes => (_f32?.Bytes ?? 0) + (_f16?.Bytes ?? 0) + _norms.Bytes;

    internal ArrayView<float> F32 => (_f32 ?? throw new InvalidOperationException("These vectors are float16; pass Half queries.")).View;
    internal ArrayView<ushort> F16 => (_f16 ?? throw new InvalidOperationException("These vectors are float32; pass float queries.")).View;
    internal ArrayView<float> Norms => _norms.View;

    /// <summary>
    /// Appends row-major float32 rows (float16 storage converts them). <paramref name="prepared"/> says the
    /// rows are already unit length (rows read back from a CPU COSINE index), so they are not normalized twice.
    /// </summary>
    public void Append(ReadOnlySpan<float> rows, bool prepared = false)
    {
        int n = CheckRows(rows.Length);
        if (n == 0) return;
        if (Normalized && !prepared)
        {
            var copy = rows.ToArray();
            VectorDistance.NormalizeRows(copy, Dimension);
            rows = copy;
        }
        if (ElementType == GpuElementType.Float32)
        {
            Reserve(Count + n);
            Upload(_f32!, rows, n);
        }
        else
        {
            var half = new ushort[rows.Length];
            for (int i = 0; i < half.Length; i++) half[i] = BitConverter.HalfToUInt16Bits((Half)rows[i]);
            Reserve(Count + n);
            Upload(_f16!, half, n);
        }
    }

    /// <summary>Appends row-major float16 rows (float32 storage widens them exactly).</summary>
    public void Append(ReadOnlySpan<Half> rows)
    {
        int n = CheckRows(rows.Length);
        if (n == 0) return;
        if (ElementType == GpuElementType.Float32 || Normalized)
        {
            var wide = new float[rows.Length];
            for (int i = 0; i < wide.Length; i++) wide[i] = (float)rows[i];
            if (ElementType == GpuElementType.Float32)
            {
                Append(wide);
                return;
            }
            VectorDistance.NormalizeRows(wide, Dimension);
            var half = new ushort[wide.Length];
            for (int i = 0; i < half.Length; i++) half[i] = BitConverter.HalfToUInt16Bits((Half)wide[i]);
            Reserve(Count + n);
            Upload(_f16!, half, n);
            return;
        }
        Reserve(Count + n);
        Upload(_f16!, MemoryMarshal.Cast<Half, ushort>(rows), n);
    }

    /// <summary>Grows the buffers to hold at least <paramref name="rows"/> rows (throws <see cref="GpuOutOfMemoryException"/> when they cannot).</summary>
    public void Reserve(int rows)
    {
        if (rows <= Capacity) return;
        long wanted = Math.Max(rows, Math.Min((long)Capacity * 2, int.MaxValue / 2));
        long perRow = (long)Dimension * (ElementType == GpuElementType.Float32 ? sizeof(float) : sizeof(ushort)) + sizeof(float);
        // Doubling keeps appends amortised O(1); when the doubled size would not fit, take exactly what is needed.
        if ((wanted - Capacity) * perRow + (long)Capacity * perRow > Device.AvailableBytes) wanted = rows;
        var stream = Device.ComputeStream;
        if (_f32 is not null)
        {
            var grown = Device.Allocate<float>(wanted * Dimension, "vectors (float32)");
            grown.View.SubView(0, (long)Count * Dimension).CopyFrom(stream, _f32.View.SubView(0, (long)Count * Dimension));
            stream.Synchronize();
            _f32.Dispose();
            _f32 = grown;
        }
        else
        {
            var grown = Device.Allocate<ushort>(wanted * Dimension, "vectors (float16)");
            grown.View.SubView(0, (long)Count * Dimension).CopyFrom(stream, _f16!.View.SubView(0, (long)Count * Dimension));
            stream.Synchronize();
            _f16!.Dispose();
            _f16 = grown;
        }
        var norms = Device.Allocate<float>(wanted, "vector norms");
        norms.View.SubView(0, Count).CopyFrom(stream, _norms.View.SubView(0, Count));
        stream.Synchronize();
        _norms.Dispose();
        _norms = norms;
        Capacity = (int)wanted;
    }

    private int CheckRows(int elements)
    {
        if (elements % Dimension != 0) throw new ArgumentException($"{elements} values are not a whole number of {Dimension}-d vectors.", "rows");
        return elements / Dimension;
    }

    /// <summary>Copies n rows to rows Count.. and computes their norms; Count moves once everything has landed.</summary>
    private void Upload<T>(DeviceBuffer<T> target, ReadOnlySpan<T> rows, int n) where T : unmanaged
    {
        var compute = Device.ComputeStream;
        long first = (long)Count * Dimension;
        if (rows.Length <= SmallUpload)
        {
            target.View.SubView(first, rows.Length).CopyFromCPU(compute, rows);
            LaunchNorms(compute, Count, n);
        }
        else
        {
            // Double-buffered page-locked staging: while chunk i's norms run on the compute stream, chunk
            // i + 1 is copied on the copy stream (DMA from page-locked memory is what lets CUDA overlap).
            int rowsPerChunk = Math.Max(1, ChunkElements / Dimension);
            int chunkElements = rowsPerChunk * Dimension;
            using var copy = Device.CreateStream();
            using var s0 = Device.Accelerator.AllocatePageLocked1D<T>(chunkElements);
            using var s1 = Device.Accelerator.AllocatePageLocked1D<T>(chunkElements);
            int chunks = (n + rowsPerChunk - 1) / rowsPerChunk;
            int Rows(int c) => Math.Min(rowsPerChunk, n - c * rowsPerChunk);
            void Stage(int c, ReadOnlySpan<T> src)
            {
                var staging = (c & 1) == 0 ? s0 : s1;
                int len = Rows(c) * Dimension;
                src.Slice(c * chunkElements, len).CopyTo(staging.Span);
                target.View.SubView(first + (long)c * chunkElements, len).CopyFromCPUUnsafeAsync(copy, ref staging.Span[0], len);
            }
            Stage(0, rows);
            for (int c = 0; c < chunks; c++)
            {
                copy.Synchronize(); // chunk c has landed; its staging buffer is free again
                if (c + 1 < chunks)
                    Stage(c + 1, rows); // its staging buffer held chunk c − 1, which landed before chunk c did
                LaunchNorms(compute, Count + c * rowsPerChunk, Rows(c));
            }
        }
        compute.Synchronize();
        Count += n;
    }

    private void LaunchNorms(AcceleratorStream stream, int start, int n)
    {
        var k = Device.Kernels;
        if (_f32 is not null) k.Norms32(stream, n, _f32.View, _norms.View, start, n, Dimension);
        else k.Norms16(stream, n, _f16!.View, _norms.View, start, n, Dimension);
    }

    /// <summary>Copies the rows back (tests and saves).</summary>
    public float[] Download()
    {
        var result = new float[(long)Count * Dimension];
        if (Count == 0) return result;
        if (_f32 is not null)
        {
            _f32.View.SubView(0, result.Length).CopyToCPU(Device.ComputeStream, result.AsSpan());
        }
        else
        {
            var half = new ushort[result.Length];
            _f16!.View.SubView(0, result.Length).CopyToCPU(Device.ComputeStream, half.AsSpan());
            for (int i = 0; i < half.Length; i++) result[i] = (float)BitConverter.UInt16BitsToHalf(half[i]);
        }
        Device.ComputeStream.Synchronize();
        return result;
    }

    public void Dispose()
    {
        _f32?.Dispose();
        _f16?.Dispose();
        _norms.Dispose();
    }
}
