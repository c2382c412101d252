using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Quiver.Storage.Segments;

/// <summary>
/// A read-only memory mapping of a whole file, handed out as <see cref="Memory{T}"/> so Arrow's readers slice
/// their buffers straight out of the page cache. Lifetime: every span or Arrow array taken from it is valid
/// only until <see cref="Dispose"/>.
/// </summary>
internal sealed unsafe class MappedFile : MemoryManager<byte>
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    public MappedFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"segment file {path} does not exist", path);
        if (info.Length > SegmentWriter.MaxFileBytes) throw new InvalidDataException($"segment file {path} is {info.Length} bytes, over the {SegmentWriter.MaxFileBytes}-byte limit");
        Length = (int)info.Length;
        if (Length == 0) throw new InvalidDataException($"segment file {path} is empty");
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
    }

    public int Length { get; }

    /// <summary>Start of the mapping (for tests that check a span lies inside it).</summary>
    public nint Address => (nint)_base;

    // SAFETY: the mapping covers Length bytes and lives until Dispose.
    public override Span<byte> GetSpan() => new(_base, Length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_base + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
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
