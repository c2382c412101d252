using Amazon.S3.Model;

namespace Quiver.Storage.ObjectStore;

public sealed partial class S3ObjectStore
{
    private const int MaxParts = 10_000; // S3's limit per upload

    /// <summary>
    /// Initiate → UploadPart × n (each retried on its own, <see cref="S3ObjectStoreOptions.MultipartConcurrency"/>
    /// at a time, read straight from the file) → Complete; Abort when anything fails, so no
    /// half-upload lingers (a bucket lifecycle rule should still expire the ones a crash leaves).
    /// Not TransferUtility: it cannot turn chunk encoding off.
    /// </summary>
    private async Task PutMultipartAsync(string key, string fullKey, string path, long size, CancellationToken cancellationToken)
    {
        long partSize = Math.Max(_options.PartSize, (size + MaxParts - 1) / MaxParts);
        int partCount = (int)((size + partSize - 1) / partSize);

        var initiated = await RunAsync("initiate multipart upload", key,
            ct => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = fullKey }, ct),
            cancellationToken).ConfigureAwait(false);
        string uploadId = initiated.UploadId;
        try
        {
            var etags = new PartETag[partCount];
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MultipartConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, partCount), parallel, async (index, token) =>
            {
                long position = index * partSize;
                int partNumber = index + 1;
                var uploaded = await RunAsync($"upload part {partNumber}/{partCount}", key, ct => _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = fullKey,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    FilePath = path,
                    FilePosition = position,
                    PartSize = Math.Min(partSize, size - position),
                    UseChunkEncoding = false, // see the class remarks: silent corruption otherwise
                }, ct), token).ConfigureAwait(false);
                etags[index] = new PartETag(partNumber, uploaded.ETag);
            }).ConfigureAwait(false);

            await RunAsync("complete multipart upload", key, ct => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartETags = [.. etags],
            }, ct), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortQuietlyAsync(fullKey, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task AbortQuietlyAsync(string fullKey, string uploadId)
    {
        try
        {
            // Not the caller's token: a cancelled upload must still be aborted. The request timeout bounds it.
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = fullKey, UploadId = uploadId }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The original failure is the one to report; an upload left behind holds storage only.
        }
    }
}
