using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Quiver.Kernel.Hashing;

/// <summary>
/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of every persisted
/// Quiver byte. The SSE4.2 CRC32 instruction computes exactly this polynomial, eight bytes a step;
/// a slicing-by-one table covers machines without it. (System.IO.Hashing.Crc32 is the other, IEEE
/// polynomial, and would not match other CRC-32C writers.)
/// </summary>
public static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC-32C over more data: Append(Compute(a), b) == Compute(a ++ b).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        if (Sse42.X64.IsSupported)
        {
            ulong c64 = c;
            while (data.Length >= 8)
            {
                c64 = Sse42.X64.Crc32(c64, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            c = (uint)c64;
        }
        if (Sse42.IsSupported)
        {
            foreach (byte b in data) c = Sse42.Crc32(c, b);
            return ~c;
        }
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    /// <summary>CRC-32C of the bytes of an unmanaged span.</summary>
    public static uint Compute<T>(ReadOnlySpan<T> data) where T : unmanaged => Compute(MemoryMarshal.AsBytes(data));

    /// <summary>Continues a CRC-32C over the bytes of an unmanaged span.</summary>
    public static uint Append<T>(uint crc, ReadOnlySpan<T> data) where T : unmanaged => Append(crc, MemoryMarshal.AsBytes(data));

    internal static uint ComputeWithTable(ReadOnlySpan<byte> data)
    {
        uint c = ~0u;
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[i] = c;
        }
        return t;
    }
}
