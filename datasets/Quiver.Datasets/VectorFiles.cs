using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Quiver.Datasets;

/// <summary>
/// The TEXMEX vector formats (SIFT, GIST, Deep): each vector is a little-endian int32 dimension
/// followed by that many elements: float32 (.fvecs), int32 (.ivecs) or uint8 (.bvecs).
/// Readers return one flat row-major array and check that every vector has the same dimension.
/// </summary>
public static class VectorFiles
{
    /// <summary>Reads an .fvecs file: (rows × dim, dim).</summary>
    public static (float[] Data, int Dim) ReadFvecs(string path, int maxRows = int.MaxValue) => Read<float>(path, maxRows);

    /// <summary>Reads an .ivecs file (ground-truth neighbour ids).</summary>
    public static (int[] Data, int Dim) ReadIvecs(string path, int maxRows = int.MaxValue) => Read<int>(path, maxRows);

    /// <summary>Reads a .bvecs file.</summary>
    public static (byte[] Data, int Dim) ReadBvecs(string path, int maxRows = int.MaxValue) => Read<byte>(path, maxRows);

    /// <summary>Writes rows of dimension <paramref name="dim"/> as .fvecs.</summary>
    public static void WriteFvecs(string path, ReadOnlySpan<float> data, int dim) => Write(path, data, dim);

    /// <summary>Writes rows as .ivecs.</summary>
    public static void WriteIvecs(string path, ReadOnlySpan<int> data, int dim) => Write(path, data, dim);

    /// <summary>Writes rows as .bvecs.</summary>
    public static void WriteBvecs(string path, ReadOnlySpan<byte> data, int dim) => Write(path, data, dim);

    /// <summary>Appends rows to an open stream in the same layout (for generators that write as they go).</summary>
    public static void Append<T>(Stream stream, ReadOnlySpan<T> data, int dim) where T : unmanaged
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        if (data.Length % dim != 0) throw new ArgumentException($"{data.Length} elements are not a whole number of rows of dimension {dim}.", nameof(data));
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, dim);
        for (int i = 0; i < data.Length; i += dim)
        {
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(data.Slice(i, dim)));
        }
    }

    private static void Write<T>(string path, ReadOnlySpan<T> data, int dim) where T : unmanaged
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Append(stream, data, dim);
    }

    private static (T[] Data, int Dim) Read<T>(string path, int maxRows) where T : unmanaged
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        Span<byte> header = stackalloc byte[4];
        if (stream.Length == 0) return ([], 0);
        stream.ReadExactly(header);
        int dim = BinaryPrimitives.ReadInt32LittleEndian(header);
        int size = Marshal.SizeOf<T>();
        long rowBytes = 4 + (long)dim * size;
        if (dim < 1 || stream.Length % rowBytes != 0)
            throw new InvalidDataException($"{path}: not a {Extension<T>()} file (first dimension {dim}, length {stream.Length} is not a multiple of {rowBytes} bytes per vector).");
        long rows = Math.Min(stream.Length / rowBytes, maxRows);
        if (rows * dim > Array.MaxLength)
            throw new InvalidDataException($"{path}: {rows} × {dim} elements do not fit one array; read fewer rows.");
        var data = new T[rows * dim];
        var bytes = MemoryMarshal.AsBytes(data.AsSpan());
        stream.Position = 0;
        for (long r = 0; r < rows; r++)
        {
            stream.ReadExactly(header);
            int d = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (d != dim) throw new InvalidDataException($"{path}: vector {r} has dimension {d}, the first had {dim}.");
            stream.ReadExactly(bytes.Slice((int)(r * dim * size), dim * size));
        }
        return (data, dim);
    }

    private static string Extension<T>() => typeof(T) == typeof(float) ? ".fvecs" : typeof(T) == typeof(int) ? ".ivecs" : ".bvecs";
}
