using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;
using Array = System.Array;

namespace Quiver.Node.Proxy;

/// <summary>
/// The proxy's insert step: checks <see cref="InsertData"/> against the collection schema (every field there,
/// types, row counts, max_length, max_capacity, dims, finite floats), fills nulls and default values, assigns
/// auto ids, and splits the rows by shard into Arrow record batches stamped with the write's timestamp.
/// Nothing is written when anything is wrong.
/// </summary>
public static class InsertPreparer
{
    /// <summary>One shard's part of the write (and, for partition-key collections, one partition's: <see cref="Partition"/> is its index).</summary>
    public sealed record ShardRows(int Shard, int Partition, RecordBatch Batch, Array PrimaryKeys);

    /// <summary>The checked write: every row's primary key (in input order) and the batches per shard.</summary>
    public sealed record Prepared(Array PrimaryKeys, IReadOnlyList<ShardRows> Shards);

    /// <param name="autoIds">Called once with the row count when the schema has an auto-id key (inserts only); returns the first id of a consecutive block.</param>
    /// <param name="partitionKeyPartitions">For partition-key collections: how many partitions the key hashes over (rows are split by
    /// shard and partition); 0 otherwise.</param>
    public static Prepared Prepare(CollectionSchema schema, SegmentSchema storage, int shards, InsertData data, ulong timestamp, bool upsert, Func<int, long> autoIds,
        int partitionKeyPartitions = 0)
    {
        int n = data.RowCount;
        if (n == 0) throw QuiverException.Invalid("the insert has no rows");
        foreach (var name in data.Columns.Keys)
        {
            if (schema.Field(name) is null)
            {
                throw new QuiverException(ErrorCode.FieldNotFound, schema.EnableDynamicField
                    ? $"field '{name}' is not in the schema of collection '{schema.Name}'; give dynamic fields as JSON objects (InsertData.Dynamic)"
                    : $"field '{name}' is not in the schema of collection '{schema.Name}'");
            }
        }
        var columns = new Dictionary<string, (Array Values, bool[]? Valid)>(StringComparer.Ordinal);
        foreach (var f in schema.Fields)
            columns[f.Name] = Column(schema, f, data, n, upsert, autoIds);
        if (data.DynamicFields != null)
        {
            if (!schema.EnableDynamicField)
                throw QuiverException.Invalid($"collection '{schema.Name}' does not have dynamic fields enabled, but the insert carries them");
            if (data.DynamicFields.Length != n)
                throw QuiverException.Invalid($"dynamic fields: {data.DynamicFields.Length} values for {n} rows");
            for (int i = 0; i < n; i++)
            {
                if (data.DynamicFields[i] is { } json && !IsJsonObject(json))
                    throw QuiverException.Invalid($"dynamic fields of row {i} must be a JSON object, got: {Shorten(json)}");
            }
            columns[CollectionSchema.DynamicFieldName] = (data.DynamicFields, null);
        }
        else if (schema.EnableDynamicField)
        {
            columns[CollectionSchema.DynamicFieldName] = (new string?[n], null);
        }

        var pk = schema.PrimaryField;
        var keys = columns[pk.Name].Values;
        // Rows go to a group per shard, and per partition when the partition key chooses it.
        int partitions = Math.Max(1, partitionKeyPartitions);
        Array? partitionKeys = partitionKeyPartitions > 0 ? columns[schema.PartitionKeyField!.Name].Values : null;
        var groupOf = new int[n];
        var counts = new int[shards * partitions];
        for (int i = 0; i < n; i++)
        {
            int shard = keys is long[] ints ? ShardRouter.Shard(ints[i], shards) : ShardRouter.Shard(((string?[])keys)[i]!, shards);
            int partition = partitionKeys switch
            {
                null => 0,
                long[] pks => ShardRouter.Shard(pks[i], partitions),
                _ => ShardRouter.Shard(((string?[])partitionKeys)[i] ?? "", partitions),
            };
            groupOf[i] = shard * partitions + partition;
            counts[groupOf[i]]++;
        }
        var result = new List<ShardRows>(counts.Count(c => c > 0));
        for (int s = 0; s < counts.Length; s++)
        {
            if (counts[s] == 0) continue;
            int[]? rows = counts[s] == n ? null : Enumerable.Range(0, n).Where(i => groupOf[i] == s).ToArray();
            var builder = new SegmentBatchBuilder(storage, counts[s]);
            try
            {
                foreach (var f in storage.Fields)
                {
                    var (values, valid) = columns[f.Name];
                    int width = f.Type.IsVector() ? (f.Type == FieldType.FloatVector ? f.Dim : f.Type.VectorBytes(f.Dim)) : 1;
                    builder.Column(f.Name, rows is null ? values : Select(values, rows, width), valid is null ? null : rows is null ? valid : (bool[])Select(valid, rows, 1));
                }
                var stamps = new ulong[counts[s]];
                Array.Fill(stamps, timestamp);
                builder.Timestamps(stamps);
                result.Add(new ShardRows(s / partitions, s % partitions, builder.Build(), rows is null ? keys : Select(keys, rows, 1)));
            }
            catch (ArgumentException e)
            {
                throw QuiverException.Invalid(e.Message);
            }
        }
        return new Prepared(keys, result);
    }

    private static (Array Values, bool[]? Valid) Column(CollectionSchema schema, FieldSchema f, InsertData data, int n, bool upsert, Func<int, long> autoIds)
    {
        bool given = data.Columns.TryGetValue(f.Name, out var column);
        if (f.IsPrimaryKey && f.AutoId)
        {
            if (!upsert)
            {
                if (given) throw QuiverException.Invalid($"primary key '{f.Name}' is auto id: leave it out of the insert");
                long first = autoIds(n);
                var ids = new long[n];
                for (int i = 0; i < n; i++) ids[i] = first + i;
                return (ids, null);
            }
            if (!given) throw new QuiverException(ErrorCode.ParameterMissing, $"an upsert must give the primary key '{f.Name}'");
        }
        if (!given)
        {
            if (f.DefaultValue is not null) return (Filled(f, n, f.DefaultValue), null);
            if (f.Nullable) return (Filled(f, n, null), new bool[n]);
            throw new QuiverException(ErrorCode.ParameterMissing, $"field '{f.Name}' is missing from the insert");
        }
        var (values, valid) = column;
        if (f.IsVector)
        {
            long expected = f.DataType == FieldType.FloatVector ? (long)n * f.Dim : (long)n * f.DataType.VectorBytes(f.Dim);
            if (values.Length != expected)
            {
                int per = f.DataType == FieldType.FloatVector ? f.Dim : f.DataType.VectorBytes(f.Dim);
                throw QuiverException.Invalid($"field '{f.Name}' ({f.DataType}, dim {f.Dim}) got {values.Length} values for {n} rows; expected {expected} ({per} per row)");
            }
            if (values is float[] floats)
            {
                for (int i = 0; i < floats.Length; i++)
                    if (!float.IsFinite(floats[i])) throw QuiverException.Invalid($"field '{f.Name}' row {i / f.Dim}: vector value {floats[i]} is not a finite number");
            }
            return (values, null);
        }
        if (values.Length != n) throw QuiverException.Invalid($"field '{f.Name}' has {values.Length} values, the insert has {n} rows");
        if (valid != null && valid.Length != n) throw QuiverException.Invalid($"field '{f.Name}' has {valid.Length} validity flags for {n} rows");
        if (valid != null && !f.Nullable && f.DefaultValue is null && valid.Contains(false))
            throw QuiverException.Invalid($"field '{f.Name}' is not nullable but row {Array.IndexOf(valid, false)} has no value");
        // Nulls in a field with a default value take the default (Milvus's rule).
        if (f.DefaultValue is not null && (valid != null || values is string?[]))
        {
            values = (Array)values.Clone();
            for (int i = 0; i < n; i++)
            {
                if ((valid != null && !valid[i]) || values.GetValue(i) is null) values.SetValue(Convert(f, f.DefaultValue), i);
            }
            valid = null;
        }
        else if (!f.Nullable && values is string?[] texts && Array.IndexOf(texts, null) is int missing and >= 0)
        {
            throw QuiverException.Invalid($"field '{f.Name}' is not nullable but row {missing} has no value");
        }
        if (f.DataType == FieldType.VarChar && values is string?[] strings)
        {
            for (int i = 0; i < n; i++)
            {
                if (strings[i] is { } s && Encoding.UTF8.GetByteCount(s) > f.MaxLength)
                    throw QuiverException.Invalid($"field '{f.Name}' row {i}: {Encoding.UTF8.GetByteCount(s)} bytes exceed max_length {f.MaxLength}");
            }
        }
        if (f.DataType == FieldType.Array)
        {
            for (int i = 0; i < n; i++)
            {
                if (values.GetValue(i) is not Array a) continue;
                if (a.Length > f.MaxCapacity) throw QuiverException.Invalid($"field '{f.Name}' row {i}: {a.Length} elements exceed max_capacity {f.MaxCapacity}");
                if (a is string[] elements)
                {
                    foreach (var e in elements)
                    {
                        if (e is null || Encoding.UTF8.GetByteCount(e) > f.MaxLength)
                            throw QuiverException.Invalid($"field '{f.Name}' row {i}: an element is null or longer than max_length {f.MaxLength}");
                    }
                }
            }
        }
        return (values, valid);
    }

    private static Array Filled(FieldSchema f, int n, object? value)
    {
        var type = f.DataType switch
        {
            FieldType.VarChar or FieldType.Json => typeof(string),
            FieldType.Array => SegmentBatchBuilder.ElementClrType(f.ElementType).MakeArrayType(),
            _ => SegmentBatchBuilder.ElementClrType(f.DataType),
        };
        var array = Array.CreateInstance(type, n);
        if (value is not null)
        {
            object v = Convert(f, value);
            for (int i = 0; i < n; i++) array.SetValue(v, i);
        }
        return array;
    }

    private static object Convert(FieldSchema f, object value) => f.DataType switch
    {
        FieldType.Bool => (bool)value,
        FieldType.Int8 => (sbyte)(long)value,
        FieldType.Int16 => (short)(long)value,
        FieldType.Int32 => (int)(long)value,
        FieldType.Int64 => (long)value,
        FieldType.Float => (float)(double)value,
        FieldType.Double => (double)value,
        _ => (string)value,
    };

    private static Array Select(Array source, int[] rows, int width)
    {
        var type = source.GetType().GetElementType()!;
        var result = Array.CreateInstance(type, (long)rows.Length * width);
        if (type.IsPrimitive)
        {
            int size = source.Length == 0 ? 1 : Buffer.ByteLength(source) / source.Length;
            for (int i = 0; i < rows.Length; i++) Buffer.BlockCopy(source, rows[i] * width * size, result, i * width * size, width * size);
        }
        else
        {
            for (int i = 0; i < rows.Length; i++) result.SetValue(source.GetValue(rows[i]), i);
        }
        return result;
    }

    private static bool IsJsonObject(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
