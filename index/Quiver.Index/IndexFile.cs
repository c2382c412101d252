using System.Runtime.InteropServices;
using Quiver.Index.Flat;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Hashing;

namespace Quiver.Index;

/// <summary>
/// The on-disk form of every index: a header (magic, major.minor version, family, metric, dimension,
/// row count, family parameters, CRC-32C of the header), then tagged sections, each with its byte
/// length and its own CRC-32C. Readers refuse a wrong magic, a newer major version, a wrong family,
/// a truncated file or a checksum mismatch, naming which.
/// </summary>
internal static class IndexFile
{
    public const ulong Magic = 0x5849_5245_5649_5551; // "QUIVERIX" little-endian
    public const ushort Major = 1;
    public const ushort Minor = 0;

    public sealed record Header(IndexKind Kind, Metric Metric, int Dim, int Count, long[] Parameters);

    public static void WriteHeader(BinaryWriter w, Header h)
    {
        using var ms = new MemoryStream();
        using (var hw = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            hw.Write(Magic);
            hw.Write(Major);
            hw.Write(Minor);
            hw.Write((int)h.Kind);
            hw.Write((int)h.Metric);
            hw.Write(h.Dim);
            hw.Write(h.Count);
            hw.Write(h.Parameters.Length);
            foreach (long p in h.Parameters) hw.Write(p);
        }
        var bytes = ms.ToArray();
        w.Write(bytes);
        w.Write(Crc32C.Compute(bytes));
    }

    public static Header ReadHeader(BinaryReader r, params IndexKind[] expected)
    {
        try
        {
            using var ms = new MemoryStream();
            using var hw = new BinaryWriter(ms);
            ulong magic = r.ReadUInt64();
            if (magic != Magic) throw new InvalidDataException($"Not a Quiver index file (magic 0x{magic:X16}, expected 0x{Magic:X16}).");
            ushort major = r.ReadUInt16(), minor = r.ReadUInt16();
            if (major > Major) throw new InvalidDataException($"Index file format {major}.{minor} is newer than this reader ({Major}.{Minor}); upgrade Quiver to read it.");
            var kind = (IndexKind)r.ReadInt32();
            var metric = (Metric)r.ReadInt32();
            int dim = r.ReadInt32(), count = r.ReadInt32(), np = r.ReadInt32();
            if (np is < 0 or > 64) throw new InvalidDataException($"Index header is corrupt: {np} parameters.");
            var ps = new long[np];
            for (int i = 0; i < np; i++) ps[i] = r.ReadInt64();
            hw.Write(magic); hw.Write(major); hw.Write(minor); hw.Write((int)kind); hw.Write((int)metric); hw.Write(dim); hw.Write(count); hw.Write(np);
            foreach (long p in ps) hw.Write(p);
            hw.Flush();
            uint crc = r.ReadUInt32();
            if (crc != Crc32C.Compute(ms.ToArray())) throw new InvalidDataException("Index header checksum mismatch: the file is corrupt.");
            if (Array.IndexOf(expected, kind) < 0) throw new InvalidDataException($"The file holds a {kind} index, not {string.Join(" or ", expected)}.");
            if (dim < 1 || count < 0) throw new InvalidDataException($"Index header is corrupt: dim {dim}, count {count}.");
            return new Header(kind, metric, dim, count, ps);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("Index file is truncated inside its header.");
        }
    }

    /// <summary>Section payloads start on this file-offset boundary, so a mapped file hands out aligned rows.</summary>
    public const int SectionAlignment = 64;

    /// <summary>
    /// A section: tag (u32), payload length (i64), padding length (u32), that many zero bytes so the
    /// payload starts at a multiple of <see cref="SectionAlignment"/> in the file, the payload, CRC-32C.
    /// </summary>
    public static void WriteSection<T>(BinaryWriter w, uint tag, ReadOnlySpan<T> data) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data);
        w.Write(tag);
        w.Write((long)bytes.Length);
        int pad = 0;
        if (w.BaseStream.CanSeek)
        {
            long payloadAt = w.BaseStream.Position + sizeof(int);
            pad = (int)((SectionAlignment - payloadAt % SectionAlignment) % SectionAlignment);
        }
        w.Write(pad);
        Span<byte> zeros = stackalloc byte[SectionAlignment];
        zeros.Clear();
        w.Write(zeros[..pad]);
        w.Write(bytes);
        w.Write(Crc32C.Compute(bytes));
    }

    public static T[] ReadSection<T>(BinaryReader r, uint tag, string name, long expectedElements = -1) where T : unmanaged
    {
        try
        {
            uint got = r.ReadUInt32();
            if (got != tag) throw new InvalidDataException($"Index file is corrupt: expected the {name} section, found tag 0x{got:X8}.");
            long length = r.ReadInt64();
            int pad = r.ReadInt32();
            if (pad < 0 || pad >= SectionAlignment) throw new InvalidDataException($"Index file is corrupt: the {name} section has padding {pad}.");
            if (r.Read(new byte[pad]) != pad) throw new InvalidDataException($"Index file is truncated inside the {name} section.");
            int size = Marshal.SizeOf<T>();
            if (length < 0 || length % size != 0 || (expectedElements >= 0 && length != expectedElements * size))
                throw new InvalidDataException($"Index file is corrupt: the {name} section has {length} bytes{(expectedElements >= 0 ? $", expected {expectedElements * size}" : "")}.");
            var data = new T[length / size];
            var bytes = MemoryMarshal.AsBytes(data.AsSpan());
            int read = r.Read(bytes);
            if (read != bytes.Length) throw new InvalidDataException($"Index file is truncated inside the {name} section ({read} of {bytes.Length} bytes).");
            if (r.ReadUInt32() != Crc32C.Compute(bytes)) throw new InvalidDataException($"Checksum mismatch in the {name} section: the file is corrupt.");
            return data;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"Index file is truncated at the {name} section.");
        }
    }

    public const uint VectorsTag = 0x53434556, DeletedTag = 0x534C4544; // "VECS", "DELS"

    public static void WriteVectors(BinaryWriter w, ReadOnlySpan<float> rows) => WriteSection(w, VectorsTag, rows);

    public static float[] ReadVectors(BinaryReader r, long elements) => ReadSection<float>(r, VectorsTag, "vectors", elements);

    public static void WriteDeleted(BinaryWriter w, Bitset deleted, int count) => WriteSection<ulong>(w, DeletedTag, deleted.Words[..Bitset.WordsFor(count)]);

    public static ulong[] ReadDeleted(BinaryReader r, int count) => ReadSection<ulong>(r, DeletedTag, "deleted rows", Bitset.WordsFor(count));

    public static void WriteFlat(Stream stream, FlatIndex index, Storage.VectorStore vectors, Bitset deleted)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        int n = vectors.Count;
        WriteHeader(w, new Header(IndexKind.Flat, index.Metric, index.Dimension, n, []));
        WriteVectors(w, vectors.Current.Rows[..(n * index.Dimension)]);
        WriteDeleted(w, deleted, n);
    }

    public static FlatIndex ReadFlat(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var h = ReadHeader(r, IndexKind.Flat);
        var vectors = ReadVectors(r, (long)h.Count * h.Dim);
        var deleted = ReadDeleted(r, h.Count);
        var index = FlatIndex.Create(h.Metric, h.Dim, h.Count);
        index.Restore(vectors, deleted);
        return index;
    }
}
