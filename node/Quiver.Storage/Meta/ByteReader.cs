using System.Buffers.Binary;

namespace Quiver.Storage.Meta;

/// <summary>Little-endian reader for the meta store's files; throws <see cref="FormatException"/> on overrun.</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly int Position => _pos;

    public readonly int Remaining => _data.Length - _pos;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _data.Length - _pos)
            throw new FormatException($"needs {n} bytes at position {_pos}, {_data.Length - _pos} left");
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ReadOnlySpan<byte> Raw(int n) => Take(n);

    /// <summary>A u32 length (at most <paramref name="max"/>), then the bytes.</summary>
    public ReadOnlySpan<byte> Blob(int max)
    {
        uint n = U32();
        if (n > (uint)max)
            throw new FormatException($"length {n} at position {_pos - 4} exceeds {max}");
        return Take((int)n);
    }
}
