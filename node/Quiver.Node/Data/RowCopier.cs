using Apache.Arrow;
using Quiver.Storage.Segments;
using Array = System.Array;

namespace Quiver.Node.Data;

/// <summary>
/// Copies chosen rows of segments into new Arrow batches for the same storage schema, keeping each row's
/// insert timestamp — what a compaction writes. A value at a time: compaction is background work, and this
/// path serves every field type the same way.
/// </summary>
public static class RowCopier
{
    /// <param name="source">(segment, row) pairs in output order.</param>
    /// <param name="value">Reads one field of one source row (null for no value).</param>
    /// <param name="insertTs">Reads a source row's insert timestamp.</param>
    public static List<RecordBatch> Copy<TSegment>(SegmentSchema schema, IReadOnlyList<(TSegment Segment, long Row)> source,
        Func<TSegment, string, long, object?> value, Func<TSegment, long, ulong> insertTs, int batchRows = 8192)
    {
        var batches = new List<RecordBatch>();
        for (int start = 0; start < source.Count; start += batchRows)
        {
            int n = Math.Min(batchRows, source.Count - start);
            var b = new SegmentBatchBuilder(schema, n);
            foreach (var f in schema.Fields)
            {
                int width = f.Type == FieldType.FloatVector ? f.Dim : f.Type.IsVector() ? f.Type.VectorBytes(f.Dim) : 1;
                Type element = f.Type switch
                {
                    FieldType.FloatVector => typeof(float),
                    _ when f.Type.IsVector() => typeof(byte),
                    FieldType.VarChar or FieldType.Json => typeof(string),
                    FieldType.Array => SegmentBatchBuilder.ElementClrType(f.ElementType).MakeArrayType(),
                    _ => SegmentBatchBuilder.ElementClrType(f.Type),
                };
                var values = Array.CreateInstance(element, (long)n * width);
                bool[]? valid = f.Nullable ? new bool[n] : null;
                for (int i = 0; i < n; i++)
                {
                    var (segment, row) = source[start + i];
                    object? v = value(segment, f.Name, row);
                    if (valid != null) valid[i] = v != null;
                    if (v is null) continue;
                    if (width > 1 || f.Type.IsVector()) Array.Copy((Array)v, 0, values, (long)i * width, width);
                    else values.SetValue(v, i);
                }
                b.Column(f.Name, values, f.Type is FieldType.VarChar or FieldType.Json or FieldType.Array ? null : valid);
            }
            var stamps = new ulong[n];
            for (int i = 0; i < n; i++) stamps[i] = insertTs(source[start + i].Segment, source[start + i].Row);
            batches.Add(b.Timestamps(stamps).Build());
        }
        return batches;
    }
}
