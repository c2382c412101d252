using Quiver.Node.Errors;

namespace Quiver.Node.Coordinator;

public sealed partial class Catalog
{
    /// <summary>
    /// Adds a partition to a collection (name or alias). An existing partition of that name is returned
    /// as it is (Milvus treats the repeat as success). Refused on partition-key collections
    /// (ParameterInvalid) and past <see cref="CatalogLimits.MaxPartitionsPerCollection"/> (ParameterTooLarge).
    /// </summary>
    public Task<PartitionInfo> CreatePartitionAsync(string? dbName, string collection, string partition, CancellationToken cancellationToken = default)
    {
        ValidateName(partition, "partition");
        return MutateAsync<PartitionInfo>(async (state, ct) =>
        {
            var c = ResolveCollection(state, ResolveDatabase(state, dbName), collection);
            RefuseManualPartitions(c, "created", partition);
            if (c.Partition(partition) is { } existing)
                return CatalogChange<PartitionInfo>.Unchanged(existing);
            if (c.Partitions.Count >= _limits.MaxPartitionsPerCollection)
                throw new QuiverException(ErrorCode.ParameterTooLarge,
                    $"cannot create partition '{partition}': collection '{c.Name}' already has {c.Partitions.Count} partitions, the limit is {_limits.MaxPartitionsPerCollection}");
            long id = await _ids.AllocateAsync(1, ct).ConfigureAwait(false);
            ulong ts = await _tso.AllocateAsync(1, ct).ConfigureAwait(false);
            var p = new PartitionInfo(id, partition, ts);
            var next = c with { Partitions = Array.AsReadOnly<PartitionInfo>([.. c.Partitions, p]) };
            return new(p, state.WithCollection(next), [PutCollection(next)]);
        }, cancellationToken);
    }

    /// <summary>True when the collection (which must exist) has a partition called <paramref name="partition"/>.</summary>
    public ValueTask<bool> HasPartitionAsync(string? dbName, string collection, string partition, CancellationToken cancellationToken = default) =>
        Read(state => ResolveCollection(state, ResolveDatabase(state, dbName), collection).Partition(partition) is not null, cancellationToken);

    /// <summary>The partitions of a collection, in creation order.</summary>
    public ValueTask<IReadOnlyList<PartitionInfo>> ListPartitionsAsync(string? dbName, string collection, CancellationToken cancellationToken = default) =>
        Read(state => ResolveCollection(state, ResolveDatabase(state, dbName), collection).Partitions, cancellationToken);

    /// <summary>The partition called <paramref name="partition"/>; PartitionNotFound otherwise.</summary>
    public ValueTask<PartitionInfo> DescribePartitionAsync(string? dbName, string collection, string partition, CancellationToken cancellationToken = default) =>
        Read(state =>
        {
            var c = ResolveCollection(state, ResolveDatabase(state, dbName), collection);
            return c.Partition(partition) ?? throw new QuiverException(ErrorCode.PartitionNotFound, $"partition '{partition}' not found in collection '{c.Name}'");
        }, cancellationToken);

    /// <summary>
    /// Removes a partition and returns it, so the engine can delete its data; null when there is none
    /// of that name. "_default" and the partitions of a partition-key collection cannot be dropped.
    /// </summary>
    public Task<PartitionInfo?> DropPartitionAsync(string? dbName, string collection, string partition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return MutateAsync((state, _) =>
        {
            var c = ResolveCollection(state, ResolveDatabase(state, dbName), collection);
            RefuseManualPartitions(c, "dropped", partition);
            if (partition == CollectionInfo.DefaultPartitionName)
                throw QuiverException.Invalid($"the default partition '{partition}' of collection '{c.Name}' cannot be dropped");
            if (c.Partition(partition) is not { } p)
                return ValueTask.FromResult(CatalogChange<PartitionInfo?>.Unchanged(null));
            var next = c with { Partitions = Array.AsReadOnly(c.Partitions.Where(x => x.Id != p.Id).ToArray()) };
            return ValueTask.FromResult(new CatalogChange<PartitionInfo?>(p, state.WithCollection(next), [PutCollection(next)]));
        }, cancellationToken);
    }

    private static void RefuseManualPartitions(CollectionInfo c, string verb, string partition)
    {
        if (c.Schema.PartitionKeyField is { } key)
            throw QuiverException.Invalid(
                $"partition '{partition}' cannot be {verb} by hand: collection '{c.Name}' routes rows to partitions by its partition key '{key.Name}'");
    }
}
