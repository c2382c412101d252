using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Grpc.Core;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using Quiver.Node.Client;
using Quiver.Node.Errors;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;
using QCollectionSchema = Quiver.Node.Schema.CollectionSchema;
using QConsistency = Quiver.Node.Coordinator.ConsistencyLevel;
using QHybridSearchRequest = Quiver.Node.Client.HybridSearchRequest;
using QSearchRequest = Quiver.Node.Client.SearchRequest;
using SearchRequest = Milvus.Proto.Milvus.SearchRequest;
using HybridSearchRequest = Milvus.Proto.Milvus.HybridSearchRequest;

namespace Quiver.Server.Milvus;

public sealed partial class MilvusApi
{
    public override async Task<SearchResults> Search(SearchRequest request, ServerCallContext context)
    {
        string collection = Required(request.CollectionName, "collection_name");
        string? db = Db(request.DbName, context);
        var info = await client.DescribeCollectionAsync(collection, db, context.CancellationToken).ConfigureAwait(false);
        if (request.SubReqs.Count > 0) throw new QuiverException(ErrorCode.OperationNotSupported, "sub_reqs (search with several sub-requests) is not supported by Quiver");
        if (request.FunctionScore is not null) throw new QuiverException(ErrorCode.OperationNotSupported, "function_score is not supported by Quiver");
        var output = OutputColumns.Plan(info.Schema, request.OutputFields, withPrimaryKey: false);
        var (search, nq) = ReadSearch(info.Schema, request);
        search = search with
        {
            OutputFields = output.EngineNames,
            Partitions = [.. request.PartitionNames],
            ConsistencyLevel = request.UseDefaultConsistency ? null : (QConsistency)(int)request.ConsistencyLevel,
            GuaranteeTimestamp = request.GuaranteeTimestamp,
        };
        var hits = await client.SearchAsync(collection, search, db, context.CancellationToken).ConfigureAwait(false);
        return Results(info.Schema, info.Name, hits, nq, search.Limit, output, search.GroupByField);
    }

    public override async Task<SearchResults> HybridSearch(HybridSearchRequest request, ServerCallContext context)
    {
        string collection = Required(request.CollectionName, "collection_name");
        string? db = Db(request.DbName, context);
        var info = await client.DescribeCollectionAsync(collection, db, context.CancellationToken).ConfigureAwait(false);
        if (request.Requests.Count == 0) throw new QuiverException(ErrorCode.ParameterMissing, "hybrid search needs at least one request");
        if (request.FunctionScore is not null) throw new QuiverException(ErrorCode.OperationNotSupported, "function_score is not supported by Quiver; use rank_params");
        var output = OutputColumns.Plan(info.Schema, request.OutputFields, withPrimaryKey: false);
        var subs = new List<QSearchRequest>(request.Requests.Count);
        int nq = -1;
        foreach (var r in request.Requests)
        {
            var (sub, subNq) = ReadSearch(info.Schema, r);
            if (nq >= 0 && subNq != nq) throw QuiverException.Invalid($"every hybrid-search request needs the same number of query vectors ({nq} and {subNq})");
            nq = subNq;
            subs.Add(sub);
        }
        var rank = Pairs(request.RankParams);
        string strategy = rank.GetValueOrDefault("strategy", "rrf").ToLowerInvariant();
        using var rankParams = JsonDocument.Parse(string.IsNullOrWhiteSpace(rank.GetValueOrDefault("params")) ? "{}" : rank["params"]);
        Ranker ranker = strategy switch
        {
            "rrf" => new RrfRanker(rankParams.RootElement.TryGetProperty("k", out var k) ? (int)k.GetDouble() : 60),
            "weighted" => new WeightedRanker(
                rankParams.RootElement.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.Array
                    ? [.. w.EnumerateArray().Select(x => (float)x.GetDouble())]
                    : throw new QuiverException(ErrorCode.ParameterMissing, "the weighted ranker needs params.weights"),
                !rankParams.RootElement.TryGetProperty("norm_score", out var norm) || norm.ValueKind != JsonValueKind.False),
            _ => throw QuiverException.Invalid($"unknown rank strategy '{strategy}' (rrf or weighted)"),
        };
        int limit = rank.TryGetValue("limit", out var l) ? Int(l, "limit") : subs.Max(s => s.Limit);
        int offset = rank.TryGetValue("offset", out var o) ? Int(o, "offset") : 0;
        CheckWindow(limit, offset);
        var hybrid = new QHybridSearchRequest
        {
            Requests = subs,
            Ranker = ranker,
            Limit = limit,
            Offset = offset,
            OutputFields = output.EngineNames,
            RoundDecimal = rank.TryGetValue("round_decimal", out var rd) ? Int(rd, "round_decimal") : -1,
            Partitions = [.. request.PartitionNames],
            ConsistencyLevel = request.UseDefaultConsistency ? null : (QConsistency)(int)request.ConsistencyLevel,
            GuaranteeTimestamp = request.GuaranteeTimestamp,
        };
        var hits = await client.HybridSearchAsync(collection, hybrid, db, context.CancellationToken).ConfigureAwait(false);
        return Results(info.Schema, info.Name, hits, nq, limit, output, null);
    }

    /// <summary>One search's vectors and parameters, from <c>search_params</c> as the SDKs send them (values are strings; <c>params</c> is JSON).</summary>
    private static (QSearchRequest Search, int Nq) ReadSearch(QCollectionSchema schema, SearchRequest request)
    {
        if (request.Ids is not null) throw new QuiverException(ErrorCode.OperationNotSupported, "search by primary keys is not supported by Quiver");
        var p = Pairs(request.SearchParams);
        string? field = p.GetValueOrDefault("anns_field");
        if (string.IsNullOrEmpty(field))
        {
            var vectors = schema.VectorFields.ToList();
            if (vectors.Count != 1) throw new QuiverException(ErrorCode.ParameterMissing, "anns_field is required when the collection has several vector fields");
            field = vectors[0].Name;
        }
        var vectorField = schema.Field(field) ?? throw new QuiverException(ErrorCode.FieldNotFound, $"anns_field '{field}' is not in collection '{schema.Name}'");
        if (!vectorField.IsVector) throw QuiverException.Invalid($"anns_field '{field}' is not a vector field");
        var (floats, packed, nq) = FieldDataCodec.Vectors(request.PlaceholderGroup, vectorField);
        if (request.Nq != 0 && request.Nq != nq) throw QuiverException.Invalid($"nq is {request.Nq} but the placeholder group holds {nq} vectors");

        string? indexType = null, metric = p.GetValueOrDefault("metric_type");
        var searchParams = new Dictionary<string, string>(StringComparer.Ordinal);
        if (p.TryGetValue("params", out var json)) MergeJsonParams(json, searchParams, ref indexType, ref metric);
        // Older SDKs nest these inside params.
        string? topk = p.GetValueOrDefault("topk") ?? p.GetValueOrDefault("limit") ?? Take(searchParams, "topk") ?? Take(searchParams, "limit");
        string? offsetText = p.GetValueOrDefault("offset") ?? Take(searchParams, "offset");
        Take(searchParams, "offset");
        if (topk is null) throw new QuiverException(ErrorCode.ParameterMissing, "topk (the search limit) is required in search_params");
        int limit = Int(topk, "topk");
        int offset = offsetText is null ? 0 : Int(offsetText, "offset");
        CheckWindow(limit, offset);
        string? groupBy = p.GetValueOrDefault("group_by_field");
        var search = new QSearchRequest
        {
            Vectors = floats,
            PackedVectors = packed,
            VectorField = field,
            Metric = string.IsNullOrEmpty(metric) ? null : metric,
            Limit = limit,
            Offset = offset,
            RoundDecimal = p.TryGetValue("round_decimal", out var rd) ? Int(rd, "round_decimal") : -1,
            Params = searchParams.Count == 0 ? null : searchParams,
            Filter = string.IsNullOrWhiteSpace(request.Dsl) ? null : request.Dsl,
            FilterParams = FieldDataCodec.TemplateValues(request.ExprTemplateValues),
            GroupByField = string.IsNullOrEmpty(groupBy) ? null : groupBy,
            GroupSize = p.TryGetValue("group_size", out var gs) ? Int(gs, "group_size") : 1,
            StrictGroupSize = p.TryGetValue("strict_group_size", out var sg) && bool.TryParse(sg, out bool strict) && strict,
            IgnoreGrowing = p.TryGetValue("ignore_growing", out var ig) && bool.TryParse(ig, out bool ignore) && ignore,
            Partitions = [.. request.PartitionNames],
        };
        return (search, nq);
    }

    private static string? Take(Dictionary<string, string> d, string key) => d.Remove(key, out var v) ? v : null;

    private static void CheckWindow(int limit, int offset)
    {
        if (limit < 1 || limit > QuiverClient.MaxQueryWindow)
            throw QuiverException.Invalid($"topk [{limit}] is invalid, it should be in range [1, {QuiverClient.MaxQueryWindow}]");
        if (offset < 0) throw QuiverException.Invalid($"offset [{offset}] is invalid, it must not be negative");
        if ((long)limit + offset > QuiverClient.MaxQueryWindow)
            throw QuiverException.Invalid($"topk + offset = {(long)limit + offset} is invalid, it should not exceed {QuiverClient.MaxQueryWindow}");
    }

    private static int Int(string value, string what) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw QuiverException.Invalid($"{what} must be an integer, got '{value}'");

    private static Dictionary<string, string> Pairs(RepeatedField<KeyValuePair> pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in pairs) d[kv.Key] = kv.Value;
        return d;
    }

    /// <summary>Hits of every query flattened as SearchResultData: topks, ids, scores and aligned field columns.</summary>
    private static SearchResults Results(QCollectionSchema schema, string collection, IReadOnlyList<IReadOnlyList<SearchHit>> hits, int nq, int limit,
        OutputColumns output, string? groupByField)
    {
        var data = new SearchResultData { NumQueries = nq, TopK = limit, PrimaryFieldName = schema.PrimaryField.Name };
        var all = hits.SelectMany(h => h).ToList();
        foreach (var perQuery in hits) data.Topks.Add(perQuery.Count);
        data.Scores.Add(all.Select(h => h.Distance));
        bool stringKeys = schema.PrimaryField.DataType == Quiver.Storage.Segments.FieldType.VarChar;
        data.Ids = stringKeys
            ? new IDs { StrId = new StringArray { Data = { all.Select(h => (string)h.Id) } } }
            : new IDs { IntId = new LongArray { Data = { all.Select(h => Convert.ToInt64(h.Id, CultureInfo.InvariantCulture)) } } };
        var rows = all.Select(h => WithPrimaryKey(h, schema)).ToList();
        data.FieldsData.Add(output.Columns(rows));
        data.OutputFields.Add(output.Names);
        if (groupByField is not null && schema.Field(groupByField) is { } g)
            data.GroupByFieldValue = FieldDataCodec.Column(g, all.Select(h => h.GroupByValue).ToList());
        return new SearchResults { Status = Statuses.Ok(), Results = data, CollectionName = collection };
    }

    private static IReadOnlyDictionary<string, object?> WithPrimaryKey(SearchHit hit, QCollectionSchema schema)
    {
        if (hit.Fields.ContainsKey(schema.PrimaryField.Name)) return hit.Fields;
        var d = new Dictionary<string, object?>(hit.Fields, StringComparer.Ordinal) { [schema.PrimaryField.Name] = hit.Id };
        return d;
    }
}
