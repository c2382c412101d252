using Quiver.Index.Flat;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Gpu;

namespace Quiver.Index.Gpu;

/// <summary>
/// GPU_BRUTE_FORCE: exact search with the rows resident on a <see cref="GpuDevice"/> (tiled distance
/// kernel + on-device top-k). Batch-first: <see cref="SearchBatch"/> runs many queries in one launch
/// sequence; <see cref="Search"/> is a batch of one. Deletes live in a device bitset kept in sync with
/// <see cref="Remove"/>. Saves in FLAT's file format (so <see cref="FlatIndex.Load"/> reads it) and
/// loads FLAT files. The index owns its device buffers, not the device.
/// </summary>
public sealed class GpuBruteForceIndex : BatchVectorIndex
{
    private readonly DeviceVectors _rows;
    private readonly DeviceBitset _deleted;
    private readonly object _writeLock = new();

    private GpuBruteForceIndex(GpuDevice device, Metric metric, int dim, int capacity) : base(IndexKind.GpuBruteForce, metric, dim)
    {
        Device = device;
        _rows = DeviceVectors.Create(device, dim, GpuElementType.Float32, MetricSpace.Normalizes(metric), capacity);
        try
        {
            _deleted = new DeviceBitset(device, 0);
        }
        catch
        {
            _rows.Dispose();
            throw;
        }
    }

    /// <summary>An empty GPU_BRUTE_FORCE index on <paramref name="device"/>.</summary>
    public static GpuBruteForceIndex Create(GpuDevice device, Metric metric, int dim, int capacity = 1024) => new(device, metric, dim, capacity);

    /// <summary>A GPU twin of a CPU FLAT index: same rows, same deletes (copied; the FLAT index stays usable).</summary>
    public static GpuBruteForceIndex FromFlat(GpuDevice device, FlatIndex flat)
    {
        using var ms = new MemoryStream();
        flat.Save(ms);
        ms.Position = 0;
        return Load(device, ms);
    }

    /// <summary>Reads a FLAT file (as written by <see cref="FlatIndex"/> or by <see cref="Save"/>) onto the device.</summary>
    public static GpuBruteForceIndex Load(GpuDevice device, Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var h = IndexFile.ReadHeader(r, IndexKind.Flat);
        var vectors = IndexFile.ReadVectors(r, (long)h.Count * h.Dim);
        var deleted = IndexFile.ReadDeleted(r, h.Count);
        var index = new GpuBruteForceIndex(device, h.Metric, h.Dim, h.Count);
        try
        {
            index._rows.Append(vectors, prepared: true); // FLAT stores COSINE rows normalized already
            var bits = new Bitset(Math.Max(h.Count, 1));
            deleted.CopyTo(bits.Words);
            index._deleted.Load(bits);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>The device the rows live on.</summary>
    public GpuDevice Device { get; }

    public override int Count => _rows.Count;
    public override int LiveCount => _rows.Count - _deleted.SetCount;

    /// <summary>Device bytes held (rows, norms, deleted set).</summary>
    public override long MemoryBytes => _rows.MemoryBytes + _deleted.MemoryBytes;

    public override int Add(ReadOnlySpan<float> vector)
    {
        CheckVector(vector);
        lock (_writeLock)
        lock (Device.LaunchLock)
        {
            int id = _rows.Count;
            _rows.Append(vector);
            return id;
        }
    }

    public override void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null)
    {
        CheckRows(vectors);
        lock (_writeLock)
        lock (Device.LaunchLock)
            _rows.Append(vectors);
        progress?.Invoke(1);
    }

    public override bool Remove(int id)
    {
        lock (_writeLock)
        lock (Device.LaunchLock)
        {
            CheckId(id);
            return _deleted.Set(id);
        }
    }

    /// <summary>
    /// Exact k nearest rows for each row-major query: ids and distances hold queries × k (ascending, the
    /// CPU's distance convention), padded with −1 / +∞ where fewer rows qualify. k up to 16 384 (in passes
    /// of 1 024 on the device).
    /// </summary>
    public override void SearchBatch(ReadOnlySpan<float> queries, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null)
    {
        if (queries.Length % Dimension != 0) throw new ArgumentException($"{queries.Length} values are not a whole number of {Dimension}-d queries.", nameof(queries));
        if (parameters is not null) throw new ArgumentException($"GPU_BRUTE_FORCE takes no search parameters, not {parameters.GetType().Name}.", nameof(parameters));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        lock (Device.LaunchLock)
            GpuBruteForce.Search(_rows, queries, k, Metric, ids, distances, _deleted.SetCount > 0 ? _deleted : null, filter);
    }

    /// <summary>Writes the index in FLAT's format (header kind FLAT, vectors, deleted rows), readable by <see cref="FlatIndex.Load"/>.</summary>
    public override void Save(Stream stream)
    {
        float[] rows;
        Bitset deleted;
        int n;
        lock (_writeLock)
        lock (Device.LaunchLock)
        {
            n = _rows.Count;
            rows = _rows.Download();
            deleted = new Bitset(Math.Max(n, 1));
            _deleted.Host.Words[..Math.Min(_deleted.Host.Words.Length, deleted.Words.Length)].CopyTo(deleted.Words);
        }
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        IndexFile.WriteHeader(w, new IndexFile.Header(IndexKind.Flat, Metric, Dimension, n, []));
        IndexFile.WriteVectors(w, rows);
        IndexFile.WriteDeleted(w, deleted, n);
    }

    public override void Dispose()
    {
        _rows.Dispose();
        _deleted.Dispose();
    }
}
