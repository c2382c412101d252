namespace Quiver.Storage.Wal;

/// <summary>What a WAL entry carries. The byte value is persisted; never renumber.</summary>
public enum WalEntryKind : byte
{
    /// <summary>A batch of inserted rows (the engine's row-batch encoding in the payload).</summary>
    Insert = 1,

    /// <summary>A batch of deleted primary keys.</summary>
    Delete = 2,

    /// <summary>A control message of the streaming node (seal, flush marker, schema change).</summary>
    Control = 3,
}
