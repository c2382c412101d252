using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Quiver.Storage.Segments;

/// <summary>
/// The fields of one collection as a segment stores them: the primary key, the system timestamp column
/// <see cref="TimestampField"/> and every user field, mapped onto Arrow types:
/// scalars to their Arrow type, VarChar and JSON to utf8 (JSON marked in field metadata), Array to
/// List&lt;element&gt;, FloatVector to FixedSizeList&lt;float&gt;(dim), and the packed vector types
/// (Float16, BFloat16, Int8, Binary) to FixedSizeBinary(bytes per vector).
/// </summary>
public sealed class SegmentSchema
{
    /// <summary>Name of the hybrid-timestamp column every segment carries (uint64).</summary>
    public const string TimestampField = "_ts";

    internal const string TypeKey = "quiver.type";
    internal const string DimKey = "quiver.dim";
    internal const string ElementKey = "quiver.element_type";
    internal const string VersionKey = "quiver.segment_format";
    internal const string PrimaryKeyKey = "quiver.primary_key";
    internal const int FormatVersion = 1;

    public SegmentSchema(IReadOnlyList<SegmentField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            f.Validate();
            if (f.Name == TimestampField) throw new ArgumentException($"field name '{TimestampField}' is reserved for the timestamp column");
            if (!names.Add(f.Name)) throw new ArgumentException($"field '{f.Name}' appears twice");
        }
        var pks = fields.Where(f => f.IsPrimaryKey).ToList();
        if (pks.Count != 1) throw new ArgumentException($"a schema needs exactly one primary key field, got {pks.Count}");
        Fields = fields.ToArray();
        PrimaryKey = pks[0];
        Arrow = BuildArrowSchema();
    }

    public IReadOnlyList<SegmentField> Fields { get; }

    public SegmentField PrimaryKey { get; }

    /// <summary>The Arrow schema: the user fields in order, then <see cref="TimestampField"/>.</summary>
    public Schema Arrow { get; }

    public SegmentField this[string name] =>
        Fields.FirstOrDefault(f => f.Name == name) ?? throw new KeyNotFoundException($"no field '{name}' in the schema");

    /// <summary>
    /// True when <paramref name="arrow"/> has this schema's columns: same names, order and Arrow type ids
    /// (a batch built for an equal schema object, or decoded from a WAL entry, passes).
    /// </summary>
    public bool Describes(Schema arrow)
    {
        if (ReferenceEquals(arrow, Arrow)) return true;
        if (arrow.FieldsList.Count != Arrow.FieldsList.Count) return false;
        for (int i = 0; i < arrow.FieldsList.Count; i++)
        {
            var a = arrow.FieldsList[i];
            var b = Arrow.FieldsList[i];
            if (a.Name != b.Name || a.DataType.TypeId != b.DataType.TypeId || a.IsNullable != b.IsNullable) return false;
        }
        return true;
    }

    private Schema BuildArrowSchema()
    {
        var b = new Schema.Builder();
        foreach (var f in Fields) b.Field(ToArrow(f));
        b.Field(new Field(TimestampField, UInt64Type.Default, nullable: false));
        b.Metadata(VersionKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        b.Metadata(PrimaryKeyKey, PrimaryKey.Name);
        return b.Build();
    }

    internal static IArrowType ScalarArrowType(FieldType t) => t switch
    {
        FieldType.Bool => BooleanType.Default,
        FieldType.Int8 => Int8Type.Default,
        FieldType.Int16 => Int16Type.Default,
        FieldType.Int32 => Int32Type.Default,
        FieldType.Int64 => Int64Type.Default,
        FieldType.Float => FloatType.Default,
        FieldType.Double => DoubleType.Default,
        FieldType.VarChar or FieldType.Json => StringType.Default,
        _ => throw new ArgumentException($"{t} is not a scalar type"),
    };

    internal static IArrowType ArrowType(SegmentField f) => f.Type switch
    {
        FieldType.FloatVector => new FixedSizeListType(new Field("item", FloatType.Default, nullable: false), f.Dim),
        FieldType.Float16Vector or FieldType.BFloat16Vector or FieldType.Int8Vector or FieldType.BinaryVector =>
            new FixedSizeBinaryType(f.Type.VectorBytes(f.Dim)),
        FieldType.Array => new ListType(new Field("item", ScalarArrowType(f.ElementType), nullable: true)),
        _ => ScalarArrowType(f.Type),
    };

    private static Field ToArrow(SegmentField f)
    {
        var meta = new Dictionary<string, string> { [TypeKey] = f.Type.ToString() };
        if (f.Dim != 0) meta[DimKey] = f.Dim.ToString(CultureInfo.InvariantCulture);
        if (f.ElementType != FieldType.None) meta[ElementKey] = f.ElementType.ToString();
        if (f.Type == FieldType.Json) meta["content-type"] = "application/json";
        return new Field(f.Name, ArrowType(f), f.Nullable, meta);
    }

    /// <summary>Reads a schema back from a segment file's Arrow schema; refuses files it does not understand.</summary>
    internal static SegmentSchema FromArrow(Schema schema, string path)
    {
        if (schema.Metadata is null || !schema.Metadata.TryGetValue(VersionKey, out var v))
            throw new InvalidDataException($"segment file {path}: not a Quiver segment (no {VersionKey} in the schema metadata)");
        if (v != FormatVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"segment file {path}: segment format {v} is not understood (this build reads {FormatVersion})");
        string pk = schema.Metadata[PrimaryKeyKey];
        var fields = new List<SegmentField>();
        foreach (var f in schema.FieldsList)
        {
            if (f.Name == TimestampField) continue;
            if (f.Metadata is null || !f.Metadata.TryGetValue(TypeKey, out var t) || !Enum.TryParse<FieldType>(t, out var type))
                throw new InvalidDataException($"segment file {path}: field '{f.Name}' has no readable {TypeKey}");
            int dim = f.Metadata.TryGetValue(DimKey, out var d) ? int.Parse(d, CultureInfo.InvariantCulture) : 0;
            var element = f.Metadata.TryGetValue(ElementKey, out var e) ? Enum.Parse<FieldType>(e) : FieldType.None;
            fields.Add(new SegmentField(f.Name, type, dim, element, f.IsNullable, f.Name == pk));
        }
        return new SegmentSchema(fields);
    }
}
