namespace Quiver.Storage.Meta;

/// <summary>The kind of a <see cref="MetaOp"/>.</summary>
public enum MetaOpKind
{
    Put,
    Delete,
    DeletePrefix,
}
