namespace Quiver.Index.Ivf;

/// <summary>
/// The IVF family in the common container. Header parameters: nlist, iterations, max points per
/// centroid, seed, m, nbits, by_residual, refine. Sections, in order: the codec's own (SQ8 minimums and
/// steps, or PQ codebooks; none for IVF_FLAT), centroids, list sizes, ids and codes (lists concatenated
/// in list order; IVF_FLAT codes are the float rows), row terms (SQ8 under L2), raw vectors by id (when
/// built with refine), deleted rows.
/// </summary>
internal static class IvfFile
{
    public const uint CentroidsTag = 0x544E4543, SizesTag = 0x5A49534C, IdsTag = 0x53444949, CodesTag = 0x45444F43, TermsTag = 0x4D524554; // "CENT", "LSIZ", "IIDS", "CODE", "TERM"

    public static void Write(Stream stream, IvfIndex index, int count)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var p = index.Parameters;
        IndexFile.WriteHeader(w, new IndexFile.Header(index.Kind, index.Metric, index.Dimension, count,
            [p.Nlist, p.Iterations, p.MaxPointsPerCentroid, p.Seed, p.M, p.Nbits, p.ByResidual ? 1 : 0, p.Refine ? 1 : 0]));
        index.Write(w);
    }

    public static IvfIndex Read(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var h = IndexFile.ReadHeader(r, IndexKind.IvfFlat, IndexKind.IvfSq8, IndexKind.IvfPq);
        if (h.Parameters.Length < 8) throw new InvalidDataException($"IVF header has {h.Parameters.Length} parameters; expected 8.");
        IvfIndex index;
        try
        {
            var ps = h.Parameters;
            var p = new IvfParameters((int)ps[0], (int)ps[1], (int)ps[2], (int)ps[3], (int)ps[4], (int)ps[5], ps[6] != 0, ps[7] != 0);
            index = IvfIndex.Create(h.Kind, h.Metric, h.Dim, p);
        }
        catch (ArgumentException e) { throw new InvalidDataException($"IVF header is corrupt: {e.Message}"); }
        try
        {
            index.Read(r, h.Count);
        }
        catch
        {
            index.Dispose();
            throw;
        }
        return index;
    }
}
