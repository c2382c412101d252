using System.Runtime.InteropServices;
using Quiver.Index.Ivf;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Gpu;

namespace Quiver.Index.Gpu;

/// <summary>
/// GPU_IVF_FLAT (Milvus's name; build parameter <c>nlist</c>, search parameter <c>nprobe</c>): IVF_FLAT's
/// coarse quantizer and inverted lists, searched on a <see cref="GpuDevice"/> — coarse assignment and list
/// scans run on the device, each query reading only its nprobe lists. A CPU IVF_FLAT index is kept as the
/// host mirror: it trains (k-means on the CPU), assigns added rows to lists, tracks deletes and writes the
/// file, so a GPU_IVF_FLAT file is an IVF_FLAT file (<see cref="IvfIndex.Load"/> reads it) and an IVF_FLAT
/// index or file becomes a GPU_IVF_FLAT without retraining. After adds the device lists are rebuilt from
/// the mirror before the next search.
/// </summary>
public sealed class GpuIvfFlatIndex : BatchVectorIndex
{
    private readonly IvfIndex _host;
    private readonly DeviceBitset _deleted;
    private readonly object _writeLock = new();
    private GpuIvfLists? _lists;
    private bool _dirty = true;

    private GpuIvfFlatIndex(GpuDevice device, IvfIndex host) : base(IndexKind.GpuIvfFlat, host.Metric, host.Dimension)
    {
        if (host.Kind != IndexKind.IvfFlat) throw new ArgumentException($"GPU_IVF_FLAT mirrors an IVF_FLAT index, not {host.Kind}.", nameof(host));
        Device = device;
        _host = host;
        _deleted = new DeviceBitset(device, 0);
    }

    /// <summary>An empty, untrained GPU_IVF_FLAT; the first <see cref="AddRange"/> (or <see cref="Train"/>) trains it.</summary>
    public static GpuIvfFlatIndex Create(GpuDevice device, Metric metric, int dim, IvfParameters? parameters = null)
        => new(device, IvfIndex.Create(IndexKind.IvfFlat, metric, dim, parameters));

    /// <summary>A GPU twin of a CPU IVF_FLAT index (its trained centroids, lists and deletes, copied; the CPU index stays usable).</summary>
    public static GpuIvfFlatIndex FromIvf(GpuDevice device, IvfIndex ivf)
    {
        if (ivf.Kind != IndexKind.IvfFlat) throw new ArgumentException($"Only IVF_FLAT has a GPU twin; this index is {ivf.Kind}.", nameof(ivf));
        using var ms = new MemoryStream();
        ivf.Save(ms);
        ms.Position = 0;
        var copy = IvfIndex.Load(ms);
        copy.DefaultNprobe = ivf.DefaultNprobe;
        return Wrap(device, copy);
    }

    /// <summary>Reads an IVF_FLAT file (from <see cref="IvfIndex"/> or <see cref="Save"/>) onto the device.</summary>
    public static GpuIvfFlatIndex Load(GpuDevice device, Stream stream) => Wrap(device, IvfIndex.Load(stream));

    private static GpuIvfFlatIndex Wrap(GpuDevice device, IvfIndex host)
    {
        GpuIvfFlatIndex? index = null;
        try
        {
            index = new GpuIvfFlatIndex(device, host);
            index.Sync();
            return index;
        }
        catch
        {
            if (index is not null) index.Dispose();
            else host.Dispose();
            throw;
        }
    }

    /// <summary>The device the lists live on.</summary>
    public GpuDevice Device { get; }

    /// <summary>Build parameters (nlist, iterations, seed…).</summary>
    public IvfParameters Parameters => _host.Parameters;

    /// <summary>nprobe when a search passes no parameters (IVF_FLAT's default, 8, capped at nlist).</summary>
    public int DefaultNprobe
    {
        get => _host.DefaultNprobe;
        set => _host.DefaultNprobe = value;
    }

    /// <summary>True once the coarse quantizer is trained.</summary>
    public bool IsTrained => _host.IsTrained;

    /// <summary>The trained centroids (nlist × dim).</summary>
    public ReadOnlySpan<float> Centroids => _host.Centroids;

    public override int Count => _host.Count;
    public override int LiveCount => _host.LiveCount;

    /// <summary>Device bytes (lists, centroids, deleted set) plus the host mirror's bytes.</summary>
    public override long MemoryBytes => (_lists?.MemoryBytes ?? 0) + _deleted.MemoryBytes + _host.MemoryBytes;

    /// <summary>Device bytes alone.</summary>
    public long DeviceBytes => (_lists?.MemoryBytes ?? 0) + _deleted.MemoryBytes;

    /// <summary>Trains the coarse quantizer (k-means on the CPU) on row-major vectors.</summary>
    public void Train(ReadOnlySpan<float> vectors, int threads = 0)
    {
        lock (_writeLock)
        {
            _host.Train(vectors, threads);
            _dirty = true;
        }
    }

    public override int Add(ReadOnlySpan<float> vector)
    {
        lock (_writeLock)
        {
            int id = _host.Add(vector);
            _dirty = true;
            return id;
        }
    }

    public override void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null)
    {
        lock (_writeLock)
        {
            _host.AddRange(vectors, threads, progress);
            _dirty = true;
        }
    }

    public override bool Remove(int id)
    {
        lock (_writeLock)
        {
            CheckId(id);
            if (!_host.Remove(id)) return false;
            lock (Device.LaunchLock) _deleted.Set(id);
            return true;
        }
    }

    /// <summary>
    /// The k nearest rows among each query's nprobe nearest lists (<see cref="IvfSearchParameters"/>;
    /// refine_k must be 1): ids and distances hold queries × k, padded with −1 / +∞.
    /// </summary>
    public override void SearchBatch(ReadOnlySpan<float> queries, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null)
    {
        if (queries.Length % Dimension != 0) throw new ArgumentException($"{queries.Length} values are not a whole number of {Dimension}-d queries.", nameof(queries));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        int nq = queries.Length / Dimension;
        if (!_host.IsTrained)
        {
            if (ids.Length < nq * k || distances.Length < nq * k) throw new ArgumentException($"The output spans must hold queries × k = {nq * k} entries.", nameof(ids));
            ids[..(nq * k)].Fill(-1);
            distances[..(nq * k)].Fill(float.PositiveInfinity);
            return;
        }
        int nlist = _host.Parameters.Nlist;
        var p = parameters switch
        {
            null => new IvfSearchParameters(Math.Min(_host.DefaultNprobe, nlist)),
            IvfSearchParameters sp => sp.Validate(nlist),
            _ => throw new ArgumentException($"GPU_IVF_FLAT takes IvfSearchParameters, not {parameters.GetType().Name}.", nameof(parameters)),
        };
        if (p.RefineK != 1) throw new ArgumentException($"refine_k = {p.RefineK}: GPU_IVF_FLAT lists hold exact vectors; refine_k must be 1.", nameof(parameters));
        // Sync takes the write lock, then the launch lock (the order Remove takes them), so it runs first, outside the launch lock.
        Sync();
        lock (Device.LaunchLock)
            GpuIvf.Search(_lists!, queries, k, p.Nprobe, Metric, ids, distances, _deleted.SetCount > 0 ? _deleted : null, filter);
    }

    /// <summary>The nprobe nearest lists of each query, computed on the device (queries × nprobe).</summary>
    public void CoarseAssign(ReadOnlySpan<float> queries, int nprobe, Span<int> lists, Span<float> distances)
    {
        if (!_host.IsTrained) throw new InvalidOperationException("GPU_IVF_FLAT is not trained yet.");
        Sync();
        lock (Device.LaunchLock)
            GpuIvf.CoarseAssign(_lists!, queries, nprobe, Metric, lists, distances);
    }

    /// <summary>Writes the index in IVF_FLAT's file format (header kind IVF_FLAT), readable by <see cref="IvfIndex.Load"/>.</summary>
    public override void Save(Stream stream)
    {
        lock (_writeLock) _host.Save(stream);
    }

    /// <summary>
    /// Uploads the mirror's lists when adds changed them (all lists at once: lists are contiguous on the
    /// device). Lock order everywhere: write lock, then the device's launch lock; a search holding the
    /// launch lock keeps the lists it uses alive, since replacing them needs that lock too.
    /// </summary>
    private void Sync()
    {
        lock (_writeLock)
        lock (Device.LaunchLock)
        {
            if (!_dirty || !_host.IsTrained) return;
            using var ms = new MemoryStream();
            _host.Save(ms);
            ms.Position = 0;
            using var r = new BinaryReader(ms);
            var h = IndexFile.ReadHeader(r, IndexKind.IvfFlat);
            int nlist = (int)h.Parameters[0], count = h.Count, dim = h.Dim;
            // IVF_FLAT's codec writes no section of its own; then centroids, list sizes, ids, codes (float rows), deleted rows.
            var centroids = IndexFile.ReadSection<float>(r, IvfFile.CentroidsTag, "centroids", (long)nlist * dim);
            var sizes = IndexFile.ReadSection<int>(r, IvfFile.SizesTag, "list sizes", nlist);
            var ids = IndexFile.ReadSection<int>(r, IvfFile.IdsTag, "list ids", count);
            var codes = IndexFile.ReadSection<byte>(r, IvfFile.CodesTag, "codes", (long)count * dim * sizeof(float));
            var deleted = IndexFile.ReadDeleted(r, count);
            var rows = MemoryMarshal.Cast<byte, float>(codes);
            var fresh = GpuIvfLists.Create(Device, dim, centroids, sizes, ids, rows, normalizedRows: MetricSpace.Normalizes(Metric));
            _lists?.Dispose();
            _lists = fresh;
            var bits = new Bitset(Math.Max(count, 1));
            deleted.CopyTo(bits.Words);
            _deleted.Load(bits);
            _dirty = false;
        }
    }

    public override void Dispose()
    {
        _lists?.Dispose();
        _deleted.Dispose();
        _host.Dispose();
    }
}
