using Quiver.Storage.Segments;

namespace Quiver.Node.Schema;

/// <summary>
/// One field of a collection, as Milvus's <c>schema.FieldSchema</c>: type, type parameters (dim, max_length,
/// element type, max_capacity), primary key and auto id, nullable, default value, partition key.
/// <see cref="FieldId"/> is assigned by the coordinator when the collection is created (user fields from 100).
/// </summary>
public sealed record FieldSchema(string Name, FieldType DataType)
{
    public long FieldId { get; init; }
    public string Description { get; init; } = "";
    public bool IsPrimaryKey { get; init; }
    /// <summary>The primary key is allocated by the engine (Int64 keys only); inserts must not carry it.</summary>
    public bool AutoId { get; init; }
    /// <summary>Vector dimension (binary: bits).</summary>
    public int Dim { get; init; }
    /// <summary>VarChar (and VarChar array elements): the most UTF-8 bytes a value may have, 1..65535.</summary>
    public int MaxLength { get; init; }
    /// <summary>Element type of an Array field.</summary>
    public FieldType ElementType { get; init; }
    /// <summary>Array: the most elements a value may have, 1..4096.</summary>
    public int MaxCapacity { get; init; }
    public bool Nullable { get; init; }
    /// <summary>Value used when an insert omits the field or gives null (bool, long, double or string by type).</summary>
    public object? DefaultValue { get; init; }
    /// <summary>Rows are hashed to partitions by this field (at most one per collection).</summary>
    public bool IsPartitionKey { get; init; }

    public bool IsVector => DataType.IsVector();
}
