namespace Quiver.Node.Client;

/// <summary>
/// A query as Milvus takes it: a filter expression (with template values), the fields to return (the primary key when
/// none is named; <c>*</c> for all; <c>count(*)</c> alone for a count), limit and offset (limit + offset ≤ 16384; without a
/// limit the filter must not be empty), partitions (all when empty) and the read's consistency. Rows come in ascending
/// primary-key order.
/// </summary>
public sealed record QueryRequest
{
    public string? Filter { get; init; }
    public IReadOnlyDictionary<string, object?>? FilterParams { get; init; }
    public IReadOnlyList<string> OutputFields { get; init; } = [];
    public long? Limit { get; init; }
    public long Offset { get; init; }
    public IReadOnlyList<string> Partitions { get; init; } = [];
    public bool IgnoreGrowing { get; init; }
    public Coordinator.ConsistencyLevel? ConsistencyLevel { get; init; }
    public ulong GuaranteeTimestamp { get; init; }
}
