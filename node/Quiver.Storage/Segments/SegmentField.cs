namespace Quiver.Storage.Segments;

/// <summary>
/// One field of a collection schema as stored in a segment.
/// </summary>
/// <param name="Name">Field name, <c>[A-Za-z_][A-Za-z0-9_]*</c>, up to 255 characters (Milvus's rule).</param>
/// <param name="Type">Its data type.</param>
/// <param name="Dim">Dimensions, for vector fields (binary: bits, a multiple of 8); 0 otherwise.</param>
/// <param name="ElementType">Element type of an Array field; None otherwise.</param>
/// <param name="Nullable">Whether rows may have no value (a validity bitmap in the file).</param>
/// <param name="IsPrimaryKey">The primary key: Int64 or VarChar, never nullable; exactly one per schema.</param>
public sealed record SegmentField(
    string Name,
    FieldType Type,
    int Dim = 0,
    FieldType ElementType = FieldType.None,
    bool Nullable = false,
    bool IsPrimaryKey = false)
{
    /// <summary>Name of the hidden JSON column that holds a row's dynamic fields.</summary>
    public const string DynamicFieldName = "$meta";

    /// <summary>Fails with a message that names the field and the problem.</summary>
    public void Validate()
    {
        // "$meta" is the one name outside the rule: the hidden JSON column of a collection's dynamic fields (as in Milvus).
        if (Name != DynamicFieldName && (string.IsNullOrEmpty(Name) || Name.Length > 255 || !(char.IsAsciiLetter(Name[0]) || Name[0] == '_')
            || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            throw new ArgumentException($"field name '{Name}' must match [A-Za-z_][A-Za-z0-9_]* and be at most 255 characters");
        if (Name == DynamicFieldName && (Type != FieldType.Json || !Nullable))
            throw new ArgumentException($"field name '{DynamicFieldName}' is reserved for the nullable JSON column of dynamic fields");
        if (!Enum.IsDefined(Type) || Type == FieldType.None)
            throw new ArgumentException($"field '{Name}': unknown type {(int)Type}");
        if (Type.IsVector())
        {
            if (Dim is < 1 or > 32768)
                throw new ArgumentException($"field '{Name}': dim {Dim} must be in 1..32768");
            if (Type == FieldType.BinaryVector && Dim % 8 != 0)
                throw new ArgumentException($"field '{Name}': a binary vector's dim {Dim} must be a multiple of 8");
            if (Nullable) throw new ArgumentException($"field '{Name}': vector fields cannot be nullable");
        }
        else if (Dim != 0)
            throw new ArgumentException($"field '{Name}': only vector fields have a dim");
        if (Type == FieldType.Array && !ElementType.IsArrayElement())
            throw new ArgumentException($"field '{Name}': an Array needs a scalar element type (Bool, Int8..Int64, Float, Double, VarChar), got {ElementType}");
        if (Type != FieldType.Array && ElementType != FieldType.None)
            throw new ArgumentException($"field '{Name}': only Array fields have an element type");
        if (IsPrimaryKey && (Type is not (FieldType.Int64 or FieldType.VarChar) || Nullable))
            throw new ArgumentException($"field '{Name}': a primary key must be a non-nullable Int64 or VarChar, got {(Nullable ? "nullable " : "")}{Type}");
    }
}
