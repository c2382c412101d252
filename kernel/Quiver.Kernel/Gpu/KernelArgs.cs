namespace Quiver.Kernel.Gpu;

/// <summary>Arguments of the distance kernels (one launch: a block of queries against a chunk of rows).</summary>
internal struct DistanceArgs
{
    /// <summary>Queries in this launch.</summary>
    public int Queries;
    /// <summary>Rows in this chunk.</summary>
    public int Rows;
    public int Dim;
    /// <summary>Index of the chunk's first row in the rows view.</summary>
    public long RowStart;
    /// <summary>Output floats between consecutive queries.</summary>
    public long OutStride;
    /// <summary>1: ‖q‖² + ‖x‖² − 2 q·x (squared L2); 0: −q·x (IP, and COSINE over normalized vectors).</summary>
    public int L2;
}

/// <summary>How a kernel skips rows: not at all, by a deleted set, or by an allowed set (filter ∧ ¬deleted).</summary>
internal static class MaskMode
{
    public const int None = 0, Deleted = 1, Allowed = 2;
}

/// <summary>Arguments of the selection kernel (per query, per segment of its candidate list).</summary>
internal struct SelectArgs
{
    /// <summary>Candidates per query.</summary>
    public int Length;
    /// <summary>Input elements between consecutive queries.</summary>
    public long ListStride;
    /// <summary>Candidates one thread group reduces to k.</summary>
    public int SegmentLength;
    /// <summary>Results kept; Kp = the power of two ≥ K; P = sort width (Kp + pending area).</summary>
    public int K, Kp, P;
    /// <summary>Candidates each thread offers per round (threads × Items per round, at most P − Kp).</summary>
    public int Items;
    /// <summary>Id of input element 0 when ids are implicit (UseIds = 0).</summary>
    public int IdBase;
    public int UseIds;
    /// <summary>1: only candidates after the query's lower bound (a previous pass's last) are kept.</summary>
    public int UseLow;
    public int MaskMode, MaskBits;
    /// <summary>Output: query q, segment s, rank i goes to q·OutStride + OutOffset + s·K + i.</summary>
    public long OutStride;
    public int OutOffset;
    /// <summary>1: also write the results densely (q·K + i) to the second outputs.</summary>
    public int Out2;
}

/// <summary>Arguments of the IVF list-scan kernel (per query, per probed list).</summary>
internal struct ScanArgs
{
    public int Dim, Nprobe;
    public int K, Kp, P, Items;
    public int UseLow;
    public int MaskMode, MaskBits;
    public int L2;
}
