using System.Runtime.InteropServices;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;
using Array = System.Array;

namespace Quiver.Storage.Segments;

/// <summary>
/// Builds one Arrow record batch of a segment from plain column arrays, checking each against the schema.
/// Column inputs per type: Bool <c>bool[]</c>, Int8 <c>sbyte[]</c>, Int16 <c>short[]</c>, Int32 <c>int[]</c>,
/// Int64 <c>long[]</c>, Float <c>float[]</c>, Double <c>double[]</c>, VarChar/JSON <c>string?[]</c>,
/// Array an array of element arrays (<c>long[]?[]</c>, <c>string[]?[]</c>, …), FloatVector a flat <c>float[]</c>
/// of rows × dim, the packed vectors a flat <c>byte[]</c> (or <c>Half[]</c> / <c>sbyte[]</c>) of rows × bytes per vector.
/// Nullable fields take a validity array (true = has a value) or nulls inside string/array inputs.
/// </summary>
public sealed class SegmentBatchBuilder
{
    private readonly SegmentSchema _schema;
    private readonly int _rows;
    private readonly IArrowArray?[] _columns;
    private IArrowArray? _timestamps;

    public SegmentBatchBuilder(SegmentSchema schema, int rows)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        _schema = schema;
        _rows = rows;
        _columns = new IArrowArray?[schema.Fields.Count];
    }

    /// <summary>The hybrid timestamp of each row.</summary>
    public SegmentBatchBuilder Timestamps(ReadOnlySpan<ulong> timestamps)
    {
        CheckLength(SegmentSchema.TimestampField, timestamps.Length);
        _timestamps = Primitive(UInt64Type.Default, MemoryMarshal.AsBytes(timestamps), null);
        return this;
    }

    /// <summary>Sets one field's column; see the class summary for the array type each field type takes.</summary>
    public SegmentBatchBuilder Column(string name, Array values, bool[]? valid = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        int index = IndexOf(name);
        var f = _schema.Fields[index];
        if (valid != null)
        {
            if (!f.Nullable) throw new ArgumentException($"field '{name}' is not nullable but a validity array was given");
            CheckLength(name, valid.Length);
        }
        _columns[index] = f.Type switch
        {
            FieldType.Bool => Bools(f, As<bool>(f, values), valid),
            FieldType.Int8 => Primitive(Int8Type.Default, Bytes<sbyte>(f, values), valid),
            FieldType.Int16 => Primitive(Int16Type.Default, Bytes<short>(f, values), valid),
            FieldType.Int32 => Primitive(Int32Type.Default, Bytes<int>(f, values), valid),
            FieldType.Int64 => Primitive(Int64Type.Default, Bytes<long>(f, values), valid),
            FieldType.Float => Primitive(FloatType.Default, Bytes<float>(f, values), valid),
            FieldType.Double => Primitive(DoubleType.Default, Bytes<double>(f, values), valid),
            FieldType.VarChar or FieldType.Json => Strings(f, As<string?>(f, values), valid),
            FieldType.Array => List(f, values, valid),
            FieldType.FloatVector => FloatVectors(f, values),
            _ => PackedVectors(f, values),
        };
        return this;
    }

    /// <summary>A batch of no rows (an empty segment is written as one, so its file still holds a whole IPC stream).</summary>
    public static RecordBatch Empty(SegmentSchema schema)
    {
        var b = new SegmentBatchBuilder(schema, 0).Timestamps([]);
        foreach (var f in schema.Fields)
        {
            b.Column(f.Name, f.Type switch
            {
                FieldType.Array => Array.CreateInstance(ElementClrType(f.ElementType).MakeArrayType(), 0),
                FieldType.FloatVector => Array.Empty<float>(),
                FieldType.VarChar or FieldType.Json => Array.Empty<string>(),
                _ when f.Type.IsVector() => Array.Empty<byte>(),
                _ => Array.CreateInstance(ElementClrType(f.Type), 0),
            });
        }
        return b.Build();
    }

    /// <summary>The finished batch; every field and the timestamps must have been set.</summary>
    public RecordBatch Build()
    {
        if (_timestamps is null) throw new InvalidOperationException("the batch has no timestamps; call Timestamps first");
        for (int i = 0; i < _columns.Length; i++)
            if (_columns[i] is null) throw new InvalidOperationException($"field '{_schema.Fields[i].Name}' was not set");
        return new RecordBatch(_schema.Arrow, _columns.Append(_timestamps).Cast<IArrowArray>(), _rows);
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < _schema.Fields.Count; i++)
            if (_schema.Fields[i].Name == name) return i;
        throw new ArgumentException($"no field '{name}' in the schema");
    }

    private void CheckLength(string name, int length)
    {
        if (length != _rows) throw new ArgumentException($"field '{name}' has {length} values, the batch has {_rows} rows");
    }

    private T[] As<T>(SegmentField f, Array values)
    {
        if (values is not T[] typed)
            throw new ArgumentException($"field '{f.Name}' ({f.Type}) takes {typeof(T).Name}[], got {values.GetType().Name}");
        CheckLength(f.Name, typed.Length);
        return typed;
    }

    private ReadOnlySpan<byte> Bytes<T>(SegmentField f, Array values) where T : unmanaged => MemoryMarshal.AsBytes<T>(As<T>(f, values));

    private static (ArrowBuffer Bitmap, int Nulls) Validity(bool[]? valid, Func<int, bool>? isNull, int rows)
    {
        if (valid is null && isNull is null) return (ArrowBuffer.Empty, 0);
        var b = new ArrowBuffer.BitmapBuilder(rows);
        int nulls = 0;
        for (int i = 0; i < rows; i++)
        {
            bool ok = (valid is null || valid[i]) && (isNull is null || !isNull(i));
            b.Append(ok);
            if (!ok) nulls++;
        }
        return nulls == 0 ? (ArrowBuffer.Empty, 0) : (b.Build(), nulls);
    }

    private IArrowArray Primitive(IArrowType type, ReadOnlySpan<byte> values, bool[]? valid)
    {
        var (bitmap, nulls) = Validity(valid, null, _rows);
        var data = new ArrayData(type, _rows, nulls, 0, [bitmap, new ArrowBuffer(values.ToArray())]);
        return ArrowArrayFactory.BuildArray(data);
    }

    private IArrowArray Bools(SegmentField f, bool[] values, bool[]? valid)
    {
        var bits = new ArrowBuffer.BitmapBuilder(_rows);
        foreach (bool v in values) bits.Append(v);
        var (bitmap, nulls) = Validity(valid, null, _rows);
        return ArrowArrayFactory.BuildArray(new ArrayData(BooleanType.Default, _rows, nulls, 0, [bitmap, bits.Build()]));
    }

    private IArrowArray Strings(SegmentField f, string?[] values, bool[]? valid)
    {
        var b = new StringArray.Builder();
        for (int i = 0; i < values.Length; i++)
        {
            bool isNull = values[i] is null || (valid != null && !valid[i]);
            if (isNull)
            {
                if (!f.Nullable) throw new ArgumentException($"field '{f.Name}' is not nullable but row {i} has no value");
                b.AppendNull();
                continue;
            }
            if (f.Type == FieldType.Json) CheckJson(f, i, values[i]!);
            b.Append(values[i]);
        }
        return b.Build();
    }

    private static void CheckJson(SegmentField f, int row, string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"field '{f.Name}' row {row}: not valid JSON ({e.Message})");
        }
    }

    private IArrowArray List(SegmentField f, Array values, bool[]? valid)
    {
        if (values.Length != _rows) CheckLength(f.Name, values.Length);
        var offsets = new int[_rows + 1];
        var elements = new List<Array>(_rows);
        Type expected = ElementClrType(f.ElementType);
        for (int i = 0; i < _rows; i++)
        {
            var row = values.GetValue(i) as Array;
            if (row is null || (valid != null && !valid[i]))
            {
                if (!f.Nullable) throw new ArgumentException($"field '{f.Name}' is not nullable but row {i} has no value");
                offsets[i + 1] = offsets[i];
                continue;
            }
            if (row.GetType().GetElementType() != expected)
                throw new ArgumentException($"field '{f.Name}' holds {f.ElementType} elements ({expected.Name}[] per row), row {i} is {row.GetType().Name}");
            elements.Add(row);
            offsets[i + 1] = checked(offsets[i] + row.Length);
        }
        int total = offsets[_rows];
        IArrowArray child;
        if (f.ElementType == FieldType.VarChar)
        {
            var sb = new StringArray.Builder();
            foreach (var row in elements) foreach (string s in (string[])row) sb.Append(s);
            child = sb.Build();
        }
        else if (f.ElementType == FieldType.Bool)
        {
            var bits = new ArrowBuffer.BitmapBuilder(total);
            foreach (var row in elements) foreach (bool v in (bool[])row) bits.Append(v);
            child = ArrowArrayFactory.BuildArray(new ArrayData(BooleanType.Default, total, 0, 0, [ArrowBuffer.Empty, bits.Build()]));
        }
        else
        {
            int size = Marshal.SizeOf(expected);
            var bytes = new byte[total * size];
            int at = 0;
            foreach (var row in elements)
            {
                Buffer.BlockCopy(row, 0, bytes, at, row.Length * size);
                at += row.Length * size;
            }
            child = ArrowArrayFactory.BuildArray(new ArrayData(SegmentSchema.ScalarArrowType(f.ElementType), total, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)]));
        }
        var (bitmap, nulls) = Validity(valid, i => values.GetValue(i) is null, _rows);
        return new ListArray(SegmentSchema.ArrowType(f), _rows, new ArrowBuffer(MemoryMarshal.AsBytes<int>(offsets).ToArray()), child, bitmap, nulls, 0);
    }

    /// <summary>The .NET element type a scalar field type takes in column arrays (Bool → bool, Int8 → sbyte, …, VarChar → string).</summary>
    public static Type ElementClrType(FieldType t) => t switch
    {
        FieldType.Bool => typeof(bool),
        FieldType.Int8 => typeof(sbyte),
        FieldType.Int16 => typeof(short),
        FieldType.Int32 => typeof(int),
        FieldType.Int64 => typeof(long),
        FieldType.Float => typeof(float),
        FieldType.Double => typeof(double),
        FieldType.VarChar => typeof(string),
        _ => throw new ArgumentException($"{t} cannot be an array element"),
    };

    private IArrowArray FloatVectors(SegmentField f, Array values)
    {
        if (values is not float[] flat)
            throw new ArgumentException($"field '{f.Name}' (FloatVector) takes a flat float[] of rows × {f.Dim}, got {values.GetType().Name}");
        if (flat.Length != (long)_rows * f.Dim)
            throw new ArgumentException($"field '{f.Name}': {flat.Length} floats for {_rows} rows of dim {f.Dim} (expected {(long)_rows * f.Dim})");
        var child = new FloatArray(new ArrowBuffer(MemoryMarshal.AsBytes<float>(flat).ToArray()), ArrowBuffer.Empty, flat.Length, 0, 0);
        return new FixedSizeListArray(SegmentSchema.ArrowType(f), _rows, child, ArrowBuffer.Empty, 0, 0);
    }

    private IArrowArray PackedVectors(SegmentField f, Array values)
    {
        ReadOnlySpan<byte> bytes = values switch
        {
            byte[] b => b,
            sbyte[] s when f.Type == FieldType.Int8Vector => MemoryMarshal.AsBytes<sbyte>(s),
            Half[] h when f.Type == FieldType.Float16Vector => MemoryMarshal.AsBytes<Half>(h),
            _ => throw new ArgumentException($"field '{f.Name}' ({f.Type}) takes a flat byte[] of packed vectors, got {values.GetType().Name}"),
        };
        int per = f.Type.VectorBytes(f.Dim);
        if (bytes.Length != (long)_rows * per)
            throw new ArgumentException($"field '{f.Name}': {bytes.Length} bytes for {_rows} rows of {per} bytes (expected {(long)_rows * per})");
        return ArrowArrayFactory.BuildArray(new ArrayData(SegmentSchema.ArrowType(f), _rows, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes.ToArray())]));
    }
}
