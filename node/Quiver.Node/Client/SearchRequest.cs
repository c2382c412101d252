namespace Quiver.Node.Client;

/// <summary>
/// A vector search as Milvus takes it: query vectors (flat, nq × dim; binary and packed types as bytes),
/// the vector field (optional when the collection has one), the metric (optional: the index's, else the
/// type's default), limit and offset (limit + offset ≤ 16384), output fields, round_decimal (−1 = none),
/// partitions to search (all when empty), a filter expression (Milvus boolean expression, with template values),
/// grouping, and the read's consistency.
/// </summary>
/// <remarks>Range search goes in <see cref="Params"/> as Milvus puts it: <c>radius</c> and <c>range_filter</c>.</remarks>
public sealed record SearchRequest
{
    public float[]? Vectors { get; init; }
    public byte[]? PackedVectors { get; init; }
    public string? VectorField { get; init; }
    public string? Metric { get; init; }
    public int Limit { get; init; } = 10;
    public int Offset { get; init; }
    public IReadOnlyList<string> OutputFields { get; init; } = [];
    public int RoundDecimal { get; init; } = -1;
    public IReadOnlyList<string> Partitions { get; init; } = [];

    /// <summary>
    /// Search parameters, Milvus's <c>params</c>: <c>ef</c> for HNSW, <c>nprobe</c> (and <c>refine_k</c>) for IVF, and for a
    /// range search <c>radius</c> (the outer bound) and optionally <c>range_filter</c> (the inner bound).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Params { get; init; }

    /// <summary>Milvus boolean expression rows must satisfy (<c>age &gt; 20 and tag in ["a", "b"]</c>); null or empty: no filter.</summary>
    public string? Filter { get; init; }

    /// <summary>Values of the filter's template parameters (<c>{name}</c>).</summary>
    public IReadOnlyDictionary<string, object?>? FilterParams { get; init; }

    /// <summary>Group hits by this scalar field (Int8..Int64, Bool, VarChar): at most <see cref="GroupSize"/> hits per value, <see cref="Limit"/> groups.</summary>
    public string? GroupByField { get; init; }

    /// <summary>Hits per group (default 1).</summary>
    public int GroupSize { get; init; } = 1;

    /// <summary>When true, only groups that reach <see cref="GroupSize"/> hits are returned if enough exist.</summary>
    public bool StrictGroupSize { get; init; }

    /// <summary>Search only sealed data (skip growing segments).</summary>
    public bool IgnoreGrowing { get; init; }

    /// <summary>Overrides the collection's default consistency level for this read.</summary>
    public Coordinator.ConsistencyLevel? ConsistencyLevel { get; init; }

    /// <summary>For Session (and Customized) reads: the write timestamp the read must see (0: the client's own last write).</summary>
    public ulong GuaranteeTimestamp { get; init; }
}
