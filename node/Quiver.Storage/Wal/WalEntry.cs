namespace Quiver.Storage.Wal;

/// <summary>
/// One WAL entry: an insert or delete batch of one collection partition with its hybrid timestamp
/// (<c>physical_ms &lt;&lt; 18 | logical</c>). The payload is opaque to the log.
/// </summary>
public readonly record struct WalEntry(
    WalEntryKind Kind,
    ulong Timestamp,
    long CollectionId,
    long PartitionId,
    ReadOnlyMemory<byte> Payload);

/// <summary>An entry read back from the log with its position and the position of the next entry.</summary>
public readonly record struct WalRecord(long Address, long NextAddress, WalEntry Entry);
