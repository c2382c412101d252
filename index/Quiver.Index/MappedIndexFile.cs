using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Quiver.Kernel.Hashing;

namespace Quiver.Index;

/// <summary>
/// A saved index opened by memory-mapping its file: sections are verified in place (CRC-32C over the
/// mapped bytes) and handed out as spans, so the vectors — nearly all of an index's bytes — are never
/// copied; the OS pages them in on first touch and can drop them under memory pressure.
/// Lifetime: the mapping lives until <see cref="Dispose"/>; spans from it must not outlive it.
/// </summary>
internal sealed unsafe class MappedIndexFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;
    private readonly long _length;
    private long _at;

    public MappedIndexFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"Index file {path} does not exist.", path);
        _length = info.Length;
        if (_length == 0) throw new InvalidDataException($"Index file {path} is empty.");
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
    }

    /// <summary>Reads the header through the stream reader's own checks.</summary>
    public IndexFile.Header ReadHeader(IndexKind expected)
    {
        // SAFETY: the stream covers exactly the mapped file.
        using var stream = new UnmanagedMemoryStream(_base, _length);
        using var r = new BinaryReader(stream);
        var header = IndexFile.ReadHeader(r, expected);
        _at = stream.Position;
        return header;
    }

    /// <summary>The next section's payload, checked for tag, length and CRC, without copying.</summary>
    public ReadOnlySpan<T> Section<T>(uint tag, string name, long expectedElements = -1) where T : unmanaged
    {
        if (_at + 16 > _length) throw new InvalidDataException($"Index file is truncated at the {name} section.");
        // SAFETY: every read below is checked against _length first.
        uint got = *(uint*)(_base + _at);
        if (got != tag) throw new InvalidDataException($"Index file is corrupt: expected the {name} section, found tag 0x{got:X8}.");
        long length = *(long*)(_base + _at + 4);
        int pad = *(int*)(_base + _at + 12);
        int size = Marshal.SizeOf<T>();
        if (pad < 0 || pad >= IndexFile.SectionAlignment || length < 0 || length % size != 0 || (expectedElements >= 0 && length != expectedElements * size))
            throw new InvalidDataException($"Index file is corrupt: the {name} section has {length} bytes and padding {pad}.");
        long payload = _at + 16 + pad;
        if (payload + length + 4 > _length) throw new InvalidDataException($"Index file is truncated inside the {name} section.");
        var bytes = new ReadOnlySpan<byte>(_base + payload, checked((int)length));
        if (*(uint*)(_base + payload + length) != Crc32C.Compute(bytes))
            throw new InvalidDataException($"Checksum mismatch in the {name} section: the file is corrupt.");
        _at = payload + length + 4;
        return MemoryMarshal.Cast<byte, T>(bytes);
    }

    /// <summary>Address of a span obtained from <see cref="Section{T}"/> (for stores that keep the pointer).</summary>
    public static float* AddressOf(ReadOnlySpan<float> span) => (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    public void Dispose()
    {
        if (_base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _base = null;
        }
        _view.Dispose();
        _file.Dispose();
    }
}
