namespace Quiver.Node.Coordinator;

/// <summary>The settings of CreateCollection besides the schema.</summary>
public sealed record CreateCollectionOptions
{
    /// <summary>Shards (vchannels) rows are hashed to, 1..<see cref="CatalogLimits.MaxShards"/>; Milvus's default is 1.</summary>
    public int ShardsNum { get; init; } = 1;

    /// <summary>
    /// Partitions of a partition-key collection, 1..<see cref="CatalogLimits.MaxPartitionsPerCollection"/>;
    /// null means 16 (Milvus's default). Only allowed when the schema has a partition key.
    /// </summary>
    public int? NumPartitions { get; init; }

    /// <summary>Default consistency of reads (Milvus's SDK default: Bounded).</summary>
    public ConsistencyLevel ConsistencyLevel { get; init; } = ConsistencyLevel.Bounded;

    /// <summary>Collection properties (e.g. <c>collection.ttl.seconds</c>, <c>mmap.enabled</c>); null for none.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }
}
