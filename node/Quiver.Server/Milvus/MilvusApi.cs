using System.Globalization;
using Grpc.Core;
using Milvus.Proto.Common;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;
using ErrorCode = Quiver.Node.Errors.ErrorCode;
using Milvus.Proto.Milvus;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Status = Milvus.Proto.Common.Status;

namespace Quiver.Server.Milvus;

/// <summary>
/// <c>milvus.proto.milvus.MilvusService</c> over a <see cref="QuiverClient"/>. Each RPC reads its request,
/// calls the engine and builds the answer; failures are thrown as <see cref="QuiverException"/> and turned into
/// statuses by <see cref="MilvusCallInterceptor"/>, which also answers the RPCs not overridden here.
/// </summary>
public sealed partial class MilvusApi(QuiverClient client, CredentialStore credentials) : MilvusService.MilvusServiceBase
{
    /// <summary>The version GetVersion reports: the Milvus API level Quiver follows.</summary>
    public const string Version = "v2.6.0-quiver";

    private static long _nextIdentifier;

    /// <summary>The database of a call: the request's <c>db_name</c>, else the <c>dbname</c> metadata, else the default (null).</summary>
    private static string? Db(string requestDb, ServerCallContext context)
    {
        if (!string.IsNullOrEmpty(requestDb)) return requestDb;
        string? header = context.RequestHeaders.GetValue("dbname");
        return string.IsNullOrEmpty(header) ? null : header;
    }

    private static string Required(string value, string what) =>
        string.IsNullOrEmpty(value) ? throw new QuiverException(ErrorCode.ParameterMissing, $"{what} is required") : value;

    private static IReadOnlyDictionary<string, string>? Properties(IEnumerable<KeyValuePair> pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in pairs) result[kv.Key] = kv.Value;
        return result.Count == 0 ? null : result;
    }

    private static IEnumerable<KeyValuePair> Pairs(IReadOnlyDictionary<string, string> properties) =>
        properties.Select(p => new KeyValuePair { Key = p.Key, Value = p.Value });

    private static ulong UtcMs(ulong hybridTs) => (ulong)HybridTimestamp.Physical(hybridTs);

    private static string Invariant(long v) => v.ToString(CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- handshake and health

    public override Task<ConnectResponse> Connect(ConnectRequest request, ServerCallContext context) =>
        Task.FromResult(new ConnectResponse
        {
            Status = Statuses.Ok(),
            Identifier = Interlocked.Increment(ref _nextIdentifier) + Environment.ProcessId * 1_000_000L,
            ServerInfo = new ServerInfo
            {
                BuildTags = Version,
                DeployMode = "STANDALONE",
                Reserved = { ["engine"] = "quiver" },
            },
        });

    public override Task<GetVersionResponse> GetVersion(GetVersionRequest request, ServerCallContext context) =>
        Task.FromResult(new GetVersionResponse { Status = Statuses.Ok(), Version = Version });

    public override Task<CheckHealthResponse> CheckHealth(CheckHealthRequest request, ServerCallContext context) =>
        Task.FromResult(new CheckHealthResponse { Status = Statuses.Ok(), IsHealthy = true });

    /// <summary>One standalone process: the proxy role answers for every component, healthy while serving.</summary>
    public override Task<ComponentStates> GetComponentStates(GetComponentStatesRequest request, ServerCallContext context) =>
        Task.FromResult(new ComponentStates
        {
            Status = Statuses.Ok(),
            State = new ComponentInfo { NodeID = 1, Role = "standalone", StateCode = StateCode.Healthy },
        });

    // ---------------------------------------------------------------- databases

    public override async Task<Status> AlterDatabase(AlterDatabaseRequest request, ServerCallContext context)
    {
        await client.AlterDatabaseAsync(Required(request.DbName, "db_name"), Properties(request.Properties),
            request.DeleteKeys.Count == 0 ? null : [.. request.DeleteKeys], context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<Status> CreateDatabase(CreateDatabaseRequest request, ServerCallContext context)
    {
        await client.CreateDatabaseAsync(Required(request.DbName, "db_name"), Properties(request.Properties), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<Status> DropDatabase(DropDatabaseRequest request, ServerCallContext context)
    {
        await client.DropDatabaseAsync(Required(request.DbName, "db_name"), context.CancellationToken).ConfigureAwait(false);
        return Statuses.Ok();
    }

    public override async Task<ListDatabasesResponse> ListDatabases(ListDatabasesRequest request, ServerCallContext context)
    {
        var response = new ListDatabasesResponse { Status = Statuses.Ok() };
        foreach (var db in await client.ListDatabaseInfosAsync(context.CancellationToken).ConfigureAwait(false))
        {
            response.DbNames.Add(db.Name);
            response.DbIds.Add(db.Id);
            response.CreatedTimestamp.Add(db.CreatedTs);
        }
        return response;
    }

    public override async Task<DescribeDatabaseResponse> DescribeDatabase(DescribeDatabaseRequest request, ServerCallContext context)
    {
        var db = await client.DescribeDatabaseAsync(Db(request.DbName, context), context.CancellationToken).ConfigureAwait(false);
        return new DescribeDatabaseResponse
        {
            Status = Statuses.Ok(),
            DbName = db.Name,
            DbID = db.Id,
            CreatedTimestamp = db.CreatedTs,
            Properties = { Pairs(db.Properties) },
        };
    }

    // ---------------------------------------------------------------- credentials (meta store, see CredentialStore)

    public override async Task<Status> CreateCredential(CreateCredentialRequest request, ServerCallContext context)
    {
        string user = Required(request.Username, "username");
        string password = DecodePassword(request.Password);
        CheckUser(user, password);
        if (!await credentials.TryAddAsync(user, password).ConfigureAwait(false)) throw QuiverException.Invalid($"user '{user}' already exists");
        return Statuses.Ok();
    }

    public override async Task<Status> UpdateCredential(UpdateCredentialRequest request, ServerCallContext context)
    {
        string user = Required(request.Username, "username");
        string newPassword = DecodePassword(request.NewPassword);
        CheckUser(user, newPassword);
        if (!await credentials.TryUpdateAsync(user, DecodePassword(request.OldPassword), newPassword).ConfigureAwait(false))
            throw new QuiverException(Statuses.NotAuthenticated, $"old password of user '{user}' is wrong or the user does not exist");
        return Statuses.Ok();
    }

    public override async Task<Status> DeleteCredential(DeleteCredentialRequest request, ServerCallContext context)
    {
        string user = Required(request.Username, "username");
        if (user == CredentialStore.RootUser) throw QuiverException.Invalid("user root cannot be deleted");
        if (!await credentials.RemoveAsync(user).ConfigureAwait(false)) throw QuiverException.Invalid($"user '{user}' does not exist");
        return Statuses.Ok();
    }

    /// <summary>Milvus's rules: a user name of 1..32 letters, digits and underscores starting with a letter; a password of 6..256 characters.</summary>
    private static void CheckUser(string user, string password)
    {
        if (user.Length > 32 || !char.IsAsciiLetter(user[0]) || !user.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw QuiverException.Invalid($"user name '{user}' is not valid: 1 to 32 letters, digits or underscores, starting with a letter");
        if (password.Length is < 6 or > 256) throw QuiverException.Invalid("a password has 6 to 256 characters");
    }

    public override Task<ListCredUsersResponse> ListCredUsers(ListCredUsersRequest request, ServerCallContext context) =>
        Task.FromResult(new ListCredUsersResponse { Status = Statuses.Ok(), Usernames = { credentials.Users } });

    /// <summary>Milvus clients send passwords base64-encoded in credential requests.</summary>
    private static string DecodePassword(string base64)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw QuiverException.Invalid("password must be base64-encoded");
        }
    }

    // Streaming RPCs have no status to carry the refusal: they answer gRPC UNIMPLEMENTED.
    public override Task CreateReplicateStream(IAsyncStreamReader<ReplicateStreamRequest> requestStream, IServerStreamWriter<ReplicateStreamResponse> responseStream,
        ServerCallContext context) => throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, "CreateReplicateStream is not supported by Quiver"));

    public override Task DumpMessages(DumpMessagesRequest request, IServerStreamWriter<DumpMessagesResponse> responseStream, ServerCallContext context) =>
        throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, "DumpMessages is not supported by Quiver"));
}
