using System.Buffers.Binary;
using System.IO.Compression;

namespace Quiver.Datasets;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: a big-endian magic (0, 0, type, rank), rank big-endian
/// int32 sizes, then the elements. Only unsigned bytes (type 0x08) occur in these sets. Gzip-compressed
/// files (.gz) are read through a decompressing stream.
/// </summary>
public static class IdxFile
{
    /// <summary>Reads an unsigned-byte IDX file: the sizes and the flat elements.</summary>
    public static (int[] Shape, byte[] Data) ReadBytes(string path)
    {
        using Stream file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> word = stackalloc byte[4];
        stream.ReadExactly(word);
        if (word[0] != 0 || word[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (magic {Convert.ToHexString(word)}).");
        if (word[2] != 0x08)
            throw new InvalidDataException($"{path}: IDX element type 0x{word[2]:X2} is not supported; only unsigned bytes (0x08) are.");
        int rank = word[3];
        if (rank < 1 || rank > 4) throw new InvalidDataException($"{path}: IDX rank {rank} is out of range 1..4.");
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            stream.ReadExactly(word);
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (shape[i] < 0) throw new InvalidDataException($"{path}: IDX size {i} is negative.");
            count *= shape[i];
        }
        if (count > Array.MaxLength) throw new InvalidDataException($"{path}: {count} elements do not fit one array.");
        var data = new byte[count];
        try
        {
            stream.ReadExactly(data);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated; the header promises {count} elements.");
        }
        return (shape, data);
    }

    /// <summary>Reads an image file (n × rows × cols) as n float32 vectors of rows·cols pixel values 0..255.</summary>
    public static (float[] Vectors, int Dim) ReadImagesAsVectors(string path)
    {
        var (shape, data) = ReadBytes(path);
        if (shape.Length != 3) throw new InvalidDataException($"{path}: expected n × rows × cols images, found rank {shape.Length}.");
        int dim = shape[1] * shape[2];
        var v = new float[data.Length];
        for (int i = 0; i < data.Length; i++) v[i] = data[i];
        return (v, dim);
    }
}
