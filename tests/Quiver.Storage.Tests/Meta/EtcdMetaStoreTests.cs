using dotnet_etcd;
using Etcdserverpb;
using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

/// <summary>etcd-only behaviour: an unreachable endpoint, and compaction (on this class's own etcd).</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdMetaStoreTests(EtcdServerFixture etcd)
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task An_unreachable_endpoint_fails_quickly_with_a_retriable_error_naming_it()
    {
        int port = EtcdServerFixture.FreePort(); // free now, so nothing listens there
        string endpoint = $"http://127.0.0.1:{port}";
        await using var store = new EtcdMetaStore(new EtcdMetaStoreOptions { Endpoint = endpoint, CallTimeout = TimeSpan.FromSeconds(2) });
        Func<Task>[] calls =
        [
            () => store.GetAsync("a"),
            () => store.PutAsync("a", B("1")),
            () => store.RangeAsync("a/"),
            () => store.TxnAsync([MetaCompare.Absent("a")], [MetaOp.Put("a", B("1"))]),
            () => store.WatchAsync("a/"),
            () => store.GrantLeaseAsync(TimeSpan.FromSeconds(5)),
            () => store.KeepAliveAsync(1),
        ];
        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<MetaStoreException>(call).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(MetaStoreErrorCode.Unavailable, e.Code);
            Assert.True(e.Retriable);
            Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_silent_endpoint_fails_at_the_call_deadline_with_a_retriable_error()
    {
        // Accepts connections and never answers: only the call deadline ends the wait.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<System.Net.Sockets.TcpClient>();
        using var stop = new CancellationTokenSource();
        var acceptor = Task.Run(async () =>
        {
            try
            {
                while (true)
                    accepted.Add(await listener.AcceptTcpClientAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        });
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        await using (var store = new EtcdMetaStore(new EtcdMetaStoreOptions { Endpoint = $"http://127.0.0.1:{port}", CallTimeout = TimeSpan.FromSeconds(1) }))
        {
            foreach (Func<Task> call in new Func<Task>[] { () => store.GetAsync("a"), () => store.KeepAliveAsync(1), () => store.WatchAsync("a/") })
            {
                var e = await Assert.ThrowsAsync<MetaStoreException>(call).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(MetaStoreErrorCode.Unavailable, e.Code);
                Assert.True(e.Retriable);
                Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
            }
        }
        await stop.CancelAsync();
        await acceptor;
        foreach (var c in accepted)
            c.Dispose();
    }

    [Fact]
    public void A_malformed_endpoint_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new EtcdMetaStore(new EtcdMetaStoreOptions { Endpoint = "127.0.0.1:2379" }));
        Assert.Contains("127.0.0.1:2379", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watching_from_a_compacted_revision_fails_as_compacted()
    {
        await using var store = new EtcdMetaStore(new EtcdMetaStoreOptions { Endpoint = etcd.Endpoint });
        long first = await store.PutAsync("compact/a", B("1"));
        long last = await store.PutAsync("compact/a", B("2"));
        using (var client = new EtcdClient(etcd.Endpoint))
            await client.CompactAsync(new CompactionRequest { Revision = last });
        var e = await Assert.ThrowsAsync<MetaStoreException>(() => store.WatchAsync("compact/", first));
        Assert.Equal(MetaStoreErrorCode.Compacted, e.Code);
        Assert.Contains(etcd.Endpoint, e.Message, StringComparison.Ordinal);
        await using var watch = await store.WatchAsync("compact/", last);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var ev in watch.ReadAllAsync(cts.Token))
        {
            Assert.Equal(last, ev.Revision);
            break;
        }
    }
}
