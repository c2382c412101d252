namespace Quiver.Storage.Wal;

/// <summary>
/// Settings of one WAL channel. Every field has a working default; tests shrink the sizes.
/// </summary>
/// <param name="Directory">Folder of this channel's log: FASTER segment files <c>wal.log.N</c> and its commit metadata.</param>
/// <param name="Channel">The channel (vchannel) name, used in messages and archive keys.</param>
/// <param name="PageSizeBits">FASTER page size, 2^bits bytes. An entry must fit in one page, so this bounds
/// <see cref="MaxEntryBytes"/>: 22 gives 4 MiB pages. Callers split bigger batches.</param>
/// <param name="MemorySizeBits">In-memory log buffer, 2^bits bytes (at least two pages); appends wait when it is full of unflushed pages.</param>
/// <param name="SegmentSizeBits">Size of each on-disk segment file, 2^bits bytes; closed segments are what <see cref="WriteAheadLog.ArchiveAsync"/> copies.</param>
/// <param name="GroupCommitDelay">How long the committer waits for more entries after the first uncommitted one.
/// Zero (the default) commits as soon as the previous commit is done, which batches naturally under load
/// and adds no latency to a lone writer.</param>
/// <param name="GroupCommitBytes">Commit at once when this many bytes are pending, even inside the delay.</param>
/// <param name="Log">Receives recovery messages (torn tails cut back); null discards them.</param>
public sealed record WalOptions(
    string Directory,
    string Channel,
    int PageSizeBits = 22,
    int MemorySizeBits = 25,
    int SegmentSizeBits = 30,
    TimeSpan GroupCommitDelay = default,
    int GroupCommitBytes = 4 << 20,
    Action<string>? Log = null)
{
    /// <summary>The largest payload one entry can carry with these settings.</summary>
    public int MaxEntryBytes => (1 << PageSizeBits) - 64 - WalEntryCodec.HeaderSize;

    /// <summary>Fails with the parameter's name and allowed range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory)) throw new ArgumentException("WAL directory must be set", nameof(Directory));
        if (string.IsNullOrEmpty(Channel) || Channel.Contains('/'))
            throw new ArgumentException($"WAL channel name '{Channel}' must be non-empty and contain no '/'", nameof(Channel));
        if (PageSizeBits is < 12 or > 28)
            throw new ArgumentOutOfRangeException(nameof(PageSizeBits), PageSizeBits, "PageSizeBits must be in 12..28");
        if (MemorySizeBits < PageSizeBits + 1 || MemorySizeBits > 34)
            throw new ArgumentOutOfRangeException(nameof(MemorySizeBits), MemorySizeBits, $"MemorySizeBits must be in {PageSizeBits + 1}..34 (at least two pages)");
        if (SegmentSizeBits < PageSizeBits || SegmentSizeBits > 40)
            throw new ArgumentOutOfRangeException(nameof(SegmentSizeBits), SegmentSizeBits, $"SegmentSizeBits must be in {PageSizeBits}..40 (at least one page)");
        if (GroupCommitDelay < TimeSpan.Zero || GroupCommitDelay > TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(GroupCommitDelay), GroupCommitDelay, "GroupCommitDelay must be in 0..1 s");
        if (GroupCommitBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(GroupCommitBytes), GroupCommitBytes, "GroupCommitBytes must be positive");
    }
}
