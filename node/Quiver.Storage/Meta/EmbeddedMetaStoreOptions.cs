namespace Quiver.Storage.Meta;

/// <summary>Settings of an <see cref="EmbeddedMetaStore"/>.</summary>
public sealed record EmbeddedMetaStoreOptions
{
    /// <summary>The store's directory; created when missing. Holds the lock file, one snapshot and one journal.</summary>
    public required string Directory { get; init; }

    /// <summary>
    /// When the journal grows past this many bytes, the whole state is written as a new snapshot and
    /// a fresh journal is started (default 16 MiB). Larger means rarer snapshots and a longer replay on open.
    /// </summary>
    public long JournalRollBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Watch history kept in memory, in events (default 10 000). A watch from a revision older than
    /// that window, or older than the last snapshot after a reopen, fails with <see cref="MetaStoreErrorCode.Compacted"/>.
    /// </summary>
    public int HistoryEvents { get; init; } = 10_000;

    /// <summary>Clock for lease deadlines and keep-alive waits (CONVENTIONS 15).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where recovery notes go (a torn tail cut, leases ended at open); standard error when null.</summary>
    public Action<string>? Log { get; init; }
}
