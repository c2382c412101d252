namespace Quiver.Storage.Meta;

/// <summary>Settings of an <see cref="EtcdMetaStore"/>.</summary>
public sealed record EtcdMetaStoreOptions
{
    /// <summary>The etcd client URL, e.g. <c>http://127.0.0.1:2379</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Deadline of each call (default 5 s); a call past it fails as retriable <see cref="MetaStoreErrorCode.Unavailable"/>.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed to open the TCP connection (default 3 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Clock for call deadlines and keep-alive waits (CONVENTIONS 15).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
