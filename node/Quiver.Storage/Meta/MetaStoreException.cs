namespace Quiver.Storage.Meta;

/// <summary>A meta-store operation failed for a reason other than a bad argument.</summary>
public sealed class MetaStoreException : Exception
{
    public MetaStoreException(MetaStoreErrorCode code, string message, bool retriable = false, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Retriable = retriable;
    }

    /// <summary>What went wrong, from one catalogue shared by both backends.</summary>
    public MetaStoreErrorCode Code { get; }

    /// <summary>True when the same call may succeed later (backend unreachable, timed out, leader change).</summary>
    public bool Retriable { get; }
}
