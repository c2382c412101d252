using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>The conformance suite on <see cref="S3ObjectStore"/> against the collection's S3 endpoint, plus root-path checks.</summary>
[Collection(S3Collection.Name)]
public sealed class S3ObjectStoreTests : ObjectStoreConformanceTests
{
    private readonly S3Endpoint _endpoint;
    private readonly string _rootPath;
    private readonly S3ObjectStore _store;

    public S3ObjectStoreTests(S3Endpoint endpoint)
    {
        _endpoint = endpoint;
        // Each test gets its own root path in the shared bucket, so "an empty store" holds for every test.
        _rootPath = "tests/" + Guid.NewGuid().ToString("N");
        _store = new S3ObjectStore(endpoint.Options(_rootPath), new Random(17));
    }

    protected override IObjectStore Store => _store;

    /// <summary>S3 and MinIO replace an object atomically; s3rver rewrites its file in place.</summary>
    protected override bool ServerReplacesObjectsAtomically => !_endpoint.IsS3rver;

    private AmazonS3Client RawClient() => new(
        new BasicAWSCredentials(_endpoint.AccessKey, _endpoint.SecretKey),
        new AmazonS3Config { ServiceURL = _endpoint.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    [Fact]
    public async Task Objects_live_under_the_root_path_and_list_without_it()
    {
        await _store.PutAsync("insert_log/1/2/3/0", new byte[] { 1, 2, 3 });
        using var client = RawClient();

        var raw = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _endpoint.BucketName, Prefix = _rootPath + "/" });

        Assert.Equal([_rootPath + "/insert_log/1/2/3/0"], raw.S3Objects.Select(o => o.Key));
        Assert.Equal(["insert_log/1/2/3/0"], (await ListAll("")).Select(i => i.Key));
        using var other = new S3ObjectStore(_endpoint.Options(_rootPath + "-other"), new Random(1));
        await foreach (var _ in other.ListAsync(""))
            Assert.Fail("a store with another root path sees this one's objects");
    }

    [Fact]
    public async Task A_large_PutFile_goes_up_in_parts()
    {
        byte[] data = Bytes(LargeObjectSize, seed: 4);
        await File.WriteAllBytesAsync(Scratch.File("big"), data);
        int partsBefore = _endpoint.Server?.StoredParts ?? 0;

        await _store.PutFileAsync("big", Scratch.File("big"));

        using var client = RawClient();
        var head = await client.GetObjectMetadataAsync(_endpoint.BucketName, _rootPath + "/big");
        Assert.Equal(LargeObjectSize, head.ContentLength);
        // 20 MiB + 12 345 B in 5 MiB parts.
        if (_endpoint.Server is { } server)
            Assert.Equal(5, server.StoredParts - partsBefore);
        if (_endpoint.IsS3rver)
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(data)), head.ETag.Trim('"')); // s3rver: a plain MD5
        else
            Assert.EndsWith("-5\"", head.ETag, StringComparison.Ordinal); // S3 and MinIO: MD5 of the part MD5s, "-" part count
    }

    [Fact]
    public async Task Listing_pages_through_continuation_tokens()
    {
        // s3rver and S3 return at most 1000 keys a page.
        var puts = Enumerable.Range(0, 1005).Select(i => _store.PutAsync($"many/{i:D5}", new byte[] { (byte)i }));
        await Task.WhenAll(puts);

        var listed = await ListAll("many/");

        Assert.Equal(Enumerable.Range(0, 1005).Select(i => $"many/{i:D5}"), listed.Select(i => i.Key));
    }

    [Fact]
    public async Task A_bucket_created_by_CreateBucketIfMissing_is_usable_and_a_second_call_is_harmless()
    {
        string bucket = "quiver-created-" + _rootPath[^8..];
        using var store = new S3ObjectStore(_endpoint.Options("r") with { Bucket = bucket }, new Random(1));

        await store.CreateBucketIfMissingAsync();
        await store.CreateBucketIfMissingAsync();
        await store.PutAsync("k", new byte[] { 5 });

        Assert.Equal([5], await store.GetAsync("k"));
    }

    [Fact]
    public async Task A_local_data_directory_copied_key_by_key_is_served_the_same_by_S3()
    {
        using var root = new ScratchDirectory("objstore-copy");
        using var local = new LocalObjectStore(root.Path);
        string[] keys =
        [
            ObjectKeys.InsertLogPrefix(1, 2, 3) + "0/100.arrow",
            ObjectKeys.StatsLogPrefix(1, 2, 3) + "manifest",
            ObjectKeys.IndexFilesPrefix(9, 1, 2, 3) + "HNSW",
            ObjectKeys.WalPrefix("dml_0") + "00000001.log",
        ];
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
            await local.PutAsync(key, Bytes(1000 + i, seed: i));

        await foreach (var info in local.ListAsync(""))
            await _store.PutFileAsync(info.Key, local.PathOf(info.Key));

        var fromLocal = new List<ObjectInfo>();
        await foreach (var info in local.ListAsync(""))
            fromLocal.Add(info);
        var fromS3 = await ListAll("");
        Assert.Equal(fromLocal.Select(i => (i.Key, i.Size)), fromS3.Select(i => (i.Key, i.Size)));
        foreach (string key in keys)
            Assert.Equal(await local.GetAsync(key), await _store.GetAsync(key));
    }
}
