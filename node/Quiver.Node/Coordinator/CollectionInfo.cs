using Quiver.Node.Schema;

namespace Quiver.Node.Coordinator;

/// <summary>A collection as the catalog records it.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="DbId">The database it lives in.</param>
/// <param name="Name">Unique in its database (and not equal to an alias there).</param>
/// <param name="Schema">The schema, with field ids assigned 100, 101, … in field order.</param>
/// <param name="ShardsNum">Number of shards.</param>
/// <param name="VirtualChannels">One vchannel per shard, named "{collectionId}v{shard}".</param>
/// <param name="ConsistencyLevel">Default consistency of reads.</param>
/// <param name="Properties">Collection properties.</param>
/// <param name="CreatedTs">Hybrid timestamp of the creation.</param>
/// <param name="Partitions">Partitions in creation order; "_default" (or "_default_0".. for a partition key) first.</param>
/// <param name="State"><see cref="CollectionState.Created"/>, or <see cref="CollectionState.Dropped"/> on the record a drop returns.</param>
public sealed record CollectionInfo(
    long Id,
    long DbId,
    string Name,
    CollectionSchema Schema,
    int ShardsNum,
    IReadOnlyList<string> VirtualChannels,
    ConsistencyLevel ConsistencyLevel,
    IReadOnlyDictionary<string, string> Properties,
    ulong CreatedTs,
    IReadOnlyList<PartitionInfo> Partitions,
    CollectionState State)
{
    /// <summary>First field id of user fields (Milvus: 0 and 1 are RowID and Timestamp).</summary>
    public const long FirstFieldId = 100;

    /// <summary>The partition every collection without a partition key gets.</summary>
    public const string DefaultPartitionName = "_default";

    /// <summary>True when rows are routed to partitions by a partition-key field.</summary>
    public bool HasPartitionKey => Schema.PartitionKeyField is not null;

    /// <summary>The partition called <paramref name="name"/>, or null.</summary>
    public PartitionInfo? Partition(string name) => Partitions.FirstOrDefault(p => p.Name == name);

    /// <summary>The vchannel name of a shard.</summary>
    public static string VirtualChannelName(long collectionId, int shard) => $"{collectionId}v{shard}";
}
