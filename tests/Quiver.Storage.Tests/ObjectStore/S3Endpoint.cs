using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>
/// The S3 service the S3 tests use: the one QUIVER_TEST_S3 names (e.g. http://127.0.0.1:4568, bucket
/// QUIVER_TEST_S3_BUCKET or 'quiver', keys QUIVER_TEST_S3_ACCESS_KEY / _SECRET_KEY or S3RVER, and
/// QUIVER_TEST_S3_KIND: 's3rver', the default, or 's3' for AWS S3 / MinIO), else an s3rver this fixture
/// starts on a free port and stops at the end. Without either the tests fail, saying to run `npm ci`
/// in tests/services: they never pass without a server.
/// </summary>
public sealed class S3Endpoint : IAsyncLifetime
{
    public const string Bucket = "quiver";

    private S3rverProcess? _server;

    public string ServiceUrl { get; private set; } = "";

    public string BucketName { get; private set; } = Bucket;

    public string AccessKey { get; private set; } = S3rverProcess.Credential;

    public string SecretKey { get; private set; } = S3rverProcess.Credential;

    /// <summary>The s3rver this fixture started, or null when QUIVER_TEST_S3 names an external service.</summary>
    public S3rverProcess? Server => _server;

    /// <summary>
    /// True when the service is s3rver (started here, or external with QUIVER_TEST_S3_KIND unset or 's3rver'):
    /// it rewrites objects in place and its multipart ETag is a plain MD5. False for AWS S3 and MinIO.
    /// </summary>
    public bool IsS3rver { get; private set; } = true;

    public async Task InitializeAsync()
    {
        string? external = Environment.GetEnvironmentVariable("QUIVER_TEST_S3");
        if (!string.IsNullOrEmpty(external))
        {
            ServiceUrl = external;
            BucketName = Environment.GetEnvironmentVariable("QUIVER_TEST_S3_BUCKET") is { Length: > 0 } b ? b : Bucket;
            AccessKey = Environment.GetEnvironmentVariable("QUIVER_TEST_S3_ACCESS_KEY") is { Length: > 0 } a ? a : S3rverProcess.Credential;
            SecretKey = Environment.GetEnvironmentVariable("QUIVER_TEST_S3_SECRET_KEY") is { Length: > 0 } s ? s : S3rverProcess.Credential;
            string kind = Environment.GetEnvironmentVariable("QUIVER_TEST_S3_KIND") is { Length: > 0 } k ? k : "s3rver";
            IsS3rver = kind switch
            {
                "s3rver" => true,
                "s3" => false,
                _ => throw new InvalidOperationException($"QUIVER_TEST_S3_KIND must be 's3rver' or 's3', got '{kind}'"),
            };
            return;
        }
        _server = await S3rverProcess.StartAsync(Bucket).ConfigureAwait(false);
        ServiceUrl = _server.ServiceUrl;
    }

    /// <summary>Options for a store under its own root path, so tests sharing the bucket never see each other's keys.</summary>
    public S3ObjectStoreOptions Options(string rootPath) => new()
    {
        ServiceUrl = ServiceUrl,
        Bucket = BucketName,
        RootPath = rootPath,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        // Small parts so the 20 MB conformance object goes up as a multipart upload of 4 parts.
        PartSize = 5L << 20,
        MultipartThreshold = 8L << 20,
        MaxRetries = 2,
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }
}
