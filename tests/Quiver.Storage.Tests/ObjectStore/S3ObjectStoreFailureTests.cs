using System.Net;
using System.Net.Sockets;
using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>What <see cref="S3ObjectStore"/> does when the endpoint is down, misbehaves, or has no such bucket.</summary>
[Collection(S3Collection.Name)]
public sealed class S3ObjectStoreFailureTests(S3Endpoint endpoint)
{
    /// <summary>A port nothing listens on (just released by the OS, so nothing else is likely to take it in the next seconds).</summary>
    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private S3ObjectStoreOptions At(string serviceUrl, int maxRetries) => endpoint.Options("failures") with
    {
        ServiceUrl = serviceUrl,
        MaxRetries = maxRetries,
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task A_closed_port_fails_retriably_naming_the_endpoint_and_the_same_store_works_once_a_server_listens_there()
    {
        int port = FreePort();
        using var store = new S3ObjectStore(At($"http://127.0.0.1:{port}", maxRetries: 3) with { Bucket = S3Endpoint.Bucket, AccessKey = S3rverProcess.Credential, SecretKey = S3rverProcess.Credential }, new Random(3));

        var put = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("seg/0", new byte[] { 1, 2 }));
        var get = await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetAsync("seg/0"));
        var stat = await Assert.ThrowsAsync<ObjectStoreException>(() => store.StatAsync("seg/0"));
        var list = await Assert.ThrowsAsync<ObjectStoreException>(async () => { await foreach (var _ in store.ListAsync("seg/")) { } });

        foreach (var (ex, operation) in new[] { (put, "put of 'seg/0'"), (get, "get of 'seg/0'"), (stat, "stat of 'seg/0'"), (list, "list 'seg/'") })
        {
            Assert.True(ex.Retriable, ex.Message);
            Assert.Contains($"http://127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
            Assert.Contains(operation, ex.Message, StringComparison.Ordinal);
            Assert.Contains("after 4 tries", ex.Message, StringComparison.Ordinal);
        }

        using var server = await S3rverProcess.StartAsync(S3Endpoint.Bucket, port);
        await store.PutAsync("seg/0", new byte[] { 1, 2 });
        Assert.Equal([1, 2], await store.GetAsync("seg/0"));
    }

    [Fact]
    public async Task Retries_ride_out_an_endpoint_that_comes_up_while_a_put_is_retrying()
    {
        int port = FreePort();
        // Enough retries (about 10 s of backoff at least) to outlast s3rver's start.
        using var store = new S3ObjectStore(At($"http://127.0.0.1:{port}", maxRetries: 40) with
        {
            Bucket = S3Endpoint.Bucket,
            AccessKey = S3rverProcess.Credential,
            SecretKey = S3rverProcess.Credential,
            MaxBackoff = TimeSpan.FromMilliseconds(500),
        }, new Random(4));

        var put = store.PutAsync("late", new byte[] { 7 });
        await Task.Delay(300);
        Assert.False(put.IsCompleted);
        using var server = await S3rverProcess.StartAsync(S3Endpoint.Bucket, port);
        await put;

        Assert.Equal([7], await store.GetAsync("late"));
    }

    [Fact]
    public async Task A_missing_bucket_fails_at_once_and_not_retriably_naming_the_bucket()
    {
        using var store = new S3ObjectStore(endpoint.Options("r") with { Bucket = "no-such-bucket-quiver" }, new Random(5));

        var errors = new List<ObjectStoreException>
        {
            await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("k", new byte[] { 1 })),
            await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetAsync("k")),
            await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetRangeAsync("k", 0, 4)),
            await Assert.ThrowsAsync<ObjectStoreException>(() => store.StatAsync("k")),
            await Assert.ThrowsAsync<ObjectStoreException>(() => store.DeleteAsync("k")),
            await Assert.ThrowsAsync<ObjectStoreException>(async () => { await foreach (var _ in store.ListAsync("")) { } }),
        };

        Assert.All(errors, ex =>
        {
            Assert.False(ex.Retriable, ex.Message);
            Assert.Contains("bucket 'no-such-bucket-quiver' does not exist", ex.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Throttling_is_retried_MaxRetries_times_and_then_reported_retriable()
    {
        using var fake = FakeS3.Always(HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate.");
        using var store = new S3ObjectStore(At(fake.Url, maxRetries: 2), new Random(6));

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("k", new byte[] { 1 }));

        Assert.True(ex.Retriable);
        Assert.Contains("503 SlowDown", ex.Message, StringComparison.Ordinal);
        Assert.Contains(fake.Url, ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, fake.Requests);
    }

    [Fact]
    public async Task A_refused_request_is_not_retried()
    {
        using var fake = FakeS3.Always(HttpStatusCode.Forbidden, "AccessDenied", "Access Denied");
        using var store = new S3ObjectStore(At(fake.Url, maxRetries: 5), new Random(7));

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetAsync("k"));

        Assert.False(ex.Retriable);
        Assert.Contains("403 AccessDenied", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, fake.Requests);
    }

    [Fact]
    public async Task A_request_that_gets_no_answer_times_out_and_is_reported_retriable()
    {
        using var fake = new FakeS3(_ => FakeS3.NoAnswer);
        using var store = new S3ObjectStore(At(fake.Url, maxRetries: 1) with { RequestTimeout = TimeSpan.FromMilliseconds(500) }, new Random(8));

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetAsync("k"));

        Assert.True(ex.Retriable, ex.Message);
        // The message counts the tries; the fake's log may not hold a request the client gave up on before it was accepted.
        Assert.Contains("after 2 tries", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no answer within the request timeout of 0.5 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_part_aborts_the_multipart_upload()
    {
        const string initiated = """
            <?xml version="1.0" encoding="UTF-8"?>
            <InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>quiver</Bucket><Key>failures/big</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>
            """;
        using var fake = new FakeS3(request => request switch
        {
            { HttpMethod: "POST", Url.Query: "?uploads" or "?uploads=" } => new FakeS3.Answer(HttpStatusCode.OK, initiated),
            { HttpMethod: "PUT" } => FakeS3.Error(HttpStatusCode.BadRequest, "InvalidArgument", "Part rejected"),
            { HttpMethod: "DELETE" } => new FakeS3.Answer(HttpStatusCode.NoContent, ""),
            _ => FakeS3.Error(HttpStatusCode.BadRequest, "Unexpected", $"{request.HttpMethod} {request.Url}"),
        });
        using var store = new S3ObjectStore(At(fake.Url, maxRetries: 0) with { Bucket = "quiver", MultipartConcurrency = 1 }, new Random(9));
        using var scratch = new ScratchDirectory("objstore-abort");
        await File.WriteAllBytesAsync(scratch.File("big"), new byte[(9 << 20) + 1]);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutFileAsync("big", scratch.File("big")));

        Assert.False(ex.Retriable);
        Assert.Contains("upload part 1/2 of 'big'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(fake.Log, line => line.StartsWith("DELETE ", StringComparison.Ordinal) && line.Contains("uploadId=upload-1", StringComparison.Ordinal));
        Assert.DoesNotContain(fake.Log, line => line.StartsWith("POST ", StringComparison.Ordinal) && line.Contains("uploadId=", StringComparison.Ordinal));
    }
}
