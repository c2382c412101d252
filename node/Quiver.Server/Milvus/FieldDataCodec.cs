using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Milvus.Proto.Schema;
using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Storage.Segments;
using QCollectionSchema = Quiver.Node.Schema.CollectionSchema;
using QFieldSchema = Quiver.Node.Schema.FieldSchema;

namespace Quiver.Server.Milvus;

/// <summary>
/// Milvus column data (<c>schema.FieldData</c>) ⇄ the engine's arrays: insert columns in, query and search
/// result columns out.
/// </summary>
public static class FieldDataCodec
{
    /// <summary>Columns of an Insert/Upsert request → <see cref="InsertData"/>, checked against the schema and the row count.</summary>
    public static InsertData ToInsertData(QCollectionSchema schema, IReadOnlyList<FieldData> columns, uint numRows)
    {
        if (columns.Count == 0) throw QuiverException.Invalid("the request carries no field data");
        int n = checked((int)numRows);
        if (n == 0)
        {
            // Some clients leave num_rows out: take it from the first column.
            var first = columns[0];
            var f0 = first.IsDynamic ? null : schema.Field(first.FieldName);
            n = f0 is null ? first.Scalars?.JsonData?.Data.Count ?? 0 : RowCount(f0, first);
        }
        var data = new InsertData(n);
        foreach (var column in columns)
        {
            if (column.IsDynamic || column.FieldName == QCollectionSchema.DynamicFieldName)
            {
                if (!schema.EnableDynamicField)
                    throw QuiverException.Invalid($"collection '{schema.Name}' has no dynamic field, but the request carries {QCollectionSchema.DynamicFieldName}");
                var json = Json(column, n, QCollectionSchema.DynamicFieldName);
                data.Dynamic(json);
                continue;
            }
            var f = schema.Field(column.FieldName)
                ?? throw new QuiverException(ErrorCode.FieldNotFound, $"field '{column.FieldName}' is not in collection '{schema.Name}'");
            if (column.Type != DataType.None && (int)column.Type != (int)f.DataType)
                throw QuiverException.Invalid($"field '{f.Name}' is {f.DataType} but the request sends {column.Type}");
            bool[]? valid = column.ValidData.Count > 0 ? [.. column.ValidData] : null;
            if (valid is not null && valid.Length != n)
                throw QuiverException.Invalid($"field '{f.Name}': valid_data has {valid.Length} entries for {n} rows");
            var values = Values(f, column, n, valid);
            data.Column(f.Name, values, valid);
        }
        return data;
    }

    private static int RowCount(QFieldSchema f, FieldData c) => f.DataType switch
    {
        FieldType.FloatVector => f.Dim == 0 ? 0 : (c.Vectors?.FloatVector?.Data.Count ?? 0) / f.Dim,
        _ when f.IsVector => f.DataType.VectorBytes(f.Dim) == 0 ? 0 : PackedBytes(f, c).Length / f.DataType.VectorBytes(f.Dim),
        _ => Decode(f, c.Scalars ?? new ScalarField()).Length,
    };

    private static Array Values(QFieldSchema f, FieldData c, int n, bool[]? valid)
    {
        if (f.IsVector)
        {
            if (c.Vectors is null) throw QuiverException.Invalid($"field '{f.Name}' is a vector field but the request sends no vectors");
            if (c.Vectors.Dim != 0 && c.Vectors.Dim != f.Dim)
                throw QuiverException.Invalid($"field '{f.Name}': the request says dim {c.Vectors.Dim}, the schema says {f.Dim}");
            if (f.DataType == FieldType.FloatVector)
            {
                if (c.Vectors.DataCase != VectorField.DataOneofCase.FloatVector)
                    throw QuiverException.Invalid($"field '{f.Name}' is FloatVector but the request sends {c.Vectors.DataCase}");
                var floats = c.Vectors.FloatVector.Data;
                if (floats.Count != (long)n * f.Dim)
                    throw QuiverException.Invalid($"field '{f.Name}': {floats.Count} floats for {n} rows of dim {f.Dim} (expected {(long)n * f.Dim}); check the vectors' dimension");
                var flat = new float[floats.Count];
                floats.CopyTo(flat, 0);
                return flat;
            }
            var bytes = PackedBytes(f, c);
            long expected = (long)n * f.DataType.VectorBytes(f.Dim);
            if (bytes.Length != expected)
                throw QuiverException.Invalid($"field '{f.Name}': {bytes.Length} bytes for {n} rows of {f.DataType} dim {f.Dim} (expected {expected}); check the vectors' dimension");
            return bytes.ToByteArray();
        }
        if (c.Scalars is null) throw QuiverException.Invalid($"field '{f.Name}' is a scalar field but the request sends no scalars");
        Array values = f.DataType == FieldType.Json ? Json(c, -1, f.Name) : Decode(f, c.Scalars);
        if (values.Length == n) return values;
        // Clients may send only the values of the valid rows of a nullable column: spread them out.
        if (valid is not null && values.Length == valid.Count(v => v))
        {
            var spread = Array.CreateInstance(values.GetType().GetElementType()!, n);
            for (int i = 0, j = 0; i < n; i++)
                if (valid[i]) spread.SetValue(values.GetValue(j++), i);
            return spread;
        }
        throw QuiverException.Invalid($"field '{f.Name}' has {values.Length} values for {n} rows");
    }

    private static ByteString PackedBytes(QFieldSchema f, FieldData c) => f.DataType switch
    {
        FieldType.BinaryVector when c.Vectors.DataCase == VectorField.DataOneofCase.BinaryVector => c.Vectors.BinaryVector,
        FieldType.Float16Vector when c.Vectors.DataCase == VectorField.DataOneofCase.Float16Vector => c.Vectors.Float16Vector,
        FieldType.BFloat16Vector when c.Vectors.DataCase == VectorField.DataOneofCase.Bfloat16Vector => c.Vectors.Bfloat16Vector,
        FieldType.Int8Vector when c.Vectors.DataCase == VectorField.DataOneofCase.Int8Vector => c.Vectors.Int8Vector,
        _ => throw QuiverException.Invalid($"field '{f.Name}' is {f.DataType} but the request sends {c.Vectors?.DataCase}"),
    };

    private static string?[] Json(FieldData c, int n, string name)
    {
        var raw = c.Scalars?.JsonData?.Data ?? throw QuiverException.Invalid($"field '{name}' is JSON but the request sends no json_data");
        if (n >= 0 && raw.Count != n) throw QuiverException.Invalid($"field '{name}' has {raw.Count} values for {n} rows");
        var json = new string?[raw.Count];
        for (int i = 0; i < json.Length; i++) json[i] = raw[i].ToStringUtf8();
        return json;
    }

    /// <summary>The values of a scalar column as the engine's typed array.</summary>
    private static Array Decode(QFieldSchema f, ScalarField s) => (f.DataType, s.DataCase) switch
    {
        (FieldType.Bool, ScalarField.DataOneofCase.BoolData) => s.BoolData.Data.ToArray(),
        (FieldType.Int8, ScalarField.DataOneofCase.IntData) => Narrow(f, s.IntData.Data, v => checked((sbyte)v)),
        (FieldType.Int16, ScalarField.DataOneofCase.IntData) => Narrow(f, s.IntData.Data, v => checked((short)v)),
        (FieldType.Int32, ScalarField.DataOneofCase.IntData) => s.IntData.Data.ToArray(),
        (FieldType.Int64, ScalarField.DataOneofCase.LongData) => s.LongData.Data.ToArray(),
        (FieldType.Float, ScalarField.DataOneofCase.FloatData) => s.FloatData.Data.ToArray(),
        (FieldType.Double, ScalarField.DataOneofCase.DoubleData) => s.DoubleData.Data.ToArray(),
        (FieldType.VarChar, ScalarField.DataOneofCase.StringData) => s.StringData.Data.Select(v => (string?)v).ToArray(),
        (FieldType.Json, ScalarField.DataOneofCase.JsonData) => s.JsonData.Data.Select(v => (string?)v.ToStringUtf8()).ToArray(),
        (FieldType.Array, ScalarField.DataOneofCase.ArrayData) => Arrays(f, s.ArrayData),
        (_, ScalarField.DataOneofCase.None) => Array.CreateInstance(ClrType(f), 0),
        _ => throw QuiverException.Invalid($"field '{f.Name}' is {f.DataType} but the request sends {s.DataCase}"),
    };

    private static T[] Narrow<T>(QFieldSchema f, IList<int> values, Func<int, T> convert)
    {
        try
        {
            return values.Select(convert).ToArray();
        }
        catch (OverflowException)
        {
            throw QuiverException.Invalid($"field '{f.Name}': a value is out of range for {f.DataType}");
        }
    }

    private static Array Arrays(QFieldSchema f, ArrayArray a)
    {
        var elementField = new QFieldSchema(f.Name, f.ElementType);
        var result = Array.CreateInstance(SegmentBatchBuilder.ElementClrType(f.ElementType).MakeArrayType(), a.Data.Count);
        for (int i = 0; i < a.Data.Count; i++) result.SetValue(Decode(elementField, a.Data[i]), i);
        return result;
    }

    private static Type ClrType(QFieldSchema f) => f.DataType switch
    {
        FieldType.Array => SegmentBatchBuilder.ElementClrType(f.ElementType).MakeArrayType(),
        FieldType.Json => typeof(string),
        _ => SegmentBatchBuilder.ElementClrType(f.DataType),
    };

    // ---------------------------------------------------------------- out

    /// <summary>One result column for schema field <paramref name="f"/> from the values of each row (null = no value).</summary>
    public static FieldData Column(QFieldSchema f, IReadOnlyList<object?> values)
    {
        var data = new FieldData { Type = (DataType)(int)f.DataType, FieldName = f.Name, FieldId = f.FieldId };
        bool anyNull = false;
        foreach (var v in values) anyNull |= v is null;
        if (f.Nullable || anyNull) foreach (var v in values) data.ValidData.Add(v is not null);
        if (f.IsVector)
        {
            var vf = new VectorField { Dim = f.Dim };
            if (f.DataType == FieldType.FloatVector)
            {
                var fa = new FloatArray();
                foreach (var v in values) fa.Data.Add(v as float[] ?? new float[f.Dim]);
                vf.FloatVector = fa;
            }
            else
            {
                int width = f.DataType.VectorBytes(f.Dim);
                var buffer = new byte[values.Count * width];
                for (int i = 0; i < values.Count; i++) (values[i] as byte[])?.CopyTo(buffer, i * width);
                var bytes = ByteString.CopyFrom(buffer);
                switch (f.DataType)
                {
                    case FieldType.BinaryVector: vf.BinaryVector = bytes; break;
                    case FieldType.Float16Vector: vf.Float16Vector = bytes; break;
                    case FieldType.BFloat16Vector: vf.Bfloat16Vector = bytes; break;
                    default: vf.Int8Vector = bytes; break;
                }
            }
            data.Vectors = vf;
            return data;
        }
        data.Scalars = Scalars(f.DataType, f.ElementType, values);
        return data;
    }

    private static ScalarField Scalars(FieldType type, FieldType elementType, IReadOnlyList<object?> values)
    {
        var s = new ScalarField();
        switch (type)
        {
            case FieldType.Bool:
                s.BoolData = new BoolArray(); foreach (var v in values) s.BoolData.Data.Add(v is bool b && b); break;
            case FieldType.Int8 or FieldType.Int16 or FieldType.Int32:
                s.IntData = new IntArray(); foreach (var v in values) s.IntData.Data.Add(v is null ? 0 : Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)); break;
            case FieldType.Int64:
                s.LongData = new LongArray(); foreach (var v in values) s.LongData.Data.Add(v is null ? 0 : Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)); break;
            case FieldType.Float:
                s.FloatData = new FloatArray(); foreach (var v in values) s.FloatData.Data.Add(v is null ? 0 : Convert.ToSingle(v, System.Globalization.CultureInfo.InvariantCulture)); break;
            case FieldType.Double:
                s.DoubleData = new DoubleArray(); foreach (var v in values) s.DoubleData.Data.Add(v is null ? 0 : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)); break;
            case FieldType.VarChar:
                s.StringData = new StringArray(); foreach (var v in values) s.StringData.Data.Add(v as string ?? ""); break;
            case FieldType.Json:
                s.JsonData = new JSONArray(); foreach (var v in values) s.JsonData.Data.Add(ByteString.CopyFromUtf8(v as string ?? "{}")); break;
            case FieldType.Array:
                s.ArrayData = new ArrayArray { ElementType = (DataType)(int)elementType };
                foreach (var v in values)
                {
                    var items = new List<object?>();
                    if (v is Array a) foreach (var item in a) items.Add(item);
                    s.ArrayData.Data.Add(Scalars(elementType, FieldType.None, items));
                }
                break;
            default:
                throw new QuiverException(ErrorCode.Unexpected, $"cannot return values of type {type}");
        }
        return s;
    }

    /// <summary>
    /// The <c>$meta</c> column of a result: each row's dynamic JSON object, cut down to <paramref name="keys"/>
    /// unless <paramref name="keys"/> is null (whole object).
    /// </summary>
    public static FieldData DynamicColumn(IReadOnlyList<object?> jsonPerRow, IReadOnlyCollection<string>? keys)
    {
        var data = new FieldData { Type = DataType.Json, FieldName = QCollectionSchema.DynamicFieldName, IsDynamic = true, Scalars = new ScalarField { JsonData = new JSONArray() } };
        foreach (var v in jsonPerRow)
        {
            string json = v as string ?? "{}";
            if (keys is not null)
            {
                var source = JsonNode.Parse(json) as JsonObject;
                var cut = new JsonObject();
                if (source is not null)
                    foreach (var key in keys)
                        if (source.TryGetPropertyValue(key, out var node)) cut[key] = node?.DeepClone();
                json = cut.ToJsonString();
            }
            data.Scalars.JsonData.Data.Add(ByteString.CopyFromUtf8(json));
        }
        return data;
    }

    /// <summary>The query vectors of a placeholder group: a flat float array or the packed bytes of every query.</summary>
    public static (float[]? Floats, byte[]? Packed, int Count) Vectors(ByteString placeholderGroup, QFieldSchema field)
    {
        global::Milvus.Proto.Common.PlaceholderGroup group;
        try
        {
            group = global::Milvus.Proto.Common.PlaceholderGroup.Parser.ParseFrom(placeholderGroup);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw QuiverException.Invalid($"placeholder_group is not a valid serialized PlaceholderGroup: {e.Message}");
        }
        if (group.Placeholders.Count != 1)
            throw QuiverException.Invalid($"placeholder_group must hold exactly one placeholder, it holds {group.Placeholders.Count}");
        var p = group.Placeholders[0];
        if ((int)p.Type != (int)field.DataType)
            throw QuiverException.Invalid($"the query vectors are {p.Type} but field '{field.Name}' is {field.DataType}");
        int width = field.DataType.VectorBytes(field.Dim);
        if (p.Values.Count == 0) throw QuiverException.Invalid("the request carries no query vectors");
        var packed = new byte[p.Values.Count * width];
        for (int i = 0; i < p.Values.Count; i++)
        {
            var v = p.Values[i];
            if (v.Length != width)
                throw QuiverException.Invalid($"query vector {i} has {v.Length} bytes; field '{field.Name}' ({field.DataType}, dim {field.Dim}) needs {width}: check the vector dimension");
            v.Span.CopyTo(packed.AsSpan(i * width));
        }
        if (field.DataType == FieldType.FloatVector) return (MemoryMarshal.Cast<byte, float>(packed).ToArray(), null, p.Values.Count);
        return (null, packed, p.Values.Count);
    }

    /// <summary>Template values of a filter (<c>expr_template_values</c>) as the engine takes them.</summary>
    public static IReadOnlyDictionary<string, object?>? TemplateValues(IDictionary<string, TemplateValue> values)
    {
        if (values.Count == 0) return null;
        var result = new Dictionary<string, object?>(values.Count, StringComparer.Ordinal);
        foreach (var (key, v) in values) result[key] = Template(v);
        return result;
    }

    private static object? Template(TemplateValue v) => v.ValCase switch
    {
        TemplateValue.ValOneofCase.BoolVal => v.BoolVal,
        TemplateValue.ValOneofCase.Int64Val => v.Int64Val,
        TemplateValue.ValOneofCase.FloatVal => v.FloatVal,
        TemplateValue.ValOneofCase.StringVal => v.StringVal,
        TemplateValue.ValOneofCase.ArrayVal => TemplateArray(v.ArrayVal),
        _ => null,
    };

    private static object?[] TemplateArray(TemplateArrayValue a) => a.DataCase switch
    {
        TemplateArrayValue.DataOneofCase.BoolData => a.BoolData.Data.Select(x => (object?)x).ToArray(),
        TemplateArrayValue.DataOneofCase.LongData => a.LongData.Data.Select(x => (object?)x).ToArray(),
        TemplateArrayValue.DataOneofCase.DoubleData => a.DoubleData.Data.Select(x => (object?)x).ToArray(),
        TemplateArrayValue.DataOneofCase.StringData => a.StringData.Data.Select(x => (object?)x).ToArray(),
        TemplateArrayValue.DataOneofCase.ArrayData => a.ArrayData.Data.Select(x => (object?)TemplateArray(x)).ToArray(),
        TemplateArrayValue.DataOneofCase.JsonData => a.JsonData.Data.Select(x => (object?)JsonSerializer.Deserialize<JsonElement>(x.Span).ToString()).ToArray(),
        _ => [],
    };

    internal static string Utf8(ByteString b) => Encoding.UTF8.GetString(b.Span);
}
