using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Quiver.Storage.ObjectStore;

/// <summary>
/// The cluster object store: objects in one bucket of an S3-compatible service (AWS S3, MinIO, s3rver),
/// at <c>{RootPath}/{key}</c>, through AWSSDK.S3 with the SDK's own retries off and ours on
/// (see S3ObjectStore.Retry.cs).
/// </summary>
/// <remarks>
/// Every upload is sent with <c>UseChunkEncoding = false</c>: over http:// the SDK otherwise frames
/// the body as aws-chunked, and servers that do not decode it (s3rver) store the framing as the
/// object's bytes. Request checksums are only sent where S3 requires them, so parts carry no
/// checksum algorithm that the multipart upload was not created with.
/// A PUT is atomic on S3 itself (a reader sees the old or the new object); large files go up as a
/// multipart upload (S3ObjectStore.Multipart.cs), which becomes visible only when completed.
/// </remarks>
public sealed partial class S3ObjectStore : IObjectStore
{
    private const int CopyBufferSize = 1 << 20;

    private readonly S3ObjectStoreOptions _options;
    private readonly AmazonS3Client _client;
    private readonly string _keyPrefix;
    private readonly Random _jitter;
    private volatile bool _bucketConfirmed;

    /// <summary>Creates a client for <paramref name="options"/>; nothing is sent until the first operation.</summary>
    /// <param name="options">Endpoint, bucket, credentials and retry settings; validated here.</param>
    /// <param name="jitter">Seeded generator for retry jitter (give each node its own seed so retries spread out).</param>
    public S3ObjectStore(S3ObjectStoreOptions options, Random jitter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(jitter);
        options.Validate();
        _options = options;
        _jitter = jitter;
        _keyPrefix = options.KeyPrefix;
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            MaxErrorRetry = 0, // RunAsync retries, with a bound and an error that names the endpoint
            Timeout = options.RequestTimeout,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        _client = options.AccessKey is null
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    /// <inheritdoc/>
    public string Backend => "s3";

    /// <summary>The settings this store was made with.</summary>
    public S3ObjectStoreOptions Options => _options;

    /// <summary>Creates the bucket when it does not exist (tests, standalone MinIO); a bucket that exists is left alone.</summary>
    public async Task CreateBucketIfMissingAsync(CancellationToken cancellationToken = default)
    {
        await RunAsync("create bucket", null, async ct =>
        {
            try
            {
                await _client.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _bucketConfirmed = true;
    }

    /// <inheritdoc/>
    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        return RunAsync("put", key, async ct =>
        {
            using var body = AsStream(data);
            var request = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = fullKey,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = false, // see the class remarks: silent corruption otherwise
            };
            await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task PutFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        ArgumentException.ThrowIfNullOrEmpty(path);
        long size = new FileInfo(path).Length; // throws FileNotFoundException for a missing file
        if (size > _options.MultipartThreshold)
            return PutMultipartAsync(key, fullKey, path, size, cancellationToken);
        return RunAsync("put file", key, async ct =>
        {
            var request = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = fullKey,
                FilePath = path,
                UseChunkEncoding = false,
            };
            await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        return RunAsync("get", key, async ct =>
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = fullKey }, ct).ConfigureAwait(false);
            return await ReadBodyAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            // An empty Range header is not expressible; answer like the local store, which checks the key.
            return await StatAsync(key, cancellationToken).ConfigureAwait(false) is null ? throw new ObjectNotFoundException(Backend, key) : [];
        }
        return await RunAsync("get range", key, async ct =>
        {
            var request = new GetObjectRequest { BucketName = _options.Bucket, Key = fullKey, ByteRange = new ByteRange(offset, offset + length - 1) };
            try
            {
                using var response = await _client.GetObjectAsync(request, ct).ConfigureAwait(false);
                var range = ParseContentRange(response.ContentRange);
                if (range.Total is { } total && total <= offset)
                {
                    // Nothing to read, whatever length the server announces: s3rver answers a range over an
                    // empty object with a Content-Length of 1 and no body (S3 answers 416).
                    return [];
                }
                byte[] body = await ReadBodyAsync(response, ct).ConfigureAwait(false);
                // Trust the bytes the server says it sent, not the ones asked for: a server may ignore
                // Range (200, whole object) or widen it (s3rver answers "bytes=0-0" with the whole object).
                long start = response.HttpStatusCode == HttpStatusCode.PartialContent ? range.Start ?? offset : 0;
                if (start > offset)
                    throw new ObjectStoreException($"S3 {Describe("get range", key)}: asked for bytes from {offset}, got '{response.ContentRange}'", retriable: false);
                int from = (int)Math.Min(offset - start, body.Length);
                int count = (int)Math.Min(length, body.Length - from);
                return from == 0 && count == body.Length ? body : body.AsSpan(from, count).ToArray();
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                return []; // the object exists but ends before offset (or is empty)
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task GetToFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return RunAsync("get to file", key, async ct =>
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = fullKey }, ct).ConfigureAwait(false);
            await AtomicFile.WriteAsync(target, async (file, token) =>
            {
                await response.ResponseStream.CopyToAsync(file, CopyBufferSize, token).ConfigureAwait(false);
                if (file.Length != response.ContentLength)
                    throw new EndOfStreamException($"body ended after {file.Length} of {response.ContentLength} bytes");
            }, syncDirectory: false, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        var info = await RunAsync("stat", key, async ct =>
        {
            try
            {
                var response = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = fullKey }, ct).ConfigureAwait(false);
                return new ObjectInfo(key, response.ContentLength, ToOffset(response.LastModified));
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return (ObjectInfo?)null;
            }
        }, cancellationToken).ConfigureAwait(false);
        // A HEAD has no error body, so a missing bucket looks like a missing key; tell them apart once.
        if (info is null && !_bucketConfirmed)
            await ConfirmBucketAsync(cancellationToken).ConfigureAwait(false);
        return info;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _keyPrefix + prefix, ContinuationToken = continuation };
            var page = await RunAsync($"list '{prefix}'", null, ct => _client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.S3Objects ?? [])
            {
                if (!entry.Key.StartsWith(_keyPrefix, StringComparison.Ordinal))
                    continue;
                yield return new ObjectInfo(entry.Key[_keyPrefix.Length..], entry.Size ?? 0, ToOffset(entry.LastModified));
            }
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        return RunAsync("delete", key, async ct =>
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = fullKey }, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _client.Dispose();

    private string FullKey(string key)
    {
        ObjectKeys.Validate(key);
        return _keyPrefix + key;
    }

    private async Task ConfirmBucketAsync(CancellationToken cancellationToken)
    {
        await RunAsync("check bucket", null, async ct =>
        {
            try
            {
                await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _options.Bucket }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                throw NoSuchBucket("stat", ex);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _bucketConfirmed = true;
    }

    /// <summary>First byte and object size of a "bytes start-end/size" Content-Range; nulls for what is absent or "*".</summary>
    private static (long? Start, long? Total) ParseContentRange(string? contentRange)
    {
        const string unit = "bytes ";
        if (contentRange is null || !contentRange.StartsWith(unit, StringComparison.Ordinal))
            return (null, null);
        var spec = contentRange.AsSpan(unit.Length);
        int dash = spec.IndexOf('-');
        int slash = spec.IndexOf('/');
        long? start = dash > 0 && TryParse(spec[..dash], out long s) ? s : null;
        long? total = slash >= 0 && TryParse(spec[(slash + 1)..], out long t) ? t : null;
        return (start, total);

        static bool TryParse(ReadOnlySpan<char> digits, out long value) =>
            long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static async Task<byte[]> ReadBodyAsync(GetObjectResponse response, CancellationToken cancellationToken)
    {
        long length = response.ContentLength;
        if (length > Array.MaxLength)
            throw new ObjectStoreException($"object '{response.Key}' has {length} bytes, more than one array holds; use GetToFileAsync", retriable: false);
        byte[] body = length == 0 ? [] : new byte[length];
        // ReadExactly throws EndOfStreamException when the connection ends early; RunAsync retries it.
        await response.ResponseStream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        // Read to the end: that is where the SDK compares a whole object with its MD5 ETag.
        if (await response.ResponseStream.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
            throw new ObjectStoreException($"object '{response.Key}' sent more than its Content-Length of {length} bytes", retriable: true);
        return body;
    }

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime(), TimeSpan.Zero) : default;
}
