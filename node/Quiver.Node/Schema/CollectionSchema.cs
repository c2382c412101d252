using Quiver.Node.Errors;
using Quiver.Storage.Segments;

namespace Quiver.Node.Schema;

/// <summary>
/// A collection's schema, checked by Milvus's rules: one Int64 or VarChar primary key, 1..4 vector fields,
/// at most 64 fields, valid unique names, type parameters in range, at most one partition key, default
/// values of the field's type. With <see cref="EnableDynamicField"/> rows may carry keys outside the schema;
/// they are kept as JSON in the hidden <see cref="DynamicFieldName"/> column.
/// </summary>
public sealed record CollectionSchema(string Name, IReadOnlyList<FieldSchema> Fields)
{
    public const int MaxFields = 64;
    public const int MaxVectorFields = 4;
    public const int MaxVarCharLength = 65535;
    public const int MaxArrayCapacity = 4096;
    public const int MaxDimension = 32768;
    public const string DynamicFieldName = "$meta";

    public string Description { get; init; } = "";
    public bool EnableDynamicField { get; init; }

    public FieldSchema PrimaryField => Fields.First(f => f.IsPrimaryKey);

    public IEnumerable<FieldSchema> VectorFields => Fields.Where(f => f.IsVector);

    public FieldSchema? PartitionKeyField => Fields.FirstOrDefault(f => f.IsPartitionKey);

    /// <summary>The field called <paramref name="name"/>, or null.</summary>
    public FieldSchema? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);

    /// <summary>Throws <see cref="QuiverException"/> (IllegalSchema / ParameterInvalid) naming the first problem.</summary>
    public void Validate()
    {
        Names.Validate(Name, "collection");
        if (Fields is null || Fields.Count == 0) Fail("a collection needs fields");
        if (Fields!.Count > MaxFields) Fail($"a collection has at most {MaxFields} fields, got {Fields.Count}");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in Fields)
        {
            Names.Validate(f.Name, "field", ErrorCode.FieldInvalidName);
            if (!names.Add(f.Name)) Fail($"duplicate field name '{f.Name}'");
            ValidateField(f);
        }
        var pks = Fields.Where(f => f.IsPrimaryKey).ToList();
        if (pks.Count != 1) Fail($"a collection needs exactly one primary key field, got {pks.Count}");
        int vectors = Fields.Count(f => f.IsVector);
        if (vectors == 0) Fail("a collection needs at least one vector field");
        if (vectors > MaxVectorFields) Fail($"a collection has at most {MaxVectorFields} vector fields, got {vectors}");
        var partitionKeys = Fields.Where(f => f.IsPartitionKey).ToList();
        if (partitionKeys.Count > 1) Fail("a collection has at most one partition key field");
    }

    private static void ValidateField(FieldSchema f)
    {
        string at = $"field '{f.Name}'";
        if (!Enum.IsDefined(f.DataType) || f.DataType == FieldType.None) Fail($"{at}: unsupported data type {(int)f.DataType}");
        if (f.IsPrimaryKey)
        {
            if (f.DataType is not (FieldType.Int64 or FieldType.VarChar)) Fail($"{at}: the primary key must be Int64 or VarChar, got {f.DataType}");
            if (f.Nullable) Fail($"{at}: the primary key cannot be nullable");
            if (f.DefaultValue is not null) Fail($"{at}: the primary key cannot have a default value");
            if (f.AutoId && f.DataType != FieldType.Int64) Fail($"{at}: auto id needs an Int64 primary key");
        }
        else if (f.AutoId) Fail($"{at}: only the primary key can be auto id");
        if (f.IsVector)
        {
            if (f.Dim is < 1 or > MaxDimension) Fail($"{at}: dim {f.Dim} is out of range 1..{MaxDimension}");
            if (f.DataType == FieldType.BinaryVector && f.Dim % 8 != 0) Fail($"{at}: a binary vector's dim must be a multiple of 8, got {f.Dim}");
            if (f.Nullable) Fail($"{at}: vector fields cannot be nullable");
            if (f.DefaultValue is not null) Fail($"{at}: vector fields cannot have a default value");
        }
        else if (f.Dim != 0) Fail($"{at}: only vector fields have a dim");
        if (f.DataType == FieldType.VarChar || (f.DataType == FieldType.Array && f.ElementType == FieldType.VarChar))
        {
            if (f.MaxLength is < 1 or > MaxVarCharLength) Fail($"{at}: max_length {f.MaxLength} is out of range 1..{MaxVarCharLength}");
        }
        if (f.DataType == FieldType.Array)
        {
            if (!f.ElementType.IsArrayElement()) Fail($"{at}: an Array's element type must be a scalar (Bool, Int8..Int64, Float, Double, VarChar), got {f.ElementType}");
            if (f.MaxCapacity is < 1 or > MaxArrayCapacity) Fail($"{at}: max_capacity {f.MaxCapacity} is out of range 1..{MaxArrayCapacity}");
            if (f.DefaultValue is not null) Fail($"{at}: Array fields cannot have a default value");
        }
        else if (f.ElementType != FieldType.None) Fail($"{at}: only Array fields have an element type");
        if (f.DataType == FieldType.Json && f.DefaultValue is not null) Fail($"{at}: JSON fields cannot have a default value");
        if (f.IsPartitionKey)
        {
            if (f.IsPrimaryKey) Fail($"{at}: the primary key cannot be the partition key");
            if (f.DataType is not (FieldType.Int64 or FieldType.VarChar)) Fail($"{at}: a partition key must be Int64 or VarChar, got {f.DataType}");
            if (f.Nullable) Fail($"{at}: a partition key cannot be nullable");
        }
        if (f.DefaultValue is not null && !DefaultMatches(f)) Fail($"{at}: default value {f.DefaultValue} ({f.DefaultValue.GetType().Name}) does not fit {f.DataType}");
    }

    private static bool DefaultMatches(FieldSchema f) => (f.DataType, f.DefaultValue) switch
    {
        (FieldType.Bool, bool) => true,
        (FieldType.Int8, long v) => v is >= sbyte.MinValue and <= sbyte.MaxValue,
        (FieldType.Int16, long v) => v is >= short.MinValue and <= short.MaxValue,
        (FieldType.Int32, long v) => v is >= int.MinValue and <= int.MaxValue,
        (FieldType.Int64, long) => true,
        (FieldType.Float or FieldType.Double, double) => true,
        (FieldType.VarChar, string s) => System.Text.Encoding.UTF8.GetByteCount(s) <= f.MaxLength,
        _ => false,
    };

    private static void Fail(string message) => throw new QuiverException(ErrorCode.IllegalSchema, message);

    /// <summary>The storage schema of this collection's segments: every field, plus the dynamic JSON column when enabled.</summary>
    public SegmentSchema ToSegmentSchema()
    {
        var fields = Fields.Select(f => new SegmentField(f.Name, f.DataType, f.Dim, f.ElementType, f.Nullable, f.IsPrimaryKey)).ToList();
        if (EnableDynamicField) fields.Add(new SegmentField(DynamicFieldName, FieldType.Json, Nullable: true));
        return new SegmentSchema(fields);
    }
}
