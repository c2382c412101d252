using Quiver.Kernel.Bits;

namespace Quiver.Index.Hnsw;

/// <summary>
/// HNSW in the common index container (<see cref="IndexFile"/>): parameters M, efConstruction, seed,
/// entry point and top level in the header; sections for vectors, levels, layer-0 links (count + 2M
/// slots per node), upper-layer links (concatenated in node order) and deleted rows.
/// </summary>
internal static class HnswFile
{
    private const uint LevelsTag = 0x534C564C, Links0Tag = 0x304B4E4C, UpperTag = 0x554B4E4C; // "LVLS", "LNK0", "LNKU"

    public static void Write(Stream stream, HnswIndex index, ReadOnlySpan<float> vectors, ReadOnlySpan<int> levels, ReadOnlySpan<int> links0,
        ReadOnlySpan<int> upper, Bitset deleted, int count, int entry, int maxLevel)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var p = index.Parameters;
        IndexFile.WriteHeader(w, new IndexFile.Header(IndexKind.Hnsw, index.Metric, index.Dimension, count, [p.M, p.EfConstruction, p.Seed, entry, maxLevel]));
        IndexFile.WriteVectors(w, vectors);
        IndexFile.WriteSection(w, LevelsTag, levels);
        IndexFile.WriteSection(w, Links0Tag, links0);
        IndexFile.WriteSection(w, UpperTag, upper);
        IndexFile.WriteDeleted(w, deleted, count);
    }

    /// <summary>Opens a saved index by memory-mapping it: the vectors stay in the file's pages.</summary>
    public static unsafe HnswIndex Map(string path)
    {
        var file = new MappedIndexFile(path);
        try
        {
            var h = file.ReadHeader(IndexKind.Hnsw);
            var p = Parameters(h);
            var vectors = file.Section<float>(IndexFile.VectorsTag, "vectors", (long)h.Count * h.Dim);
            var levels = file.Section<int>(LevelsTag, "levels", h.Count).ToArray();
            var links0 = file.Section<int>(Links0Tag, "layer-0 links", (long)h.Count * (2 * p.M + 1)).ToArray();
            var upper = file.Section<int>(UpperTag, "upper-layer links").ToArray();
            var deleted = file.Section<ulong>(IndexFile.DeletedTag, "deleted rows", Kernel.Bits.Bitset.WordsFor(h.Count)).ToArray();
            var store = new Storage.VectorStore(h.Dim, MappedIndexFile.AddressOf(vectors), h.Count, file);
            HnswIndex index = h.Metric == Kernel.Distance.Metric.L2
                ? new HnswIndex<Kernel.Distance.SquaredL2Distance>(h.Metric, h.Dim, p, h.Count, store)
                : new HnswIndex<Kernel.Distance.InnerProductDistance>(h.Metric, h.Dim, p, h.Count, store);
            index.Restore(vectors, levels, links0, upper, deleted, (int)h.Parameters[3], (int)h.Parameters[4]);
            return index;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static HnswParameters Parameters(IndexFile.Header h)
    {
        if (h.Parameters.Length < 5) throw new InvalidDataException($"HNSW header has {h.Parameters.Length} parameters; expected 5.");
        var p = new HnswParameters((int)h.Parameters[0], (int)h.Parameters[1], (int)h.Parameters[2]);
        try { return p.Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new InvalidDataException($"HNSW header is corrupt: {e.Message}"); }
    }

    public static HnswIndex Read(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var h = IndexFile.ReadHeader(r, IndexKind.Hnsw);
        var p = Parameters(h);
        var vectors = IndexFile.ReadVectors(r, (long)h.Count * h.Dim);
        var levels = IndexFile.ReadSection<int>(r, LevelsTag, "levels", h.Count);
        var links0 = IndexFile.ReadSection<int>(r, Links0Tag, "layer-0 links", (long)h.Count * (2 * p.M + 1));
        var upper = IndexFile.ReadSection<int>(r, UpperTag, "upper-layer links");
        var deleted = IndexFile.ReadDeleted(r, h.Count);
        var index = HnswIndex.Create(h.Metric, h.Dim, p, Math.Max(16, h.Count));
        index.Restore(vectors, levels, links0, upper, deleted, (int)h.Parameters[3], (int)h.Parameters[4]);
        return index;
    }
}
