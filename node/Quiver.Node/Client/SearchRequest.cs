namespace Quiver.Node.Client;

/// <summary>
/// A vector search as Milvus takes it: query vectors (flat, nq × dim; binary and packed types as bytes),
/// the vector field (optional when the collection has one), the metric (optional: the index's, else the
/// type's default), limit and offset (limit + offset ≤ 16384), output fields, round_decimal (−1 = none),
/// partitions to search (all when empty), and a row predicate until the filter language lands.
/// </summary>
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

    /// <summary>Index search parameters, Milvus's <c>params</c>: <c>ef</c> for HNSW, <c>nprobe</c> (and <c>refine_k</c>) for IVF.</summary>
    public IReadOnlyDictionary<string, string>? Params { get; init; }

    /// <summary>Keeps only rows for which this returns true; it sees the row's fields by name. Slow path: for the tests and embedders until filter expressions arrive.</summary>
    public Func<Func<string, object?>, bool>? Filter { get; init; }
}
