namespace Quiver.Node.Coordinator;

/// <summary>The catalog's quotas, with Milvus 2.6's defaults (<c>quotaAndLimits.limits</c>, <c>rootCoord</c>).</summary>
public sealed record CatalogLimits
{
    /// <summary>Databases, "default" included (Milvus <c>rootCoord.maxDatabaseNum</c> = 64).</summary>
    public int MaxDatabases { get; init; } = 64;

    /// <summary>Collections across all databases (Milvus <c>quotaAndLimits.limits.maxCollectionNum</c> = 65536).</summary>
    public int MaxCollections { get; init; } = 65536;

    /// <summary>Partitions per collection (Milvus <c>rootCoord.maxPartitionNum</c> = 1024).</summary>
    public int MaxPartitionsPerCollection { get; init; } = 1024;

    /// <summary>Shards per collection (Milvus <c>proxy.maxShardNum</c> = 16).</summary>
    public int MaxShards { get; init; } = 16;

    /// <summary>Partitions a partition-key collection gets unless told otherwise (Milvus: 16).</summary>
    public int DefaultPartitionKeyPartitions { get; init; } = 16;

    /// <summary>Properties per database or collection, a guard on the size of one meta value.</summary>
    public int MaxProperties { get; init; } = 256;

    public static CatalogLimits Default { get; } = new();
}
