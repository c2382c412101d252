using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Milvus.Proto.Common;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;
using ErrorCode = Quiver.Node.Errors.ErrorCode;
using Milvus.Proto.Milvus;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Status = Milvus.Proto.Common.Status;
using QLoadState = Quiver.Node.Client.LoadState;

namespace Quiver.Server.Milvus;

public sealed partial class MilvusApi
{
    // ---------------------------------------------------------------- collections

    public override async Task<Status> CreateCollection(CreateCollectionRequest request, ServerCallContext context)
    {
        string name = Required(request.CollectionName, "collection_name");
        var schema = SchemaCodec.Decode(request.Schema, name);
        var options = new CreateCollectionOptions
        {
            ShardsNum = request.ShardsNum <= 0 ? 1 : request.ShardsNum,
            NumPartitions = request.NumPartitions > 0 ? checked((int)request.NumPartitions) : null,
            ConsistencyLevel = (Quiver.Node.Coordinator.ConsistencyLevel)(int)request.ConsistencyLevel,
            Properties = Properties(request.Properties),
        };
        // Milvus does not load on create: clients index, then load.
        await client.CreateCollectionAsync(schema, options, Db(request.DbName, context), context.CancellationToken, load: false).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<Status> DropCollection(DropCollectionRequest request, ServerCallContext context)
    {
        string name = Required(request.CollectionName, "collection_name");
        // Milvus answers success when the collection is already gone.
        await client.DropCollectionAsync(name, Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<BoolResponse> HasCollection(HasCollectionRequest request, ServerCallContext context) => new()
    {
        Status = Statuses.Ok(),
        Value = await client.HasCollectionAsync(Required(request.CollectionName, "collection_name"), Db(request.DbName, context), context.CancellationToken)
            .ConfigureAwait(false),
    };

    public override async Task<DescribeCollectionResponse> DescribeCollection(DescribeCollectionRequest request, ServerCallContext context)
    {
        string? db = Db(request.DbName, context);
        string name = request.CollectionName;
        if (string.IsNullOrEmpty(name) && request.CollectionID != 0)
            name = (await client.ListCollectionInfosAsync(db, context.CancellationToken).ConfigureAwait(false)).FirstOrDefault(c => c.Id == request.CollectionID)?.Name
                ?? throw new QuiverException(ErrorCode.CollectionNotFound, $"collection {request.CollectionID} does not exist");
        var info = await client.DescribeCollectionAsync(Required(name, "collection_name"), db, context.CancellationToken).ConfigureAwait(false);
        var dbInfo = await client.DescribeDatabaseAsync(db, context.CancellationToken).ConfigureAwait(false);
        var aliases = await client.ListAliasesAsync(info.Name, db, context.CancellationToken).ConfigureAwait(false);
        var response = new DescribeCollectionResponse
        {
            Status = Statuses.Ok(),
            Schema = SchemaCodec.Encode(info.Schema, dbInfo.Name),
            CollectionID = info.Id,
            CollectionName = info.Name,
            CreatedTimestamp = info.CreatedTs,
            CreatedUtcTimestamp = UtcMs(info.CreatedTs),
            ShardsNum = info.ShardsNum,
            ConsistencyLevel = (global::Milvus.Proto.Common.ConsistencyLevel)(int)info.ConsistencyLevel,
            DbName = dbInfo.Name,
            DbId = info.DbId,
            NumPartitions = info.HasPartitionKey ? info.Partitions.Count : 0,
            UpdateTimestamp = info.CreatedTs,
            UpdateTimestampStr = info.CreatedTs.ToString(CultureInfo.InvariantCulture),
        };
        response.VirtualChannelNames.Add(info.VirtualChannels);
        response.PhysicalChannelNames.Add(info.VirtualChannels);
        response.Aliases.Add(aliases.Select(a => a.Alias));
        response.Properties.Add(Pairs(info.Properties));
        return response;
    }

    public override async Task<ShowCollectionsResponse> ShowCollections(ShowCollectionsRequest request, ServerCallContext context)
    {
        string? db = Db(request.DbName, context);
        var response = new ShowCollectionsResponse { Status = Statuses.Ok() };
        var wanted = request.CollectionNames.Count > 0 ? request.CollectionNames.ToHashSet(StringComparer.Ordinal) : null;
        foreach (var c in await client.ListCollectionInfosAsync(db, context.CancellationToken).ConfigureAwait(false))
        {
            if (wanted is not null && !wanted.Contains(c.Name)) continue;
            bool loaded = await client.GetLoadStateAsync(c.Name, db, context.CancellationToken).ConfigureAwait(false) == QLoadState.Loaded;
            if (request.Type == ShowType.InMemory && !loaded) continue;
            response.CollectionNames.Add(c.Name);
            response.CollectionIds.Add(c.Id);
            response.CreatedTimestamps.Add(c.CreatedTs);
            response.CreatedUtcTimestamps.Add(UtcMs(c.CreatedTs));
            response.InMemoryPercentages.Add(loaded ? 100 : 0);
            response.QueryServiceAvailable.Add(loaded);
            response.ShardsNum.Add(c.ShardsNum);
        }
        return response;
    }

    public override async Task<GetCollectionStatisticsResponse> GetCollectionStatistics(GetCollectionStatisticsRequest request, ServerCallContext context)
    {
        var stats = await client.GetCollectionStatisticsAsync(Required(request.CollectionName, "collection_name"), Db(request.DbName, context),
            context.CancellationToken).ConfigureAwait(false);
        return new GetCollectionStatisticsResponse { Status = Statuses.Ok(), Stats = { Pairs(stats) } };
    }

    public override async Task<Status> AlterCollection(AlterCollectionRequest request, ServerCallContext context)
    {
        await client.AlterCollectionAsync(Required(request.CollectionName, "collection_name"), Properties(request.Properties),
            request.DeleteKeys.Count == 0 ? null : [.. request.DeleteKeys], Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    // ---------------------------------------------------------------- partitions

    public override async Task<Status> CreatePartition(CreatePartitionRequest request, ServerCallContext context)
    {
        await client.CreatePartitionAsync(Required(request.CollectionName, "collection_name"), Required(request.PartitionName, "partition_name"),
            Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<Status> DropPartition(DropPartitionRequest request, ServerCallContext context)
    {
        await client.DropPartitionAsync(Required(request.CollectionName, "collection_name"), Required(request.PartitionName, "partition_name"),
            Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<BoolResponse> HasPartition(HasPartitionRequest request, ServerCallContext context) => new()
    {
        Status = Statuses.Ok(),
        Value = await client.HasPartitionAsync(Required(request.CollectionName, "collection_name"), Required(request.PartitionName, "partition_name"),
            Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false),
    };

    public override async Task<ShowPartitionsResponse> ShowPartitions(ShowPartitionsRequest request, ServerCallContext context)
    {
        string? db = Db(request.DbName, context);
        var info = await client.DescribeCollectionAsync(Required(request.CollectionName, "collection_name"), db, context.CancellationToken).ConfigureAwait(false);
        var response = new ShowPartitionsResponse { Status = Statuses.Ok() };
        foreach (var p in info.Partitions)
        {
            if (request.PartitionNames.Count > 0 && !request.PartitionNames.Contains(p.Name)) continue;
            response.PartitionNames.Add(p.Name);
            response.PartitionIDs.Add(p.Id);
            response.CreatedTimestamps.Add(p.CreatedTs);
            response.CreatedUtcTimestamps.Add(UtcMs(p.CreatedTs));
            bool loaded = await client.GetLoadStateAsync(info.Name, [p.Name], db, context.CancellationToken).ConfigureAwait(false) == QLoadState.Loaded;
            response.InMemoryPercentages.Add(loaded ? 100 : 0);
        }
        return response;
    }

    /// <summary>Loads the named partitions (reads then cover only loaded partitions; a whole-collection load already covers them).</summary>
    public override async Task<Status> LoadPartitions(LoadPartitionsRequest request, ServerCallContext context)
    {
        string name = Required(request.CollectionName, "collection_name");
        string? db = Db(request.DbName, context);
        await RequireVectorIndexesAsync(name, db, context.CancellationToken).ConfigureAwait(false);
        await client.LoadPartitionsAsync(name, [.. request.PartitionNames], db, context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    /// <summary>Releases the named partitions: they stop being searchable; releasing the last loaded one releases the collection.</summary>
    public override async Task<Status> ReleasePartitions(ReleasePartitionsRequest request, ServerCallContext context)
    {
        await client.ReleasePartitionsAsync(Required(request.CollectionName, "collection_name"), [.. request.PartitionNames], Db(request.DbName, context),
            context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<GetPartitionStatisticsResponse> GetPartitionStatistics(GetPartitionStatisticsRequest request, ServerCallContext context)
    {
        string name = Required(request.CollectionName, "collection_name");
        string partition = Required(request.PartitionName, "partition_name");
        string? db = Db(request.DbName, context);
        var stats = await client.GetPartitionStatisticsAsync(name, partition, db, context.CancellationToken).ConfigureAwait(false);
        var response = new GetPartitionStatisticsResponse { Status = Statuses.Ok() };
        foreach (var (key, value) in stats) response.Stats.Add(new KeyValuePair { Key = key, Value = value });
        return response;
    }

    // ---------------------------------------------------------------- aliases

    public override async Task<Status> CreateAlias(CreateAliasRequest request, ServerCallContext context)
    {
        await client.CreateAliasAsync(Required(request.Alias, "alias"), Required(request.CollectionName, "collection_name"), Db(request.DbName, context),
            context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<Status> AlterAlias(AlterAliasRequest request, ServerCallContext context)
    {
        await client.AlterAliasAsync(Required(request.Alias, "alias"), Required(request.CollectionName, "collection_name"), Db(request.DbName, context),
            context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<Status> DropAlias(DropAliasRequest request, ServerCallContext context)
    {
        await client.DropAliasAsync(Required(request.Alias, "alias"), Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<DescribeAliasResponse> DescribeAlias(DescribeAliasRequest request, ServerCallContext context)
    {
        var a = await client.DescribeAliasAsync(Required(request.Alias, "alias"), Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return new DescribeAliasResponse { Status = Statuses.Ok(), Alias = a.Alias, Collection = a.CollectionName, DbName = a.DatabaseName };
    }

    public override async Task<ListAliasesResponse> ListAliases(ListAliasesRequest request, ServerCallContext context)
    {
        string? db = Db(request.DbName, context);
        var aliases = await client.ListAliasesAsync(string.IsNullOrEmpty(request.CollectionName) ? null : request.CollectionName, db, context.CancellationToken)
            .ConfigureAwait(false);
        var dbInfo = await client.DescribeDatabaseAsync(db, context.CancellationToken).ConfigureAwait(false);
        return new ListAliasesResponse { Status = Statuses.Ok(), DbName = dbInfo.Name, CollectionName = request.CollectionName, Aliases = { aliases.Select(a => a.Alias) } };
    }

    // ---------------------------------------------------------------- indexes

    public override async Task<Status> CreateIndex(CreateIndexRequest request, ServerCallContext context)
    {
        string collection = Required(request.CollectionName, "collection_name");
        string field = Required(request.FieldName, "field_name");
        string? indexType = null, metric = null;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in request.ExtraParams)
        {
            switch (kv.Key)
            {
                case "index_type": indexType = kv.Value; break;
                case "metric_type": metric = kv.Value; break;
                case "params": MergeJsonParams(kv.Value, parameters, ref indexType, ref metric); break;
                default: parameters[kv.Key] = kv.Value; break;
            }
        }
        var spec = new IndexSpec(field, string.IsNullOrEmpty(indexType) ? "AUTOINDEX" : indexType, string.IsNullOrEmpty(metric) ? null : metric,
            parameters.Count == 0 ? null : parameters, string.IsNullOrEmpty(request.IndexName) ? null : request.IndexName);
        await client.CreateIndexAsync(collection, spec, Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    /// <summary>The JSON object of build or search params (<c>{"M":16,"efConstruction":200}</c>) flattened into string pairs.</summary>
    internal static void MergeJsonParams(string json, Dictionary<string, string> into, ref string? indexType, ref string? metric)
    {
        if (string.IsNullOrWhiteSpace(json)) return;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw QuiverException.Invalid($"params is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw QuiverException.Invalid("params must be a JSON object");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                string value = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                switch (p.Name)
                {
                    case "index_type": indexType ??= value; break;
                    case "metric_type": metric ??= value; break;
                    case "params": MergeJsonParams(p.Value.ValueKind == JsonValueKind.String ? value : p.Value.GetRawText(), into, ref indexType, ref metric); break;
                    default: into[p.Name] = value; break;
                }
            }
        }
    }

    public override async Task<DescribeIndexResponse> DescribeIndex(DescribeIndexRequest request, ServerCallContext context) =>
        new() { Status = Statuses.Ok(), IndexDescriptions = { await DescribeIndexesAsync(request.CollectionName, request.DbName, request.FieldName, request.IndexName, context).ConfigureAwait(false) } };

    public override async Task<GetIndexStatisticsResponse> GetIndexStatistics(GetIndexStatisticsRequest request, ServerCallContext context) =>
        new() { Status = Statuses.Ok(), IndexDescriptions = { await DescribeIndexesAsync(request.CollectionName, request.DbName, "", request.IndexName, context).ConfigureAwait(false) } };

    /// <summary>Deprecated in Milvus (DescribeIndex says the same); older SDKs still poll it.</summary>
    public override async Task<GetIndexStateResponse> GetIndexState(GetIndexStateRequest request, ServerCallContext context)
    {
        var d = await DescribeIndexesAsync(request.CollectionName, request.DbName, request.FieldName, request.IndexName, context).ConfigureAwait(false);
        return new GetIndexStateResponse { Status = Statuses.Ok(), State = d[0].State, FailReason = d[0].IndexStateFailReason };
    }

    /// <summary>Deprecated in Milvus (DescribeIndex says the same); older SDKs still poll it.</summary>
    public override async Task<GetIndexBuildProgressResponse> GetIndexBuildProgress(GetIndexBuildProgressRequest request, ServerCallContext context)
    {
        var d = await DescribeIndexesAsync(request.CollectionName, request.DbName, request.FieldName, request.IndexName, context).ConfigureAwait(false);
        return new GetIndexBuildProgressResponse { Status = Statuses.Ok(), IndexedRows = d[0].IndexedRows, TotalRows = d[0].TotalRows };
    }

    private async Task<List<IndexDescription>> DescribeIndexesAsync(string collectionName, string requestDb, string fieldName, string indexName, ServerCallContext context)
    {
        string collection = Required(collectionName, "collection_name");
        string? db = Db(requestDb, context);
        var indexes = (await client.ListIndexesAsync(collection, db, context.CancellationToken).ConfigureAwait(false))
            .Where(i => (string.IsNullOrEmpty(fieldName) || i.FieldName == fieldName)
                && (string.IsNullOrEmpty(indexName) || i.IndexName == indexName))
            .ToList();
        if (indexes.Count == 0)
            throw new QuiverException(ErrorCode.IndexNotFound, $"index not found in collection '{collection}'"
                + (string.IsNullOrEmpty(fieldName) ? "" : $" on field '{fieldName}'")
                + (string.IsNullOrEmpty(indexName) ? "" : $" named '{indexName}'"));
        var response = new List<IndexDescription>(indexes.Count);
        foreach (var index in indexes)
        {
            var d = await client.DescribeIndexAsync(collection, index.IndexName, db, context.CancellationToken).ConfigureAwait(false);
            var description = new IndexDescription
            {
                IndexName = index.IndexName,
                IndexID = index.IndexId,
                FieldName = index.FieldName,
                IndexedRows = d.IndexedRows,
                TotalRows = d.TotalRows,
                PendingIndexRows = d.PendingIndexRows,
                State = d.State switch
                {
                    "Finished" => IndexState.Finished,
                    "InProgress" => IndexState.InProgress,
                    "Failed" => IndexState.Failed,
                    "Unissued" => IndexState.Unissued,
                    _ => IndexState.Finished,
                },
            };
            description.Params.Add(new KeyValuePair { Key = "index_type", Value = index.IndexType });
            if (!string.IsNullOrEmpty(index.MetricType)) description.Params.Add(new KeyValuePair { Key = "metric_type", Value = index.MetricType });
            if (index.Params.Count > 0)
                description.Params.Add(new KeyValuePair { Key = "params", Value = JsonSerializer.Serialize(index.Params) });
            response.Add(description);
        }
        return response;
    }

    public override async Task<Status> DropIndex(DropIndexRequest request, ServerCallContext context)
    {
        string collection = Required(request.CollectionName, "collection_name");
        string? db = Db(request.DbName, context);
        string? name = string.IsNullOrEmpty(request.IndexName) ? null : request.IndexName;
        if (name is null)
        {
            var onField = (await client.ListIndexesAsync(collection, db, context.CancellationToken).ConfigureAwait(false))
                .Where(i => i.FieldName == request.FieldName).ToList();
            if (onField.Count == 0) throw new QuiverException(ErrorCode.IndexNotFound, $"no index on field '{request.FieldName}' of collection '{collection}'");
            name = onField[0].IndexName;
        }
        await client.DropIndexAsync(collection, name, db, context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    // ---------------------------------------------------------------- load state

    public override async Task<Status> LoadCollection(LoadCollectionRequest request, ServerCallContext context)
    {
        string name = Required(request.CollectionName, "collection_name");
        string? db = Db(request.DbName, context);
        await RequireVectorIndexesAsync(name, db, context.CancellationToken).ConfigureAwait(false);
        await client.LoadCollectionAsync(name, db, context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    /// <summary>Milvus refuses to load a collection while a vector field has no index; clients rely on that order (index, then load).</summary>
    private async Task RequireVectorIndexesAsync(string collection, string? db, CancellationToken ct)
    {
        var info = await client.DescribeCollectionAsync(collection, db, ct).ConfigureAwait(false);
        var indexes = await client.ListIndexesAsync(collection, db, ct).ConfigureAwait(false);
        foreach (var field in info.Schema.VectorFields)
            if (!indexes.Any(i => i.FieldName == field.Name))
                throw new QuiverException(ErrorCode.IndexNotFound,
                    $"there is no vector index on field '{field.Name}' of collection '{info.Name}': create an index before loading");
    }

    public override async Task<Status> ReleaseCollection(ReleaseCollectionRequest request, ServerCallContext context)
    {
        await client.ReleaseCollectionAsync(Required(request.CollectionName, "collection_name"), Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<GetLoadStateResponse> GetLoadState(GetLoadStateRequest request, ServerCallContext context)
    {
        var state = await client.GetLoadStateAsync(Required(request.CollectionName, "collection_name"), [.. request.PartitionNames], Db(request.DbName, context),
            context.CancellationToken).ConfigureAwait(false);
        return new GetLoadStateResponse { Status = Statuses.Ok(), State = (LoadState)(int)state };
    }

    public override async Task<GetLoadingProgressResponse> GetLoadingProgress(GetLoadingProgressRequest request, ServerCallContext context)
    {
        string name = Required(request.CollectionName, "collection_name");
        string? db = Db(request.DbName, context);
        if (await client.GetLoadStateAsync(name, [.. request.PartitionNames], db, context.CancellationToken).ConfigureAwait(false) == QLoadState.NotLoad)
            throw request.PartitionNames.Count > 0
                ? new QuiverException(ErrorCode.PartitionNotLoaded, $"partitions {string.Join(", ", request.PartitionNames)} of collection '{name}' are not all loaded")
                : new QuiverException(ErrorCode.CollectionNotLoaded, $"collection '{name}' is not loaded");
        const int progress = 100; // loading is immediate in this engine
        return new GetLoadingProgressResponse { Status = Statuses.Ok(), Progress = progress, RefreshProgress = progress };
    }
}
