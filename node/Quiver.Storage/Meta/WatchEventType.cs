namespace Quiver.Storage.Meta;

/// <summary>What happened to a key in a <see cref="WatchEvent"/>.</summary>
public enum WatchEventType
{
    /// <summary>The key was created or overwritten.</summary>
    Put,

    /// <summary>The key was deleted: by a delete, a prefix delete, a transaction, or its lease ending.</summary>
    Delete,
}
