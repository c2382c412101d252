using System.Globalization;
using Grpc.Core;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using Quiver.Node.Client;
using Quiver.Node.Errors;
using QMutationResult = Quiver.Node.Client.MutationResult;
using QueryRequest = Milvus.Proto.Milvus.QueryRequest;
using MutationResult = Milvus.Proto.Milvus.MutationResult;

namespace Quiver.Server.Milvus;

public sealed partial class MilvusApi
{
    public override Task<MutationResult> Insert(InsertRequest request, ServerCallContext context) =>
        WriteAsync(request.CollectionName, request.PartitionName, request.DbName, request.FieldsData, request.NumRows, upsert: false, context);

    public override Task<MutationResult> Upsert(UpsertRequest request, ServerCallContext context)
    {
        if (request.PartialUpdate) throw new QuiverException(ErrorCode.OperationNotSupported, "partial updates are not supported by Quiver");
        return WriteAsync(request.CollectionName, request.PartitionName, request.DbName, request.FieldsData, request.NumRows, upsert: true, context);
    }

    private async Task<MutationResult> WriteAsync(string collection, string partition, string requestDb, IReadOnlyList<FieldData> columns, uint numRows,
        bool upsert, ServerCallContext context)
    {
        Required(collection, "collection_name");
        string? db = Db(requestDb, context);
        var info = await client.DescribeCollectionAsync(collection, db, context.CancellationToken).ConfigureAwait(false);
        var data = FieldDataCodec.ToInsertData(info.Schema, columns, numRows);
        string? p = string.IsNullOrEmpty(partition) ? null : partition;
        // A request larger than one WAL entry is split into entries by the shard itself (ShardChannel), at one timestamp.
        var result = upsert
            ? await client.UpsertAsync(collection, data, p, db, context.CancellationToken).ConfigureAwait(false)
            : await client.InsertAsync(collection, data, p, db, context.CancellationToken).ConfigureAwait(false);
        var response = new MutationResult
        {
            Status = Statuses.Ok(),
            InsertCnt = result.InsertCount,
            UpsertCnt = result.UpsertCount,
            DeleteCnt = result.DeleteCount,
            Timestamp = result.Timestamp,
            IDs = Ids(result.Ids),
        };
        for (uint i = 0; i < (uint)data.RowCount; i++) response.SuccIndex.Add(i);
        return response;
    }

    public override async Task<MutationResult> Delete(DeleteRequest request, ServerCallContext context)
    {
        string collection = Required(request.CollectionName, "collection_name");
        string expr = Required(request.Expr, "expr");
        var result = await client.DeleteAsync(collection, expr, FieldDataCodec.TemplateValues(request.ExprTemplateValues),
            string.IsNullOrEmpty(request.PartitionName) ? null : [request.PartitionName], Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return Mutation(result);
    }

    private static MutationResult Mutation(QMutationResult result)
    {
        var response = new MutationResult
        {
            Status = Statuses.Ok(),
            InsertCnt = result.InsertCount,
            DeleteCnt = result.DeleteCount,
            UpsertCnt = result.UpsertCount,
            Timestamp = result.Timestamp,
            IDs = Ids(result.Ids),
        };
        return response;
    }

    private static IDs Ids(System.Collections.IEnumerable ids)
    {
        var result = new IDs();
        if (ids is string[] strings) result.StrId = new StringArray { Data = { strings } };
        else if (ids is long[] longs) result.IntId = new LongArray { Data = { longs } };
        else
        {
            var list = ids.Cast<object>().ToList();
            if (list.Count > 0 && list[0] is string) result.StrId = new StringArray { Data = { list.Cast<string>() } };
            else result.IntId = new LongArray { Data = { list.Select(o => Convert.ToInt64(o, CultureInfo.InvariantCulture)) } };
        }
        return result;
    }

    public override async Task<FlushResponse> Flush(FlushRequest request, ServerCallContext context)
    {
        string? db = Db(request.DbName, context);
        var response = new FlushResponse { Status = Statuses.Ok(), DbName = request.DbName };
        foreach (var collection in request.CollectionNames)
        {
            var segments = await client.FlushAsync(collection, db, context.CancellationToken).ConfigureAwait(false);
            response.CollSegIDs[collection] = new LongArray { Data = { segments } };
            response.FlushCollSegIDs[collection] = new LongArray { Data = { segments } };
            response.CollSealTimes[collection] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        }
        return response;
    }

    /// <summary>Quiver's Flush returns once the segments are flushed, so every flush a client can ask about is done.</summary>
    public override Task<GetFlushStateResponse> GetFlushState(GetFlushStateRequest request, ServerCallContext context) =>
        Task.FromResult(new GetFlushStateResponse { Status = Statuses.Ok(), Flushed = true });

    public override async Task<QueryResults> Query(QueryRequest request, ServerCallContext context)
    {
        string collection = Required(request.CollectionName, "collection_name");
        string? db = Db(request.DbName, context);
        var info = await client.DescribeCollectionAsync(collection, db, context.CancellationToken).ConfigureAwait(false);
        long? limit = null;
        long offset = 0;
        foreach (var kv in request.QueryParams)
        {
            if (kv.Key == "limit") limit = ParseLong(kv.Value, "limit");
            else if (kv.Key == "offset") offset = ParseLong(kv.Value, "offset");
        }
        var consistency = request.UseDefaultConsistency ? (Quiver.Node.Coordinator.ConsistencyLevel?)null : (Quiver.Node.Coordinator.ConsistencyLevel)(int)request.ConsistencyLevel;
        var filterParams = FieldDataCodec.TemplateValues(request.ExprTemplateValues);
        bool count = request.OutputFields.Any(f => string.Equals(f.Trim(), QuiverClient.CountStar, StringComparison.OrdinalIgnoreCase));
        var response = new QueryResults { Status = Statuses.Ok(), CollectionName = info.Name, PrimaryFieldName = info.Schema.PrimaryField.Name };
        if (count)
        {
            if (request.OutputFields.Count != 1) throw QuiverException.Invalid($"{QuiverClient.CountStar} cannot be combined with other output fields");
            long n = await client.CountAsync(collection, string.IsNullOrWhiteSpace(request.Expr) ? null : request.Expr, filterParams,
                request.PartitionNames.Count == 0 ? null : [.. request.PartitionNames], consistency, db, context.CancellationToken).ConfigureAwait(false);
            response.FieldsData.Add(new FieldData
            {
                Type = DataType.Int64,
                FieldName = QuiverClient.CountStar,
                Scalars = new ScalarField { LongData = new LongArray { Data = { n } } },
            });
            response.OutputFields.Add(QuiverClient.CountStar);
            return response;
        }
        var output = OutputColumns.Plan(info.Schema, request.OutputFields, withPrimaryKey: true);
        var rows = await client.QueryAsync(collection, new Quiver.Node.Client.QueryRequest
        {
            Filter = string.IsNullOrWhiteSpace(request.Expr) ? null : request.Expr,
            FilterParams = filterParams,
            OutputFields = output.EngineNames,
            Limit = limit,
            Offset = offset,
            Partitions = [.. request.PartitionNames],
            ConsistencyLevel = consistency,
            GuaranteeTimestamp = request.GuaranteeTimestamp,
        }, db, context.CancellationToken).ConfigureAwait(false);
        response.FieldsData.Add(output.Columns(rows));
        response.OutputFields.Add(output.Names);
        return response;
    }

    private static long ParseLong(string value, string what) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw QuiverException.Invalid($"{what} must be an integer, got '{value}'");

    private static long _nextCompactionId;

    /// <summary>Quiver compacts synchronously: the answer comes when the compaction is done, so its state is always Completed.</summary>
    public override async Task<ManualCompactionResponse> ManualCompaction(ManualCompactionRequest request, ServerCallContext context)
    {
        string collection = Required(request.CollectionName, "collection_name");
        var segments = await client.CompactAsync(collection, Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return new ManualCompactionResponse { Status = Statuses.Ok(), CompactionID = Interlocked.Increment(ref _nextCompactionId), CompactionPlanCount = segments.Count };
    }

    public override Task<GetCompactionStateResponse> GetCompactionState(GetCompactionStateRequest request, ServerCallContext context) =>
        Task.FromResult(new GetCompactionStateResponse { Status = Statuses.Ok(), State = global::Milvus.Proto.Common.CompactionState.Completed });

    public override async Task<AllocTimestampResponse> AllocTimestamp(AllocTimestampRequest request, ServerCallContext context) =>
        new() { Status = Statuses.Ok(), Timestamp = await client.AllocateTimestampAsync(context.CancellationToken).ConfigureAwait(false) };
}
