using System.Globalization;
using Google.Protobuf;
using Milvus.Proto.Common;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;
using ErrorCode = Quiver.Node.Errors.ErrorCode;
using Milvus.Proto.Schema;
using Quiver.Node.Errors;
using Quiver.Storage.Segments;
using QCollectionSchema = Quiver.Node.Schema.CollectionSchema;
using QFieldSchema = Quiver.Node.Schema.FieldSchema;

namespace Quiver.Server.Milvus;

/// <summary>Milvus <c>schema.CollectionSchema</c> ⇄ the engine's schema.</summary>
public static class SchemaCodec
{
    /// <summary>Reads the serialized schema of a CreateCollection request; malformed bytes fail with ParameterInvalid.</summary>
    public static QCollectionSchema Decode(ByteString bytes, string collectionName)
    {
        CollectionSchema proto;
        try
        {
            proto = CollectionSchema.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw QuiverException.Invalid($"the collection schema is not a valid serialized milvus.proto.schema.CollectionSchema: {e.Message}");
        }
        if (proto.Fields.Count == 0) throw new QuiverException(ErrorCode.IllegalSchema, "the collection schema has no fields");
        if (proto.Functions.Count > 0) throw new QuiverException(ErrorCode.OperationNotSupported, "schema functions (BM25, embeddings) are not supported by Quiver");
        if (proto.StructArrayFields.Count > 0) throw new QuiverException(ErrorCode.OperationNotSupported, "struct array fields are not supported by Quiver");
        if (!string.IsNullOrEmpty(proto.Name) && proto.Name != collectionName)
            throw QuiverException.Invalid($"the schema names collection '{proto.Name}' but the request names '{collectionName}'");
        var fields = new List<QFieldSchema>(proto.Fields.Count);
        foreach (var f in proto.Fields)
        {
            if (f.IsDynamic) continue; // the $meta field some clients list; enable_dynamic_field decides
            fields.Add(DecodeField(f, proto.AutoID));
        }
        return new QCollectionSchema(collectionName, fields) { Description = proto.Description, EnableDynamicField = proto.EnableDynamicField };
    }

    private static QFieldSchema DecodeField(FieldSchema f, bool collectionAutoId)
    {
        var type = (FieldType)(int)f.DataType;
        if (!Enum.IsDefined(type) || type == FieldType.None)
            throw new QuiverException(ErrorCode.OperationNotSupported, $"field '{f.Name}': data type {f.DataType} is not supported by Quiver");
        if (f.IsClusteringKey) throw new QuiverException(ErrorCode.OperationNotSupported, $"field '{f.Name}': clustering keys are not supported by Quiver");
        var element = (FieldType)(int)f.ElementType;
        return new QFieldSchema(f.Name, type)
        {
            Description = f.Description,
            IsPrimaryKey = f.IsPrimaryKey,
            AutoId = f.AutoID || (f.IsPrimaryKey && collectionAutoId),
            Dim = IntParam(f, "dim"),
            MaxLength = IntParam(f, "max_length"),
            MaxCapacity = IntParam(f, "max_capacity"),
            ElementType = type == FieldType.Array ? element : FieldType.None,
            Nullable = f.Nullable,
            IsPartitionKey = f.IsPartitionKey,
            DefaultValue = f.DefaultValue is null ? null : DefaultValue(f.Name, type, f.DefaultValue),
        };
    }

    private static int IntParam(FieldSchema f, string key)
    {
        foreach (var kv in f.TypeParams)
        {
            if (kv.Key != key) continue;
            if (!int.TryParse(kv.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0)
                throw QuiverException.Invalid($"field '{f.Name}': type param {key}='{kv.Value}' is not a non-negative integer");
            return v;
        }
        return 0;
    }

    private static object? DefaultValue(string field, FieldType type, ValueField v)
    {
        object? raw = v.DataCase switch
        {
            ValueField.DataOneofCase.BoolData => v.BoolData,
            ValueField.DataOneofCase.IntData => v.IntData,
            ValueField.DataOneofCase.LongData => v.LongData,
            ValueField.DataOneofCase.FloatData => v.FloatData,
            ValueField.DataOneofCase.DoubleData => v.DoubleData,
            ValueField.DataOneofCase.StringData => v.StringData,
            ValueField.DataOneofCase.None => null,
            _ => throw QuiverException.Invalid($"field '{field}': unsupported kind of default value {v.DataCase}"),
        };
        if (raw is null) return null;
        try
        {
            return type switch
            {
                FieldType.Bool => (bool)raw,
                FieldType.Int8 => Convert.ToSByte(raw, CultureInfo.InvariantCulture),
                FieldType.Int16 => Convert.ToInt16(raw, CultureInfo.InvariantCulture),
                FieldType.Int32 => Convert.ToInt32(raw, CultureInfo.InvariantCulture),
                FieldType.Int64 => Convert.ToInt64(raw, CultureInfo.InvariantCulture),
                FieldType.Float => Convert.ToSingle(raw, CultureInfo.InvariantCulture),
                FieldType.Double => Convert.ToDouble(raw, CultureInfo.InvariantCulture),
                FieldType.VarChar or FieldType.Json => (string)raw,
                _ => throw QuiverException.Invalid($"field '{field}': a {type} field cannot have a default value"),
            };
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or FormatException)
        {
            throw QuiverException.Invalid($"field '{field}': default value {raw} does not fit type {type}");
        }
    }

    /// <summary>The schema as DescribeCollection answers it, with the field ids the engine assigned.</summary>
    public static CollectionSchema Encode(QCollectionSchema schema, string dbName)
    {
        var proto = new CollectionSchema
        {
            Name = schema.Name,
            Description = schema.Description,
            EnableDynamicField = schema.EnableDynamicField,
            DbName = dbName,
        };
        foreach (var f in schema.Fields) proto.Fields.Add(EncodeField(f));
        return proto;
    }

    private static FieldSchema EncodeField(QFieldSchema f)
    {
        var proto = new FieldSchema
        {
            FieldID = f.FieldId,
            Name = f.Name,
            IsPrimaryKey = f.IsPrimaryKey,
            Description = f.Description,
            DataType = (DataType)(int)f.DataType,
            AutoID = f.AutoId,
            ElementType = (DataType)(int)f.ElementType,
            IsPartitionKey = f.IsPartitionKey,
            Nullable = f.Nullable,
        };
        if (f.IsVector) proto.TypeParams.Add(Pair("dim", f.Dim));
        if (f.DataType == FieldType.VarChar || (f.DataType == FieldType.Array && f.ElementType == FieldType.VarChar))
            proto.TypeParams.Add(Pair("max_length", f.MaxLength));
        if (f.DataType == FieldType.Array) proto.TypeParams.Add(Pair("max_capacity", f.MaxCapacity));
        if (f.DefaultValue is { } d)
        {
            proto.DefaultValue = d switch
            {
                bool b => new ValueField { BoolData = b },
                sbyte or short or int => new ValueField { IntData = Convert.ToInt32(d, CultureInfo.InvariantCulture) },
                long l => new ValueField { LongData = l },
                float x => new ValueField { FloatData = x },
                double x => new ValueField { DoubleData = x },
                string s => new ValueField { StringData = s },
                _ => null,
            };
        }
        return proto;
    }

    private static KeyValuePair Pair(string key, int value) => new() { Key = key, Value = value.ToString(CultureInfo.InvariantCulture) };
}
