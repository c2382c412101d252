using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Mvccpb;
using PbCompare = Etcdserverpb.Compare;
using PbKeyValue = Mvccpb.KeyValue;

namespace Quiver.Storage.Meta;

/// <summary>
/// The cluster meta store: every operation maps to one etcd v3 call (Range, Put, DeleteRange, Txn,
/// Watch, LeaseGrant/KeepAlive/Revoke) through dotnet-etcd's gRPC clients, so revisions, versions,
/// transactions and lease expiry are etcd's own.
/// </summary>
/// <remarks>
/// Every unary call carries a deadline (<see cref="EtcdMetaStoreOptions.CallTimeout"/>). Calls are
/// not retried here: an unreachable or slow endpoint fails fast with a retriable
/// <see cref="MetaStoreException"/> naming it, and the caller decides (a retried compare-and-swap
/// could report failure for a write that landed). A broken watch ends its enumeration with a
/// retriable error; watch again from the last revision seen + 1.
/// </remarks>
public sealed class EtcdMetaStore : IMetaStore
{
    private static readonly byte[] NulKey = [0];

    private readonly string _endpoint;
    private readonly EtcdMetaStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly GrpcChannel _channel;
    private readonly EtcdClient _client;
    private readonly KV.KVClient _kv;
    private readonly Watch.WatchClient _watch;
    private readonly Lease.LeaseClient _lease;
    private readonly CancellationTokenSource _disposing = new();
    private int _disposed;

    public EtcdMetaStore(EtcdMetaStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ArgumentException($"etcd endpoint '{options.Endpoint}' must be an absolute http:// or https:// URL", nameof(options));
        if (options.CallTimeout <= TimeSpan.Zero || options.ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "CallTimeout and ConnectTimeout must be positive");
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));

        _options = options;
        _endpoint = uri.GetLeftPart(UriPartial.Authority);
        _time = options.TimeProvider;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            // Pings keep long-lived watch streams honest across idle NATs and notice a dead peer.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            EnableMultipleHttp2Connections = true,
        };
        _channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            ThrowOperationCanceledOnCancellation = true,
            MaxReceiveMessageSize = 256 << 20, // a large Range; gRPC's 4 MiB default is below etcd's
        });
        _client = new EtcdClient(_channel.CreateCallInvoker());
        var connection = _client.GetConnection();
        _kv = connection.KVClient;
        _watch = connection.WatchClient;
        _lease = connection.LeaseClient;
    }

    public string Backend => "etcd";

    /// <summary>The endpoint this store talks to, as it appears in error messages.</summary>
    public string Endpoint => _endpoint;

    public async Task<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        var r = await UnaryAsync("get revision", o => _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFrom(NulKey), CountOnly = true }, o), cancellationToken).ConfigureAwait(false);
        return r.Header.Revision;
    }

    public async Task<Meta.KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        var r = await UnaryAsync($"get '{key}'", o => _kv.RangeAsync(new RangeRequest { Key = Bytes(key) }, o), cancellationToken).ConfigureAwait(false);
        return r.Kvs.Count == 0 ? null : Convert(r.Kvs[0]);
    }

    public async Task<IReadOnlyList<Meta.KeyValue>> RangeAsync(string prefix, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidatePrefix(prefix, nameof(prefix), allowEmpty: true);
        var (key, end) = PrefixRange(prefix);
        var r = await UnaryAsync($"range '{prefix}'", o => _kv.RangeAsync(new RangeRequest { Key = key, RangeEnd = end }, o), cancellationToken).ConfigureAwait(false);
        var list = new List<Meta.KeyValue>(r.Kvs.Count);
        foreach (var kv in r.Kvs)
            list.Add(Convert(kv));
        return list;
    }

    public async Task<long> PutAsync(string key, byte[] value, long leaseId = 0, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        MetaKeys.ValidateValue(value, nameof(value));
        MetaKeys.ValidateLeaseId(leaseId, nameof(leaseId));
        var request = new PutRequest { Key = Bytes(key), Value = ByteString.CopyFrom(value), Lease = leaseId };
        var r = await UnaryAsync($"put '{key}'", o => _kv.PutAsync(request, o), cancellationToken).ConfigureAwait(false);
        return r.Header.Revision;
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        var r = await UnaryAsync($"delete '{key}'", o => _kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(key) }, o), cancellationToken).ConfigureAwait(false);
        return r.Deleted > 0;
    }

    public async Task<long> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidatePrefix(prefix, nameof(prefix), allowEmpty: false);
        var (key, end) = PrefixRange(prefix);
        var r = await UnaryAsync($"delete prefix '{prefix}'", o => _kv.DeleteRangeAsync(new DeleteRangeRequest { Key = key, RangeEnd = end }, o), cancellationToken).ConfigureAwait(false);
        return r.Deleted;
    }

    public async Task<MetaTxnResult> TxnAsync(
        IReadOnlyList<MetaCompare> compares,
        IReadOnlyList<MetaOp> onSuccess,
        IReadOnlyList<MetaOp>? onFailure = null,
        CancellationToken cancellationToken = default)
    {
        MetaOp.ValidateTxn(compares, onSuccess, onFailure);
        var request = new TxnRequest();
        foreach (var c in compares)
            request.Compare.Add(ToPb(c));
        foreach (var op in onSuccess)
            request.Success.Add(ToPb(op));
        foreach (var op in onFailure ?? [])
            request.Failure.Add(ToPb(op));
        var r = await UnaryAsync("transaction", o => _kv.TxnAsync(request, o), cancellationToken).ConfigureAwait(false);
        return new MetaTxnResult(r.Succeeded, r.Header.Revision);
    }

    public async Task<MetaWatch> WatchAsync(string prefix, long fromRevision = 0, CancellationToken cancellationToken = default)
    {
        MetaKeys.ValidatePrefix(prefix, nameof(prefix), allowEmpty: true);
        if (fromRevision < 0)
            throw new ArgumentOutOfRangeException(nameof(fromRevision), fromRevision, "fromRevision must be 0 (from now) or a revision");
        ObjectDisposedException.ThrowIf(_disposed != 0, this);

        if (fromRevision > 0)
            await ThrowIfCompactedAsync(prefix, fromRevision, cancellationToken).ConfigureAwait(false);

        var (key, end) = PrefixRange(prefix);
        var life = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
        // No deadline: the stream lives as long as the watch. Only its creation is timed.
        var call = _watch.Watch(new CallOptions(cancellationToken: life.Token));
        string what = $"watch '{prefix}'";
        try
        {
            using var creation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, life.Token);
            creation.CancelAfter(_options.CallTimeout);
            try
            {
                await call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest { Key = key, RangeEnd = end, StartRevision = fromRevision, PrevKv = true },
                }, creation.Token).ConfigureAwait(false);
                if (!await call.ResponseStream.MoveNext(creation.Token).ConfigureAwait(false))
                    throw Unavailable(what, "the stream closed before the watch was created", null);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && !_disposing.IsCancellationRequested)
            {
                throw Unavailable(what, $"no answer within {_options.CallTimeout.TotalSeconds:0.#} s", e);
            }
            var created = call.ResponseStream.Current;
            if (created.Canceled)
                throw WatchCanceled(prefix, fromRevision, created);
            long start = fromRevision > 0 ? fromRevision : created.Header.Revision + 1;
            var watch = new MetaWatch(prefix, start);
            // Events may come in the creation response too (etcd sends them separately today, but allow it).
            foreach (var e in created.Events)
                watch.TryPublish(Convert(e));
            Task pump = PumpAsync(call, watch, prefix, life.Token);
            watch.Attach(async () =>
            {
                await life.CancelAsync().ConfigureAwait(false);
                await pump.ConfigureAwait(false);
                call.Dispose();
                life.Dispose();
            }, cancellationToken);
            return watch;
        }
        catch (RpcException e)
        {
            call.Dispose();
            life.Dispose();
            throw Map(e, what);
        }
        catch
        {
            call.Dispose();
            life.Dispose();
            throw;
        }
    }

    /// <summary>Fails like the embedded store does when the start revision's history is gone: before the watch exists.</summary>
    private async Task ThrowIfCompactedAsync(string prefix, long fromRevision, CancellationToken cancellationToken)
    {
        try
        {
            // A point read at that revision fails with "compacted" exactly when a watch from it would.
            await UnaryAsync($"watch '{prefix}'", o => _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFrom(NulKey), Revision = fromRevision, CountOnly = true }, o), cancellationToken).ConfigureAwait(false);
        }
        catch (MetaStoreException e) when (e.Code == MetaStoreErrorCode.Internal && e.InnerException is RpcException { StatusCode: StatusCode.OutOfRange })
        {
            // "required revision is a future revision": a watch from the future is fine; it waits.
        }
    }

    private async Task PumpAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, MetaWatch watch, string prefix, CancellationToken token)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
            {
                var r = call.ResponseStream.Current;
                if (r.Canceled)
                {
                    watch.Fail(WatchCanceled(prefix, watch.StartRevision, r));
                    return;
                }
                foreach (var e in r.Events)
                {
                    if (!watch.TryPublish(Convert(e)))
                        return;
                }
            }
            watch.Fail(Unavailable($"watch '{prefix}'", "etcd closed the watch stream", null));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            watch.Complete();
        }
        catch (RpcException e) when (token.IsCancellationRequested)
        {
            _ = e;
            watch.Complete();
        }
        catch (RpcException e)
        {
            watch.Fail(Map(e, $"watch '{prefix}'"));
        }
        catch (Exception e)
        {
            watch.Fail(new MetaStoreException(MetaStoreErrorCode.Unavailable, $"watch '{prefix}' on etcd at {_endpoint} broke: {e.Message}", retriable: true, e));
        }
    }

    private MetaStoreException WatchCanceled(string prefix, long fromRevision, WatchResponse r) =>
        r.CompactRevision > 0
            ? new MetaStoreException(MetaStoreErrorCode.Compacted,
                $"cannot watch '{prefix}' from revision {fromRevision}: etcd at {_endpoint} compacted its history up to revision {r.CompactRevision}; " +
                "read the current state with RangeAsync and watch from its revision + 1")
            : new MetaStoreException(MetaStoreErrorCode.Internal,
                $"etcd at {_endpoint} cancelled the watch on '{prefix}': {(r.CancelReason.Length > 0 ? r.CancelReason : "no reason given")}");

    public async Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        TimeSpan wanted = EmbeddedMetaStore.RoundTtl(ttl, nameof(ttl));
        var r = await UnaryAsync("grant lease", o => _lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)wanted.TotalSeconds }, o), cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(r.Error))
            throw new MetaStoreException(MetaStoreErrorCode.Internal, $"etcd at {_endpoint} refused a lease of {wanted.TotalSeconds} s: {r.Error}");
        return new LeaseGrant(r.ID, TimeSpan.FromSeconds(r.TTL));
    }

    public async Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        string what = $"keep lease {leaseId} alive";
        // etcd's keep-alive is a stream; one refresh is one request and its answer on a short-lived stream.
        using var call = _lease.LeaseKeepAlive(Options(cancellationToken));
        try
        {
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = leaseId }, cancellationToken).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                throw Unavailable(what, "the stream closed without an answer", null);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Map(e, what);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw DeadlinePassed(what, e);
        }
        long ttl = call.ResponseStream.Current.TTL;
        if (ttl <= 0)
            throw LeaseNotFound(leaseId, null);
        return TimeSpan.FromSeconds(ttl);
    }

    public Task KeepLeaseAliveAsync(long leaseId, CancellationToken cancellationToken) =>
        LeaseKeepAliveLoop.RunAsync(this, leaseId, _time, cancellationToken);

    public async Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        try
        {
            await UnaryAsync($"revoke lease {leaseId}", o => _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, o), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (MetaStoreException e) when (e.Code == MetaStoreErrorCode.LeaseNotFound)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // Ends every watch's stream; their enumerations complete normally.
        await _disposing.CancelAsync().ConfigureAwait(false);
        _client.Dispose();
        _channel.Dispose();
        _disposing.Dispose();
    }

    private CallOptions Options(CancellationToken cancellationToken) =>
        new(deadline: (_time.GetUtcNow() + _options.CallTimeout).UtcDateTime, cancellationToken: cancellationToken);

    private async Task<T> UnaryAsync<T>(string what, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            using var pending = call(Options(cancellationToken));
            return await pending.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Map(e, what);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw DeadlinePassed(what, e);
        }
    }

    // With ThrowOperationCanceledOnCancellation, gRPC reports a passed deadline as a cancellation,
    // not as DeadlineExceeded; when the caller did not cancel, it is the deadline.
    private MetaStoreException DeadlinePassed(string what, Exception inner) =>
        Unavailable(what, $"no answer within the {_options.CallTimeout.TotalSeconds:0.###} s call timeout", inner);

    /// <summary>Maps gRPC/etcd failures onto the shared catalogue.</summary>
    private MetaStoreException Map(RpcException e, string what)
    {
        string detail = e.Status.Detail;
        switch (e.StatusCode)
        {
            case StatusCode.Unavailable:
            case StatusCode.DeadlineExceeded:
            case StatusCode.ResourceExhausted:
            case StatusCode.Aborted:
            case StatusCode.Cancelled:
                // Down, unreachable, slow, leader changing, or throttled: all may pass.
                return Unavailable(what, $"{e.StatusCode}: {detail}", e);
            case StatusCode.NotFound when detail.Contains("lease not found", StringComparison.OrdinalIgnoreCase):
                return LeaseNotFound(null, e);
            case StatusCode.OutOfRange when detail.Contains("compacted", StringComparison.OrdinalIgnoreCase):
                return new MetaStoreException(MetaStoreErrorCode.Compacted,
                    $"{what} on etcd at {_endpoint}: that revision was compacted ({detail}); read the current state and watch from its revision + 1", false, e);
            default:
                return new MetaStoreException(MetaStoreErrorCode.Internal, $"{what} on etcd at {_endpoint} failed: {e.StatusCode}: {detail}", false, e);
        }
    }

    private MetaStoreException Unavailable(string what, string why, Exception? inner) =>
        new(MetaStoreErrorCode.Unavailable,
            $"etcd at {_endpoint} is unreachable or not answering ({what}: {why}); check that it is running and reachable, then retry",
            retriable: true, inner);

    private MetaStoreException LeaseNotFound(long? leaseId, Exception? inner) =>
        new(MetaStoreErrorCode.LeaseNotFound,
            $"lease {(leaseId is long id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " : "")}not found on etcd at {_endpoint}: it expired, was revoked, or was never granted",
            retriable: false, inner);

    private static ByteString Bytes(string key) => ByteString.CopyFrom(MetaKeys.ToUtf8(key, nameof(key)));

    private static (ByteString Key, ByteString End) PrefixRange(string prefix)
    {
        // The empty prefix is etcd's "every key": from "\0" to the end.
        byte[] start = prefix.Length == 0 ? NulKey : MetaKeys.ToUtf8(prefix, nameof(prefix));
        byte[] end = prefix.Length == 0 ? NulKey : MetaKeys.PrefixRangeEnd(start);
        return (ByteString.CopyFrom(start), ByteString.CopyFrom(end));
    }

    private static Meta.KeyValue Convert(PbKeyValue kv) =>
        new(kv.Key.ToStringUtf8(), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);

    private static WatchEvent Convert(Event e)
    {
        var previous = e.PrevKv is null ? null : Convert(e.PrevKv);
        return e.Type == Event.Types.EventType.Put
            ? new WatchEvent(WatchEventType.Put, Convert(e.Kv), previous)
            : new WatchEvent(WatchEventType.Delete, new Meta.KeyValue(e.Kv.Key.ToStringUtf8(), [], 0, e.Kv.ModRevision, 0, 0), previous);
    }

    private static PbCompare ToPb(MetaCompare c)
    {
        var pb = new PbCompare
        {
            Key = Bytes(c.Key),
            Result = c.Result switch
            {
                CompareResult.Equal => PbCompare.Types.CompareResult.Equal,
                CompareResult.NotEqual => PbCompare.Types.CompareResult.NotEqual,
                CompareResult.Less => PbCompare.Types.CompareResult.Less,
                _ => PbCompare.Types.CompareResult.Greater,
            },
        };
        switch (c.Target)
        {
            case CompareTarget.Version:
                pb.Target = PbCompare.Types.CompareTarget.Version;
                pb.Version = c.Number;
                break;
            case CompareTarget.CreateRevision:
                pb.Target = PbCompare.Types.CompareTarget.Create;
                pb.CreateRevision = c.Number;
                break;
            case CompareTarget.ModRevision:
                pb.Target = PbCompare.Types.CompareTarget.Mod;
                pb.ModRevision = c.Number;
                break;
            case CompareTarget.Lease:
                pb.Target = PbCompare.Types.CompareTarget.Lease;
                pb.Lease = c.Number;
                break;
            default:
                pb.Target = PbCompare.Types.CompareTarget.Value;
                pb.Value = ByteString.CopyFrom(c.Operand);
                break;
        }
        return pb;
    }

    private static RequestOp ToPb(MetaOp op) => op.Kind switch
    {
        MetaOpKind.Put => new RequestOp { RequestPut = new PutRequest { Key = Bytes(op.Key), Value = ByteString.CopyFrom(op.Value), Lease = op.LeaseId } },
        MetaOpKind.Delete => new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(op.Key) } },
        _ => new RequestOp { RequestDeleteRange = PrefixDelete(op.Key) },
    };

    private static DeleteRangeRequest PrefixDelete(string prefix)
    {
        var (key, end) = PrefixRange(prefix);
        return new DeleteRangeRequest { Key = key, RangeEnd = end };
    }
}
