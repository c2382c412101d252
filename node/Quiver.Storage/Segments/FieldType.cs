namespace Quiver.Storage.Segments;

/// <summary>
/// Field types of a collection schema, numbered as Milvus's <c>schema.proto</c> DataType so the server can pass
/// them through unchanged.
/// </summary>
public enum FieldType
{
    None = 0,
    Bool = 1,
    Int8 = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    Float = 10,
    Double = 11,
    VarChar = 21,
    Array = 22,
    Json = 23,
    BinaryVector = 100,
    FloatVector = 101,
    Float16Vector = 102,
    BFloat16Vector = 103,
    Int8Vector = 105,
}

/// <summary>Facts about field types.</summary>
public static class FieldTypes
{
    /// <summary>True for the vector types.</summary>
    public static bool IsVector(this FieldType t) => t is FieldType.BinaryVector or FieldType.FloatVector or FieldType.Float16Vector
        or FieldType.BFloat16Vector or FieldType.Int8Vector;

    /// <summary>Bytes one vector of <paramref name="dim"/> dimensions takes in a segment.</summary>
    public static int VectorBytes(this FieldType t, int dim) => t switch
    {
        FieldType.FloatVector => dim * 4,
        FieldType.Float16Vector or FieldType.BFloat16Vector => dim * 2,
        FieldType.Int8Vector => dim,
        FieldType.BinaryVector => dim / 8,
        _ => throw new ArgumentException($"{t} is not a vector type"),
    };

    /// <summary>Types an Array field may hold (as in Milvus: scalars, not vectors, JSON or arrays).</summary>
    public static bool IsArrayElement(this FieldType t) => t is FieldType.Bool or FieldType.Int8 or FieldType.Int16 or FieldType.Int32
        or FieldType.Int64 or FieldType.Float or FieldType.Double or FieldType.VarChar;
}
