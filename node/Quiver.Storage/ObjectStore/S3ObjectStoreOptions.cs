namespace Quiver.Storage.ObjectStore;

/// <summary>
/// Where and how <see cref="S3ObjectStore"/> talks to an S3-compatible service. The names follow
/// Milvus's <c>minio.*</c> settings (address, bucketName, rootPath, accessKeyID, secretAccessKey, region).
/// </summary>
public sealed record S3ObjectStoreOptions
{
    /// <summary>Endpoint URL, e.g. <c>http://127.0.0.1:9000</c> (Milvus: minio.address + useSSL).</summary>
    public required string ServiceUrl { get; init; }

    /// <summary>Bucket holding every object (Milvus: minio.bucketName, default "a-bucket").</summary>
    public required string Bucket { get; init; }

    /// <summary>Key prefix inside the bucket, without leading or trailing '/'; empty for the bucket root (Milvus: minio.rootPath, default "files").</summary>
    public string RootPath { get; init; } = "";

    /// <summary>Access key; null with <see cref="SecretKey"/> null uses the SDK's default credential chain.</summary>
    public string? AccessKey { get; init; }

    /// <summary>Secret key; see <see cref="AccessKey"/>.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Region used to sign requests (Milvus: minio.region).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Path-style URLs (<c>host/bucket/key</c>) instead of virtual-host ones; needed by MinIO and s3rver.</summary>
    public bool ForcePathStyle { get; init; } = true;

    /// <summary><see cref="S3ObjectStore.PutFileAsync"/> uploads files larger than this in parts; smaller ones in one PUT.</summary>
    public long MultipartThreshold { get; init; } = 16L << 20;

    /// <summary>Part size of a multipart upload; S3 allows 5 MiB to 5 GiB, and at most 10 000 parts (the part size grows to fit).</summary>
    public long PartSize { get; init; } = 8L << 20;

    /// <summary>Parts of one multipart upload sent at once. Each holds a connection, not a part-sized buffer.</summary>
    public int MultipartConcurrency { get; init; } = 4;

    /// <summary>Retries after the first try of a request that failed transiently (unreachable, timed out, 5xx, SlowDown). 0 disables them.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Delay before the first retry; each next one doubles, up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of one retry delay.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one HTTP request (one try); an upload part of <see cref="PartSize"/> must fit in it.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The key prefix with its separator ("" or "root/"), checked.</summary>
    internal string KeyPrefix => RootPath.Length == 0 ? "" : RootPath + "/";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and its range.</summary>
    public void Validate()
    {
        if (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"ServiceUrl must be an absolute http:// or https:// URL, got '{ServiceUrl}'", nameof(ServiceUrl));
        if (string.IsNullOrEmpty(Bucket) || Bucket.Length is < 3 or > 63 || Bucket.Contains('/'))
            throw new ArgumentException($"Bucket must be a bucket name of 3..63 characters without '/', got '{Bucket}'", nameof(Bucket));
        if (RootPath.Length > 0)
            ObjectKeys.Validate(RootPath);
        if ((AccessKey is null) != (SecretKey is null))
            throw new ArgumentException("AccessKey and SecretKey must be given together (or both left null for the default credential chain)", nameof(AccessKey));
        if (PartSize is < 5L << 20 or > 5L << 30)
            throw new ArgumentOutOfRangeException(nameof(PartSize), PartSize, "PartSize must be 5 MiB..5 GiB (S3's part limits)");
        if (MultipartThreshold < 0)
            throw new ArgumentOutOfRangeException(nameof(MultipartThreshold), MultipartThreshold, "MultipartThreshold must be >= 0");
        if (MultipartConcurrency is < 1 or > 64)
            throw new ArgumentOutOfRangeException(nameof(MultipartConcurrency), MultipartConcurrency, "MultipartConcurrency must be 1..64");
        if (MaxRetries is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "MaxRetries must be 0..100");
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
            throw new ArgumentOutOfRangeException(nameof(InitialBackoff), InitialBackoff, "InitialBackoff must be > 0 and <= MaxBackoff");
        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "RequestTimeout must be > 0");
    }
}
