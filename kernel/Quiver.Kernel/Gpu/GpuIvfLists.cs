namespace Quiver.Kernel.Gpu;

/// <summary>
/// An IVF_FLAT index's data on the device: the coarse centroids (nlist × dim, with norms), the rows of
/// every inverted list laid out contiguously in list order (with norms), each row's id, and the list
/// offsets (nlist + 1). Immutable once built: the index that owns it rebuilds it after adds.
/// </summary>
public sealed class GpuIvfLists : IDisposable
{
    private GpuIvfLists(GpuDevice device, int dim, int nlist, DeviceVectors centroids, DeviceVectors rows, DeviceBuffer<int> ids, DeviceBuffer<int> offsets, int[] sizes)
    {
        Device = device;
        Dimension = dim;
        Nlist = nlist;
        Centroids = centroids;
        Rows = rows;
        Ids = ids;
        Offsets = offsets;
        ListSizes = sizes;
    }

    /// <summary>
    /// Uploads trained IVF_FLAT lists. <paramref name="rows"/> holds the lists' rows concatenated in list order
    /// (sizes in <paramref name="listSizes"/>), as stored (COSINE rows already normalized, flagged by
    /// <paramref name="normalizedRows"/>); <paramref name="ids"/> the row id of each.
    /// </summary>
    public static GpuIvfLists Create(GpuDevice device, int dim, ReadOnlySpan<float> centroids, ReadOnlySpan<int> listSizes, ReadOnlySpan<int> ids, ReadOnlySpan<float> rows, bool normalizedRows)
    {
        int nlist = listSizes.Length;
        if (centroids.Length != (long)nlist * dim) throw new ArgumentException($"{centroids.Length} centroid values for nlist = {nlist} × dim = {dim}.", nameof(centroids));
        if (rows.Length != (long)ids.Length * dim) throw new ArgumentException($"{rows.Length} row values for {ids.Length} ids × dim = {dim}.", nameof(rows));
        var offsets = new int[nlist + 1];
        for (int l = 0; l < nlist; l++) offsets[l + 1] = checked(offsets[l] + listSizes[l]);
        if (offsets[nlist] != ids.Length) throw new ArgumentException($"List sizes add up to {offsets[nlist]}, but {ids.Length} ids were given.", nameof(listSizes));
        DeviceVectors? c = null, r = null;
        DeviceBuffer<int>? idBuf = null, offBuf = null;
        try
        {
            c = DeviceVectors.Create(device, dim, GpuElementType.Float32, normalize: false, capacity: nlist);
            c.Append(centroids);
            r = DeviceVectors.Create(device, dim, GpuElementType.Float32, normalize: normalizedRows, capacity: Math.Max(ids.Length, 1));
            r.Append(rows, prepared: true);
            idBuf = device.Allocate<int>(Math.Max(ids.Length, 1), "IVF list ids");
            offBuf = device.Allocate<int>(nlist + 1, "IVF list offsets");
            lock (device.LaunchLock)
            {
                var stream = device.ComputeStream;
                if (ids.Length > 0) ILGPU.Runtime.ArrayViewExtensions.CopyFromCPU(idBuf.View.SubView(0, ids.Length), stream, ids);
                ILGPU.Runtime.ArrayViewExtensions.CopyFromCPU(offBuf.View, stream, (ReadOnlySpan<int>)offsets);
                stream.Synchronize();
            }
            return new GpuIvfLists(device, dim, nlist, c, r, idBuf, offBuf, listSizes.ToArray());
        }
        catch
        {
            c?.Dispose();
            r?.Dispose();
            idBuf?.Dispose();
            offBuf?.Dispose();
            throw;
        }
    }

    public GpuDevice Device { get; }
    public int Dimension { get; }
    public int Nlist { get; }
    public int[] ListSizes { get; }

    /// <summary>Rows held (all lists).</summary>
    public int Count => Rows.Count;

    /// <summary>Device bytes held.</summary>
    public long MemoryBytes => Centroids.MemoryBytes + Rows.MemoryBytes + Ids.Bytes + Offsets.Bytes;

    internal DeviceVectors Centroids { get; }
    internal DeviceVectors Rows { get; }
    internal DeviceBuffer<int> Ids { get; }
    internal DeviceBuffer<int> Offsets { get; }

    public void Dispose()
    {
        Centroids.Dispose();
        Rows.Dispose();
        Ids.Dispose();
        Offsets.Dispose();
    }
}
