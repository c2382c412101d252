using System.Runtime.InteropServices;
using Apache.Arrow;
using Quiver.Storage.Segments;

namespace Quiver.Node.Streaming;

/// <summary>
/// One appended record batch of a growing segment and what the segment derived from it once, at
/// append time, so a search touches no Arrow object: the vector bytes of each vector field, the
/// insert timestamps (both views into the batch's own buffers, no copy), the inverse norm of every
/// float vector (COSINE without normalizing stored rows), the per-row delete timestamps and the
/// previous row with the same primary key.
/// </summary>
/// <remarks>
/// Everything here is immutable once the batch is published except <see cref="DeleteTs"/>, which the
/// shard's writer sets when a delete arrives; readers read it unsynchronized (an aligned 64-bit load
/// is atomic), and the timestamp rule makes a racing read harmless: a delete a reader might miss has a
/// timestamp above any snapshot the delegator lets it serve.
/// </remarks>
internal sealed class GrowingBatch
{
    /// <summary>Delete timestamp of a row that is not deleted.</summary>
    public const ulong NotDeleted = ulong.MaxValue;

    public GrowingBatch(SegmentSchema schema, RecordBatch batch, int start)
    {
        Batch = batch;
        Start = start;
        Length = batch.Length;
        int fields = schema.Fields.Count;
        Vectors = new ReadOnlyMemory<byte>[fields];
        InverseNorms = new float[fields][];
        for (int i = 0; i < fields; i++)
        {
            var f = schema.Fields[i];
            if (!f.Type.IsVector()) continue;
            var column = batch.Column(i);
            if (f.Type == FieldType.FloatVector)
            {
                var list = (FixedSizeListArray)column;
                var values = list.Values;
                Vectors[i] = values.Data.Buffers[1].Memory.Slice((values.Offset + list.Offset * f.Dim) * sizeof(float), list.Length * f.Dim * sizeof(float));
                InverseNorms[i] = InverseNormsOf(MemoryMarshal.Cast<byte, float>(Vectors[i].Span), f.Dim);
            }
            else
            {
                int per = f.Type.VectorBytes(f.Dim);
                Vectors[i] = column.Data.Buffers[1].Memory.Slice(column.Offset * per, column.Length * per);
            }
        }
        var ts = (UInt64Array)batch.Column(fields);
        InsertTs = ts.Data.Buffers[1].Memory.Slice(ts.Offset * sizeof(ulong), ts.Length * sizeof(ulong));
        var span = Timestamps;
        ulong min = ulong.MaxValue, max = 0;
        foreach (ulong t in span)
        {
            min = Math.Min(min, t);
            max = Math.Max(max, t);
        }
        MinTs = min;
        MaxTs = max;
        DeleteTs = new ulong[Length];
        DeleteTs.AsSpan().Fill(NotDeleted);
        PrevSameKey = new int[Length];
    }

    /// <summary>The batch as appended; the flush writes it unchanged.</summary>
    public RecordBatch Batch { get; }

    /// <summary>Segment row number of the batch's first row.</summary>
    public int Start { get; }

    public int Length { get; }

    /// <summary>Per field index: the packed vector bytes (rows × bytes per vector), empty for scalar fields.</summary>
    public ReadOnlyMemory<byte>[] Vectors { get; }

    /// <summary>Per field index: 1/‖v‖ of each FloatVector row (0 for a zero vector), null for other fields.</summary>
    public float[]?[] InverseNorms { get; }

    /// <summary>The <c>_ts</c> column's bytes.</summary>
    public ReadOnlyMemory<byte> InsertTs { get; }

    public ReadOnlySpan<ulong> Timestamps => MemoryMarshal.Cast<byte, ulong>(InsertTs.Span);

    /// <summary>Smallest insert timestamp in the batch: a snapshot below it sees none of its rows.</summary>
    public ulong MinTs { get; }

    /// <summary>Largest insert timestamp: a snapshot at or above it needs no per-row insert check.</summary>
    public ulong MaxTs { get; }

    /// <summary>Per row: the timestamp it was deleted at, or <see cref="NotDeleted"/>.</summary>
    public ulong[] DeleteTs { get; }

    /// <summary>Rows of the batch with a delete timestamp (set once per row, before its timestamp is written): zero lets a visibility scan skip the per-row check.</summary>
    public int DeletedRows;

    /// <summary>Per row: the segment row that held the same primary key before it, or −1 (a chain newest → oldest).</summary>
    public int[] PrevSameKey { get; }

    /// <summary>Bytes held: the batch's Arrow buffers plus the derived arrays.</summary>
    public long MemoryBytes()
    {
        long bytes = (long)Length * (sizeof(ulong) + sizeof(int));
        foreach (var norms in InverseNorms) bytes += norms is null ? 0 : norms.Length * sizeof(float);
        for (int i = 0; i < Batch.ColumnCount; i++) bytes += BufferBytes(Batch.Column(i).Data);
        return bytes;
    }

    private static long BufferBytes(ArrayData data)
    {
        long bytes = 0;
        foreach (var b in data.Buffers) bytes += b.Length;
        if (data.Children != null) foreach (var c in data.Children) bytes += BufferBytes(c);
        if (data.Dictionary != null) bytes += BufferBytes(data.Dictionary);
        return bytes;
    }

    private static float[] InverseNormsOf(ReadOnlySpan<float> rows, int dim)
    {
        var result = new float[rows.Length / dim];
        for (int r = 0; r < result.Length; r++)
        {
            float norm = Kernel.Distance.VectorDistance.Norm(rows.Slice(r * dim, dim));
            // A zero vector has no direction: cosine with it is 0, as the kernel's CosineSimilarity says.
            result[r] = norm == 0f ? 0f : 1f / norm;
        }
        return result;
    }
}
