namespace Quiver.Storage.ObjectStore;

/// <summary>
/// A flat key → bytes store: the local filesystem in standalone, an S3-compatible bucket in a cluster.
/// Keys are '/'-separated paths relative to the store's root (see <see cref="ObjectKeys"/>), the
/// same for every backend, so a standalone data directory can be served by a cluster.
/// </summary>
/// <remarks>
/// A put is atomic: a reader sees either the whole previous object (or none) or the whole new one,
/// never a part. Missing keys throw <see cref="ObjectNotFoundException"/>; transport failures that
/// survive the backend's retries throw <see cref="ObjectStoreException"/> with
/// <see cref="ObjectStoreException.Retriable"/> set when trying later may help.
/// </remarks>
public interface IObjectStore : IDisposable
{
    /// <summary>A short name for logs and benchmarks: "local" or "s3".</summary>
    string Backend { get; }

    /// <summary>Writes <paramref name="data"/> under <paramref name="key"/>, replacing any object there.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Writes the contents of the local file <paramref name="path"/> under <paramref name="key"/> (large objects: streamed, multipart on S3).</summary>
    Task PutFileAsync(string key, string path, CancellationToken cancellationToken = default);

    /// <summary>Reads the whole object.</summary>
    Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/>; fewer when the object ends sooner.</summary>
    Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default);

    /// <summary>Copies the object into the local file <paramref name="path"/> (written to a temporary name, then renamed).</summary>
    Task GetToFileAsync(string key, string path, CancellationToken cancellationToken = default);

    /// <summary>Size and time of an object, or null when there is none.</summary>
    Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in ordinal key order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Removes the object; removing a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>One listed object.</summary>
public readonly record struct ObjectInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>A key that has no object.</summary>
public sealed class ObjectNotFoundException(string backend, string key)
    : Exception($"object '{key}' not found in the {backend} object store")
{
    public string Key { get; } = key;
}

/// <summary>An object-store operation failed after the backend's retries.</summary>
public sealed class ObjectStoreException(string message, bool retriable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when the failure was transient (endpoint unreachable, throttled, 5xx) and a later try may succeed.</summary>
    public bool Retriable { get; } = retriable;
}
