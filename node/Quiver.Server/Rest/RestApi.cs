using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quiver.Node.Client;
using Quiver.Node.Errors;

namespace Quiver.Rest;

/// <summary>
/// Milvus's RESTful API v2 over the engine: <c>POST /v2/vectordb/{group}/{action}</c> with a JSON body (parsed whatever
/// the Content-Type says — the official Node SDK sends <c>text/plain</c>), answered with the <c>{code, data, message}</c>
/// envelope and HTTP 200. The database comes from the body's <c>dbName</c> (default "default").
/// </summary>
public sealed partial class RestApi(QuiverClient client, RestOptions? options = null)
{
    private readonly RestOptions _options = options ?? new RestOptions();

    // Milvus's codes for these (reference §2.6): not authenticated, and the REST layer's bad-JSON error.
    private const int NotAuthenticated = 1400;
    private const int InvalidJson = 1801;

    private delegate Task<RestResponse> Handler(RestApi api, Body body, CancellationToken ct);

    private static readonly Dictionary<string, Handler> Handlers = new(StringComparer.Ordinal)
    {
        ["collections/create"] = (a, b, ct) => a.CreateCollectionAsync(b, ct),
        ["collections/describe"] = (a, b, ct) => a.DescribeCollectionAsync(b, ct),
        ["collections/list"] = (a, b, ct) => a.ListCollectionsAsync(b, ct),
        ["collections/has"] = (a, b, ct) => a.HasCollectionAsync(b, ct),
        ["collections/drop"] = (a, b, ct) => a.DropCollectionAsync(b, ct),
        ["collections/get_stats"] = (a, b, ct) => a.CollectionStatsAsync(b, ct),
        ["collections/load"] = (a, b, ct) => a.LoadAsync(b, ct),
        ["collections/release"] = (a, b, ct) => a.ReleaseAsync(b, ct),
        ["collections/get_load_state"] = (a, b, ct) => a.LoadStateAsync(b, ct),
        ["collections/flush"] = (a, b, ct) => a.FlushAsync(b, ct),
        ["entities/insert"] = (a, b, ct) => a.InsertAsync(b, upsert: false, ct),
        ["entities/upsert"] = (a, b, ct) => a.InsertAsync(b, upsert: true, ct),
        ["entities/delete"] = (a, b, ct) => a.DeleteAsync(b, ct),
        ["entities/query"] = (a, b, ct) => a.QueryAsync(b, ct),
        ["entities/get"] = (a, b, ct) => a.GetAsync(b, ct),
        ["entities/search"] = (a, b, ct) => a.SearchAsync(b, ct),
        ["entities/hybrid_search"] = (a, b, ct) => a.HybridSearchAsync(b, ct),
        ["entities/advanced_search"] = (a, b, ct) => a.HybridSearchAsync(b, ct),
        ["indexes/create"] = (a, b, ct) => a.CreateIndexAsync(b, ct),
        ["indexes/describe"] = (a, b, ct) => a.DescribeIndexAsync(b, ct),
        ["indexes/list"] = (a, b, ct) => a.ListIndexesAsync(b, ct),
        ["indexes/drop"] = (a, b, ct) => a.DropIndexAsync(b, ct),
        ["partitions/list"] = (a, b, ct) => a.ListPartitionsAsync(b, ct),
        ["partitions/has"] = (a, b, ct) => a.HasPartitionAsync(b, ct),
        ["partitions/create"] = (a, b, ct) => a.CreatePartitionAsync(b, ct),
        ["partitions/drop"] = (a, b, ct) => a.DropPartitionAsync(b, ct),
        ["partitions/load"] = (a, b, ct) => a.LoadAsync(b, ct),
        ["partitions/release"] = (a, b, ct) => a.ReleaseAsync(b, ct),
        ["partitions/get_stats"] = (a, b, ct) => a.CollectionStatsAsync(b, ct),
        ["aliases/create"] = (a, b, ct) => a.CreateAliasAsync(b, ct),
        ["aliases/alter"] = (a, b, ct) => a.AlterAliasAsync(b, ct),
        ["aliases/drop"] = (a, b, ct) => a.DropAliasAsync(b, ct),
        ["aliases/describe"] = (a, b, ct) => a.DescribeAliasAsync(b, ct),
        ["aliases/list"] = (a, b, ct) => a.ListAliasesAsync(b, ct),
        ["databases/create"] = (a, b, ct) => a.CreateDatabaseAsync(b, ct),
        ["databases/drop"] = (a, b, ct) => a.DropDatabaseAsync(b, ct),
        ["databases/list"] = (a, b, ct) => a.ListDatabasesAsync(ct),
        ["databases/describe"] = (a, b, ct) => a.DescribeDatabaseAsync(b, ct),
    };

    /// <summary>The endpoints this version serves (group/action).</summary>
    public static IReadOnlyCollection<string> Endpoints => Handlers.Keys;

    /// <summary>Handles one call: <paramref name="endpoint"/> is "group/action" (after /v2/vectordb/).</summary>
    public async Task<RestResponse> HandleAsync(string endpoint, ReadOnlyMemory<byte> body, string? authorization, bool acceptInt64 = true,
        CancellationToken cancellationToken = default)
    {
        if (_options.AuthorizationEnabled && !Authorized(authorization))
            return new RestResponse(NotAuthenticated, null, "not authenticated: send Authorization: Bearer <user>:<password>");
        if (!Handlers.TryGetValue(endpoint.Trim('/'), out var handler))
            return new RestResponse((int)ErrorCode.OperationNotSupported, null, $"endpoint /v2/vectordb/{endpoint.Trim('/')} is not supported");
        JsonElement root;
        try
        {
            using var doc = body.IsEmpty ? JsonDocument.Parse("{}") : JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return new RestResponse(InvalidJson, null, $"the request body is not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object)
            return new RestResponse((int)ErrorCode.ParameterInvalid, null, "the request body must be a JSON object");
        try
        {
            return await handler(this, new Body(root, acceptInt64), cancellationToken).ConfigureAwait(false);
        }
        catch (QuiverException e)
        {
            return new RestResponse((int)e.Code, null, e.Message);
        }
        catch (RestInputException e)
        {
            return new RestResponse((int)ErrorCode.ParameterInvalid, null, e.Message);
        }
    }

    /// <summary>The request line (<see cref="Quiver.Server.RequestLog"/>); a failed call's id also goes back in the Request-Id header.</summary>
    private void LogOutcome(string endpoint, RestResponse response, long started, HttpContext http)
    {
        var log = _options.Log;
        bool failed = response.Code != 0;
        if (!failed && !log.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug)) return;
        string id = Quiver.Server.RequestLog.NewId(http.Request.Headers["Request-Id"].ToString());
        double ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        string call = "POST /v2/vectordb/" + endpoint.Trim('/');
        if (failed)
        {
            http.Response.Headers["Request-Id"] = id;
            Quiver.Server.RequestLog.Failed(log, call, id, response.Code, response.Message ?? "", ms);
        }
        else
        {
            Quiver.Server.RequestLog.Served(log, call, id, ms);
        }
    }

    private bool Authorized(string? header)
    {
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        string token = header["Bearer ".Length..].Trim();
        int colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return false;
        return _options.Verify(token[..colon], token[(colon + 1)..]);
    }

    /// <summary>Serves the API at <c>POST /v2/vectordb/{group}/{action}</c>.</summary>
    public static void Map(IEndpointRouteBuilder endpoints, RestApi api)
    {
        endpoints.MapPost("/v2/vectordb/{**endpoint}", async (HttpContext http, string endpoint) =>
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
            bool int64 = !string.Equals(http.Request.Headers["Accept-Type-Allow-Int64"].ToString(), "false", StringComparison.OrdinalIgnoreCase);
            var response = await api.HandleAsync(endpoint, buffer.ToArray(), http.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
                int64, http.RequestAborted).ConfigureAwait(false);
            api.LogOutcome(endpoint, response, started, http);
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(response.ToJson().ToJsonString(), Encoding.UTF8, http.RequestAborted).ConfigureAwait(false);
        });
    }
}

/// <summary>REST settings: auth (off by default) and the credentials lookup.</summary>
public sealed record RestOptions
{
    public bool AuthorizationEnabled { get; init; }

    /// <summary>True when the user exists and the password is theirs (the server passes its credential store).</summary>
    public Func<string, string, bool> Verify { get; init; } = (user, password) => user == "root" && password == "Milvus";

    /// <summary>Where request lines go (<see cref="Quiver.Server.RequestLog"/>); none by default.</summary>
    public Microsoft.Extensions.Logging.ILogger Log { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}

/// <summary>A request body problem (a missing or mistyped key): answered as ParameterInvalid naming it.</summary>
public sealed class RestInputException(string message) : Exception(message);
