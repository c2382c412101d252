using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Segments;

/// <summary>
/// A sealed segment file opened by memory-mapping it: Arrow's stream reader slices every buffer out of
/// the mapping, so vector columns reach the distance kernels as spans over the page cache, with no copy.
/// </summary>
/// <remarks>
/// Opening with the manifest's <see cref="SegmentFileInfo"/> checks the size and CRC-32C of the whole file
/// first (a flipped byte anywhere is refused); every batch's column lengths are checked against the schema.
/// The body of an Arrow IPC file is an IPC stream after the 8-byte magic, so batches are read in order;
/// the footer is only checked to be there. Lifetime: spans and arrays are valid until <see cref="Dispose"/>.
/// </remarks>
public sealed class SegmentReader : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "ARROW1"u8;
    private readonly MappedFile _map;
    private readonly ArrowStreamReader _reader;
    private readonly RecordBatch[] _batches;
    private readonly long[] _batchStart;

    private SegmentReader(string path, MappedFile map, ArrowStreamReader reader, SegmentSchema schema, RecordBatch[] batches)
    {
        Path = path;
        _map = map;
        _reader = reader;
        Schema = schema;
        _batches = batches;
        _batchStart = new long[batches.Length + 1];
        for (int i = 0; i < batches.Length; i++) _batchStart[i + 1] = _batchStart[i] + batches[i].Length;
    }

    public string Path { get; }

    public SegmentSchema Schema { get; }

    public long RowCount => _batchStart[^1];

    public int BatchCount => _batches.Length;

    /// <summary>The mapped bytes' address range (tests check that spans point inside it).</summary>
    public (nint Start, int Length) Mapping => (_map.Address, _map.Length);

    /// <summary>
    /// Opens <paramref name="path"/>. With <paramref name="expected"/> (from the manifest) the size and CRC-32C
    /// are checked before anything is parsed.
    /// </summary>
    public static SegmentReader Open(string path, SegmentFileInfo? expected = null)
    {
        var map = new MappedFile(path);
        try
        {
            var bytes = map.GetSpan();
            if (expected != null)
            {
                if (bytes.Length != expected.Size)
                    throw new InvalidDataException($"segment file {path} is {bytes.Length} bytes, the manifest says {expected.Size}");
                uint crc = Crc32C.Compute(bytes);
                if (crc != expected.Crc32C)
                    throw new InvalidDataException($"segment file {path} is corrupt: CRC-32C {crc:X8}, the manifest says {expected.Crc32C:X8}");
            }
            if (bytes.Length < 16 || !bytes[..6].SequenceEqual(Magic) || !bytes[^6..].SequenceEqual(Magic))
                throw new InvalidDataException($"segment file {path} is not a whole Arrow IPC file (magic missing at the start or end)");
            var reader = new ArrowStreamReader(map.Memory[8..]);
            var schema = SegmentSchema.FromArrow(reader.Schema, path);
            var batches = new List<RecordBatch>();
            while (reader.ReadNextRecordBatch() is { } batch)
            {
                Check(schema, batch, path, batches.Count);
                batches.Add(batch);
            }
            var result = new SegmentReader(path, map, reader, schema, batches.ToArray());
            if (expected != null && result.RowCount != expected.Rows)
                throw new InvalidDataException($"segment file {path} has {result.RowCount} rows, the manifest says {expected.Rows}");
            return result;
        }
        catch (Exception e) when (e is not InvalidDataException and not FileNotFoundException and not OutOfMemoryException)
        {
            ((IDisposable)map).Dispose();
            throw new InvalidDataException($"segment file {path} cannot be read: {e.Message}", e);
        }
        catch
        {
            ((IDisposable)map).Dispose();
            throw;
        }
    }

    private static void Check(SegmentSchema schema, RecordBatch batch, string path, int index)
    {
        if (batch.ColumnCount != schema.Fields.Count + 1)
            throw new InvalidDataException($"segment file {path} batch {index}: {batch.ColumnCount} columns, the schema has {schema.Fields.Count + 1}");
        for (int i = 0; i < schema.Fields.Count; i++)
        {
            var f = schema.Fields[i];
            var column = batch.Column(i);
            if (column.Length != batch.Length)
                throw new InvalidDataException($"segment file {path} batch {index}: column '{f.Name}' has {column.Length} values for {batch.Length} rows");
            if (f.Type == FieldType.FloatVector)
            {
                var list = (FixedSizeListArray)column;
                if (list.Values.Length != (long)(list.Offset + list.Length) * f.Dim)
                    throw new InvalidDataException($"segment file {path} batch {index}: vector column '{f.Name}' holds {list.Values.Length} floats for {batch.Length} rows of dim {f.Dim}");
            }
        }
    }

    /// <summary>One record batch (columns in schema order, then the timestamps).</summary>
    public RecordBatch Batch(int index) => _batches[index];

    /// <summary>Rows of batch <paramref name="index"/> start at this segment row.</summary>
    public long BatchStart(int index) => _batchStart[index];

    /// <summary>A FloatVector column of one batch as one flat span (rows × dim), pointing into the mapping.</summary>
    public ReadOnlySpan<float> FloatVectors(string field, int batch)
    {
        var f = Field(field, FieldType.FloatVector);
        var list = (FixedSizeListArray)_batches[batch].Column(IndexOf(field));
        var values = ((FloatArray)list.Values).Values;
        return values.Slice(list.Offset * f.Dim, list.Length * f.Dim);
    }

    /// <summary>A packed vector column (Float16, BFloat16, Int8, Binary) of one batch: rows × bytes per vector.</summary>
    public ReadOnlySpan<byte> PackedVectors(string field, int batch)
    {
        var f = Schema[field];
        if (!f.Type.IsVector() || f.Type == FieldType.FloatVector)
            throw new ArgumentException($"field '{field}' is {f.Type}, not a packed vector type");
        var array = _batches[batch].Column(IndexOf(field));
        int per = f.Type.VectorBytes(f.Dim);
        return array.Data.Buffers[1].Span.Slice(array.Offset * per, array.Length * per);
    }

    /// <summary>The values of a fixed-width scalar column of one batch (nulls hold unspecified values; see <see cref="IsNull"/>).</summary>
    public ReadOnlySpan<T> Values<T>(string field, int batch) where T : unmanaged
    {
        var f = Schema[field];
        var expected = f.Type switch
        {
            FieldType.Int8 => typeof(sbyte),
            FieldType.Int16 => typeof(short),
            FieldType.Int32 => typeof(int),
            FieldType.Int64 => typeof(long),
            FieldType.Float => typeof(float),
            FieldType.Double => typeof(double),
            _ => null,
        };
        if (expected != typeof(T)) throw new ArgumentException($"field '{field}' is {f.Type}; its values are not {typeof(T).Name}");
        var array = _batches[batch].Column(IndexOf(field));
        return MemoryMarshal.Cast<byte, T>(array.Data.Buffers[1].Span).Slice(array.Offset, array.Length);
    }

    /// <summary>The hybrid timestamps of one batch.</summary>
    public ReadOnlySpan<ulong> Timestamps(int batch) => ((UInt64Array)_batches[batch].Column(Schema.Fields.Count)).Values;

    /// <summary>True when the row has no value in a nullable field.</summary>
    public bool IsNull(string field, long row)
    {
        var (b, r) = Locate(row);
        return _batches[b].Column(IndexOf(field)).IsNull(r);
    }

    /// <summary>
    /// One value as a plain .NET object (null, bool, sbyte, short, int, long, float, double, string, an element
    /// array for Array fields, float[] / byte[] for vectors). The slow path: output fields and tests.
    /// </summary>
    public object? GetValue(string field, long row)
    {
        var f = Schema[field];
        var (b, r) = Locate(row);
        var array = _batches[b].Column(IndexOf(field));
        if (array.IsNull(r)) return null;
        return f.Type switch
        {
            FieldType.FloatVector => FloatVectors(field, b).Slice(r * f.Dim, f.Dim).ToArray(),
            _ when f.Type.IsVector() => PackedVectors(field, b).Slice(r * f.Type.VectorBytes(f.Dim), f.Type.VectorBytes(f.Dim)).ToArray(),
            _ => ArrowValues.Read(f, array, r),
        };
    }

    /// <summary>The primary key of a row: long or string.</summary>
    public object PrimaryKey(long row) => GetValue(Schema.PrimaryKey.Name, row)!;

    private (int Batch, int Row) Locate(long row)
    {
        if ((ulong)row >= (ulong)RowCount) throw new ArgumentOutOfRangeException(nameof(row), row, $"the segment has {RowCount} rows");
        int b = System.Array.BinarySearch(_batchStart, row);
        if (b < 0) b = ~b - 1;
        while (_batchStart[b + 1] <= row) b++; // skip empty batches
        return (b, (int)(row - _batchStart[b]));
    }

    private int IndexOf(string field)
    {
        for (int i = 0; i < Schema.Fields.Count; i++)
            if (Schema.Fields[i].Name == field) return i;
        throw new ArgumentException($"no field '{field}' in segment {Path}");
    }

    private SegmentField Field(string name, FieldType type)
    {
        var f = Schema[name];
        if (f.Type != type) throw new ArgumentException($"field '{name}' is {f.Type}, not {type}");
        return f;
    }

    public void Dispose()
    {
        _reader.Dispose();
        ((IDisposable)_map).Dispose();
    }
}
