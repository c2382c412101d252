using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Quiver.Storage.ObjectStore;

public sealed partial class S3ObjectStore
{
    // S3's documented throttling / transient codes, plus what MinIO and s3rver send for the same conditions.
    private static readonly HashSet<string> TransientErrorCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException",
        "RequestThrottled", "XMinioServerNotInitialized",
    };

    // AmazonS3ResponseHandler's message; the SDK has no exception type of its own for it.
    private const string BodyHashMismatch = "Expected hash not equal to calculated hash";

    /// <summary>
    /// Runs one request with bounded retries: a transient failure (see <see cref="IsTransient"/>) is retried
    /// up to <see cref="S3ObjectStoreOptions.MaxRetries"/> times after exponential backoff with jitter, then
    /// becomes a retriable <see cref="ObjectStoreException"/> naming the endpoint and operation. A missing
    /// key becomes <see cref="ObjectNotFoundException"/>, a missing bucket and every other service error a
    /// non-retriable <see cref="ObjectStoreException"/>. Each try must be complete in itself (it re-sends the body).
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, string? key, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (int retry = 0; ; retry++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                // Whatever a cancelled request broke on (an aborted stream, a half-written file), the caller cancelled.
                throw new OperationCanceledException($"S3 {Describe(operation, key)} was cancelled", ex, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransient(ex))
            {
                if (retry >= _options.MaxRetries)
                {
                    throw new ObjectStoreException(
                        $"S3 {Describe(operation, key)} failed after {retry + 1} tries: {Reason(ex)}", retriable: true, ex);
                }
                await Task.Delay(Backoff(retry), cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
            {
                throw NoSuchBucket(operation, ex);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchKey" && key is not null)
            {
                throw new ObjectNotFoundException(Backend, key);
            }
            catch (AmazonServiceException ex)
            {
                throw new ObjectStoreException($"S3 {Describe(operation, key)} failed: {Reason(ex)}", retriable: false, ex);
            }
            catch (Exception ex) when (ex is not (ObjectStoreException or ObjectNotFoundException or OperationCanceledException))
            {
                // Anything else the SDK or the local file threw (a response it could not parse, a disk
                // error in GetToFile): still one exception type for callers, and not worth retrying blindly.
                throw new ObjectStoreException($"S3 {Describe(operation, key)} failed: {Reason(ex)}", retriable: false, ex);
            }
        }
    }

    private ObjectStoreException NoSuchBucket(string operation, Exception inner) =>
        new($"S3 bucket '{_options.Bucket}' does not exist at {_options.ServiceUrl} ({operation}); create it or fix the bucket name",
            retriable: false, inner);

    private string Describe(string operation, string? key) =>
        key is null
            ? $"{operation} at {_options.ServiceUrl} (bucket '{_options.Bucket}')"
            : $"{operation} of '{key}' at {_options.ServiceUrl} (bucket '{_options.Bucket}')";

    private string Reason(Exception ex) => ex switch
    {
        AmazonServiceException { StatusCode: not 0 } s => $"{(int)s.StatusCode} {s.ErrorCode}: {s.Message}",
        // The SDK turns HttpClient's per-request timeout into TimeoutException("The operation was canceled.").
        TimeoutException or OperationCanceledException => $"no answer within the request timeout of {_options.RequestTimeout.TotalSeconds:0.###} s",
        _ => $"{ex.GetType().Name}: {ex.Message}{(ex.InnerException is { } inner ? $" ({inner.Message})" : "")}",
    };

    /// <summary>
    /// True for failures a later try may not hit: the endpoint unreachable or resetting, a request
    /// timed out (not cancelled by the caller: the caller's token is checked before this), a body cut
    /// short, 5xx, 429 and throttling codes. A 4xx answer is final whatever it wraps.
    /// </summary>
    private static bool IsTransient(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AmazonServiceException { StatusCode: not 0 } service:
                    int status = (int)service.StatusCode;
                    return status >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests
                        || (service.ErrorCode is { } code && TransientErrorCodes.Contains(code));
                case AmazonClientException when e.Message == BodyHashMismatch:
                    // The SDK checks a whole-object GET against its MD5 ETag; a mismatch is a body torn by
                    // the network or by a server that rewrites objects in place (s3rver). Read it again.
                    return true;
                case HttpRequestException:
                case SocketException:
                case TimeoutException:
                case OperationCanceledException: // HttpClient's per-request timeout
                case HttpIOException:
                case EndOfStreamException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>"Equal jitter": half of the capped exponential delay, plus a random part of the other half.</summary>
    private TimeSpan Backoff(int retry)
    {
        double capped = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, retry));
        double unit;
        lock (_jitter) // Random is not thread-safe; parts of a multipart upload retry concurrently
            unit = _jitter.NextDouble();
        return TimeSpan.FromMilliseconds(capped * (0.5 + 0.5 * unit));
    }
}
