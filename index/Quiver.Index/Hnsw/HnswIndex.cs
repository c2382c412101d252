using Quiver.Kernel.Distance;

namespace Quiver.Index.Hnsw;

/// <summary>
/// HNSW: a multi-layer proximity graph searched greedily from the top layer down, with the paper's
/// heuristic neighbour selection (Algorithm 4). Build is multi-threaded; adds may run while searches
/// do; removed rows are never returned but stay in the graph for navigation; filtered searches keep
/// recall by switching to an exact scan of the passing rows when few pass.
/// </summary>
/// <remarks>
/// The public type is abstract and dispatches once, at creation, to <see cref="HnswIndex{TDistance}"/>
/// specialised for the metric; COSINE runs as inner product over normalized vectors.
/// </remarks>
public abstract class HnswIndex : VectorIndex
{
    private protected HnswIndex(Metric metric, int dim, HnswParameters parameters) : base(IndexKind.Hnsw, metric, dim)
    {
        Parameters = parameters.Validate();
    }

    /// <summary>An empty HNSW index.</summary>
    public static HnswIndex Create(Metric metric, int dim, HnswParameters? parameters = null, int capacity = 1024)
    {
        var p = parameters ?? new HnswParameters();
        return metric switch
        {
            Metric.L2 => new HnswIndex<SquaredL2Distance>(metric, dim, p, capacity),
            _ => new HnswIndex<InnerProductDistance>(metric, dim, p, capacity),
        };
    }

    /// <summary>Reads an index written by <see cref="Save"/> into memory.</summary>
    public static HnswIndex Load(Stream stream) => HnswFile.Read(stream);

    /// <summary>
    /// Opens a saved index file by memory-mapping it: vectors (nearly all of its bytes) are used in place
    /// from the file's pages, the graph is copied. Adding to a mapped index first copies the vectors.
    /// </summary>
    public static HnswIndex Map(string path) => HnswFile.Map(path);

    /// <summary>Writes the index to a file (64-byte aligned sections, so <see cref="Map"/> can use it in place).</summary>
    public void Save(string path)
    {
        string tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            Save(f);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Build parameters.</summary>
    public HnswParameters Parameters { get; }

    /// <summary>Default ef when a search passes no parameters.</summary>
    public int DefaultEf { get; set; } = 64;

    internal abstract void Restore(ReadOnlySpan<float> vectors, int[] levels, int[] links0, int[] upper, ulong[] deleted, int entry, int maxLevel);
}
