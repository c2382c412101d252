using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Quiver.Node.Errors;
using Status = Milvus.Proto.Common.Status;

namespace Quiver.Server.Milvus;

/// <summary>
/// Wraps every unary call: checks credentials when authorization is on, and turns every failure into a
/// gRPC-OK answer whose <c>status</c> says what went wrong, as Milvus does. A gRPC error would make the SDKs
/// retry (UNKNOWN, INTERNAL…) or decode an empty message (UNIMPLEMENTED), so none is ever raised for a request
/// problem. RPCs the service does not override answer "not supported".
/// </summary>
public sealed class MilvusCallInterceptor(ServerOptions options, CredentialStore credentials, ServerMetrics metrics, ILogger<MilvusCallInterceptor> log) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        string rpc = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        // The request id: the client's own (client-request-id metadata, as the Milvus SDKs send it when asked), else ours.
        // It is made only when something is logged: the served path stays allocation-light at the default level.
        string? requestId = null;
        using var scope = log.IsEnabled(LogLevel.Debug) ? RequestLog.Scope(log, rpc, requestId = RequestId(context)) : null;
        var response = await Handle(rpc, request, context, continuation).ConfigureAwait(false);
        double ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var status = StatusOf(response);
        bool ok = status is null || status.Code == 0;
        metrics.Record(rpc, ok, ms);
        if (!ok)
        {
            requestId ??= RequestId(context);
            context.ResponseTrailers.Add("request-id", requestId);
            RequestLog.Failed(log, rpc, requestId, status!.Code, status.Reason, ms);
        }
        else if (requestId != null)
        {
            RequestLog.Served(log, rpc, requestId, ms);
        }
        return response;
    }

    /// <summary>This call's request id, made once and kept in the call's user state.</summary>
    private static string RequestId(ServerCallContext context)
    {
        if (context.UserState.TryGetValue(RequestIdKey, out var known)) return (string)known;
        string id = RequestLog.NewId(context.RequestHeaders.GetValue("client-request-id"));
        context.UserState[RequestIdKey] = id;
        return id;
    }

    private static readonly object RequestIdKey = new();

    /// <summary>The response's status: the Status itself, or its <c>status</c> field; null when it has none.</summary>
    private static Status? StatusOf<TResponse>(TResponse response) => response switch
    {
        Status s => s,
        IMessage m when m.Descriptor.FindFieldByName("status") is { } f => f.Accessor.GetValue(m) as Status,
        _ => null,
    };

    private async Task<TResponse> Handle<TRequest, TResponse>(string rpc, TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) where TRequest : class where TResponse : class
    {
        if (options.AuthorizationEnabled && !Authenticated(context, out string problem))
            return Answer<TResponse>(Statuses.Failure(Statuses.NotAuthenticated, $"{rpc}: not authenticated: {problem}"));
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented && CarriesStatus<TResponse>())
        {
            return Answer<TResponse>(Statuses.Failure(ErrorCode.OperationNotSupported, $"{rpc} is not supported by Quiver"));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            // A response with no status field (Dummy, GetReplicateInfo) cannot say "no": gRPC UNIMPLEMENTED does.
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, $"{rpc} is not supported by Quiver"));
        }
        catch (QuiverException e)
        {
            return Answer<TResponse>(Statuses.From(e));
        }
        catch (InvalidProtocolBufferException e)
        {
            return Answer<TResponse>(Statuses.Failure(ErrorCode.ParameterInvalid, $"{rpc}: malformed protobuf payload: {e.Message}"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            log.LogError(e, "{Rpc} {RequestId} failed unexpectedly", rpc, RequestId(context));
            return Answer<TResponse>(Statuses.Failure(ErrorCode.Unexpected, $"{rpc}: {e.Message}"));
        }
    }

    private bool Authenticated(ServerCallContext context, out string problem)
    {
        string? header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrEmpty(header))
        {
            problem = "no authorization metadata";
            return false;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Trim()));
        }
        catch (FormatException)
        {
            problem = "authorization metadata is not base64";
            return false;
        }
        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !credentials.Verify(decoded[..colon], decoded[(colon + 1)..]))
        {
            problem = "wrong user name or password";
            return false;
        }
        problem = "";
        return true;
    }

    private static bool CarriesStatus<TResponse>() =>
        typeof(TResponse) == typeof(Status) || (Activator.CreateInstance<TResponse>() is IMessage m && m.Descriptor.FindFieldByName("status") is not null);

    /// <summary>A response carrying only <paramref name="status"/>: the Status itself, or any message with a <c>status</c> field.</summary>
    internal static TResponse Answer<TResponse>(Status status)
    {
        if (status is TResponse s) return s;
        var response = Activator.CreateInstance<TResponse>();
        if (response is IMessage message && message.Descriptor.FindFieldByName("status") is { } field)
            field.Accessor.SetValue(message, status);
        return response;
    }
}
