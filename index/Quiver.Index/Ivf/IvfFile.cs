using Quiver.Kernel.Bits;

namespace Quiver.Index.Ivf;

/// <summary>
/// IVF_FLAT in the common container: parameters (nlist, iterations, max points per centroid, seed) in
/// the header; sections for centroids, list sizes, ids and vectors (lists concatenated in list order)
/// and deleted rows.
/// </summary>
internal static class IvfFile
{
    private const uint CentroidsTag = 0x544E4543, SizesTag = 0x5A49534C, IdsTag = 0x53444949; // "CENT", "LSIZ", "IIDS"

    public static void Write(Stream stream, IvfFlatIndex index, ReadOnlySpan<float> centroids, ReadOnlySpan<int> sizes, ReadOnlySpan<int> ids,
        ReadOnlySpan<float> vectors, Bitset deleted, int count)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var p = index.Parameters;
        IndexFile.WriteHeader(w, new IndexFile.Header(IndexKind.IvfFlat, index.Metric, index.Dimension, count, [p.Nlist, p.Iterations, p.MaxPointsPerCentroid, p.Seed]));
        IndexFile.WriteSection(w, CentroidsTag, centroids);
        IndexFile.WriteSection(w, SizesTag, sizes);
        IndexFile.WriteSection(w, IdsTag, ids);
        IndexFile.WriteVectors(w, vectors);
        IndexFile.WriteDeleted(w, deleted, count);
    }

    public static IvfFlatIndex Read(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var h = IndexFile.ReadHeader(r, IndexKind.IvfFlat);
        if (h.Parameters.Length < 4) throw new InvalidDataException($"IVF header has {h.Parameters.Length} parameters; expected 4.");
        IvfParameters p;
        try { p = new IvfParameters((int)h.Parameters[0], (int)h.Parameters[1], (int)h.Parameters[2], (int)h.Parameters[3]).Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new InvalidDataException($"IVF header is corrupt: {e.Message}"); }
        var centroids = IndexFile.ReadSection<float>(r, CentroidsTag, "centroids");
        var sizes = IndexFile.ReadSection<int>(r, SizesTag, "list sizes", p.Nlist);
        var ids = IndexFile.ReadSection<int>(r, IdsTag, "list ids", h.Count);
        var vectors = IndexFile.ReadVectors(r, (long)h.Count * h.Dim);
        var deleted = IndexFile.ReadDeleted(r, h.Count);
        var index = IvfFlatIndex.Create(h.Metric, h.Dim, p);
        index.Restore(centroids, sizes, ids, vectors, deleted, h.Count);
        return index;
    }
}
