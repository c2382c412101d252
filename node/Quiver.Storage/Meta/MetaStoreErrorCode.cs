namespace Quiver.Storage.Meta;

/// <summary>The catalogue of meta-store failures (bad arguments throw <see cref="ArgumentException"/> instead).</summary>
public enum MetaStoreErrorCode
{
    /// <summary>The backend could not be reached or did not answer in time. Retriable.</summary>
    Unavailable,

    /// <summary>The lease does not exist: never granted, revoked, or expired.</summary>
    LeaseNotFound,

    /// <summary>A watch asked for a revision whose history is gone (etcd compaction, or the embedded store's bounded history).</summary>
    Compacted,

    /// <summary>A watch fell too far behind and was ended; watch again from the last revision seen + 1.</summary>
    WatchOverflow,

    /// <summary>A persisted file fails its checksum or layout check. Never retriable: the data needs a person.</summary>
    Corrupt,

    /// <summary>A persisted file was written by a newer, incompatible format version.</summary>
    UnsupportedVersion,

    /// <summary>The embedded store's directory is held by another open store.</summary>
    Locked,

    /// <summary>A disk write or fsync failed; the embedded store refuses further work until reopened.</summary>
    Io,

    /// <summary>The backend refused the request for a reason not listed above.</summary>
    Internal,
}
