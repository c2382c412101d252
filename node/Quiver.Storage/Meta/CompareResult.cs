namespace Quiver.Storage.Meta;

/// <summary>
/// How a key's field must relate to the operand for a <see cref="MetaCompare"/> to hold:
/// <c>field OP operand</c> (etcd's Compare.result).
/// </summary>
public enum CompareResult
{
    Equal,
    NotEqual,

    /// <summary>The key's field is less than the operand.</summary>
    Less,

    /// <summary>The key's field is greater than the operand.</summary>
    Greater,
}
