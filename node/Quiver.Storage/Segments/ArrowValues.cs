using System.Text;
using Apache.Arrow;

namespace Quiver.Storage.Segments;

/// <summary>
/// One value of a scalar or Array column as a plain .NET object (null, bool, sbyte, short, int, long, float,
/// double, string, or an element array for Array fields) — the slow, boxed path for output fields and tests,
/// shared by sealed files and growing segments.
/// </summary>
public static class ArrowValues
{
    /// <summary>The value at <paramref name="row"/> of <paramref name="array"/>, a column of the non-vector field <paramref name="field"/>.</summary>
    public static object? Read(SegmentField field, IArrowArray array, int row)
    {
        if (array.IsNull(row)) return null;
        return field.Type switch
        {
            FieldType.Bool => ((BooleanArray)array).GetValue(row),
            FieldType.Int8 => ((Int8Array)array).GetValue(row),
            FieldType.Int16 => ((Int16Array)array).GetValue(row),
            FieldType.Int32 => ((Int32Array)array).GetValue(row),
            FieldType.Int64 => ((Int64Array)array).GetValue(row),
            FieldType.Float => ((FloatArray)array).GetValue(row),
            FieldType.Double => ((DoubleArray)array).GetValue(row),
            FieldType.VarChar or FieldType.Json => ((StringArray)array).GetString(row, Encoding.UTF8),
            FieldType.Array => List(field, (ListArray)array, row),
            _ => throw new ArgumentException($"field '{field.Name}' is a {field.Type}; read vectors as spans", nameof(field)),
        };
    }

    private static System.Array List(SegmentField f, ListArray list, int row)
    {
        int start = list.ValueOffsets[row], end = list.ValueOffsets[row + 1];
        var values = list.Values;
        var result = System.Array.CreateInstance(SegmentBatchBuilder.ElementClrType(f.ElementType), end - start);
        for (int i = start; i < end; i++)
        {
            object v = f.ElementType switch
            {
                FieldType.Bool => ((BooleanArray)values).GetValue(i)!.Value,
                FieldType.Int8 => ((Int8Array)values).GetValue(i)!.Value,
                FieldType.Int16 => ((Int16Array)values).GetValue(i)!.Value,
                FieldType.Int32 => ((Int32Array)values).GetValue(i)!.Value,
                FieldType.Int64 => ((Int64Array)values).GetValue(i)!.Value,
                FieldType.Float => ((FloatArray)values).GetValue(i)!.Value,
                FieldType.Double => ((DoubleArray)values).GetValue(i)!.Value,
                _ => ((StringArray)values).GetString(i, Encoding.UTF8),
            };
            result.SetValue(v, i - start);
        }
        return result;
    }
}
