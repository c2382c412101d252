namespace Quiver.Storage.Wal;

/// <summary>
/// A WAL entry before the tail failed its checks. The log refuses to go on rather than skip it:
/// skipping would silently drop acknowledged writes.
/// </summary>
public sealed class WalCorruptionException(string channel, long address, WalDecodeStatus status, string detail)
    : Exception($"WAL channel '{channel}': entry at position {address} is {Describe(status)}{detail}; refusing to skip it")
{
    /// <summary>Log position (FASTER logical address) of the bad entry.</summary>
    public long Address { get; } = address;

    public WalDecodeStatus Status { get; } = status;

    private static string Describe(WalDecodeStatus s) => s switch
    {
        WalDecodeStatus.Truncated => "truncated",
        WalDecodeStatus.ChecksumMismatch => "corrupt (CRC-32C mismatch)",
        WalDecodeStatus.UnknownVersion => "of an unknown format version or kind",
        _ => s.ToString(),
    };
}
