using System.Buffers.Binary;
using System.Text;

namespace Quiver.Storage.Segments;

/// <summary>
/// A Bloom filter over a segment's primary keys, so a delete or an upsert touches only the segments that may
/// hold the key. Sized for the expected count and a false-positive rate (m = −n·ln p / ln²2 bits,
/// k = m/n·ln 2 hashes); the k probes come from two 64-bit hashes by double hashing (Kirsch–Mitzenmacher).
/// </summary>
public sealed class PrimaryKeyBloomFilter
{
    private readonly ulong[] _bits;

    public PrimaryKeyBloomFilter(long expectedKeys, double falsePositiveRate = 0.001)
    {
        if (falsePositiveRate is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate), falsePositiveRate, "false-positive rate must be in (0, 1)");
        long n = Math.Max(1, expectedKeys);
        double m = Math.Ceiling(-n * Math.Log(falsePositiveRate) / (Math.Log(2) * Math.Log(2)));
        long words = Math.Max(1, (long)Math.Ceiling(m / 64));
        if (words > int.MaxValue / 8) throw new ArgumentOutOfRangeException(nameof(expectedKeys), expectedKeys, "too many keys for one filter");
        _bits = new ulong[words];
        HashCount = Math.Clamp((int)Math.Round(words * 64.0 / n * Math.Log(2)), 1, 30);
    }

    private PrimaryKeyBloomFilter(ulong[] bits, int hashes)
    {
        _bits = bits;
        HashCount = hashes;
    }

    public int HashCount { get; }

    public long BitCount => (long)_bits.Length * 64;

    public void Add(long key) => Add(Hash(key));

    public void Add(string key) => Add(Hash(key));

    public bool MayContain(long key) => MayContain(Hash(key));

    public bool MayContain(string key) => MayContain(Hash(key));

    private void Add(ulong h)
    {
        ulong h1 = h, h2 = Mix(h) | 1, m = (ulong)BitCount;
        for (int i = 0; i < HashCount; i++)
        {
            ulong bit = (h1 + (ulong)i * h2) % m;
            _bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

    private bool MayContain(ulong h)
    {
        ulong h1 = h, h2 = Mix(h) | 1, m = (ulong)BitCount;
        for (int i = 0; i < HashCount; i++)
        {
            ulong bit = (h1 + (ulong)i * h2) % m;
            if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0) return false;
        }
        return true;
    }

    private static ulong Hash(long key) => Mix((ulong)key ^ 0x9E3779B97F4A7C15UL);

    private static ulong Hash(string key)
    {
        // FNV-1a over the UTF-8 bytes, then a SplitMix64 finish to spread the bits.
        ulong h = 0xCBF29CE484222325UL;
        Span<byte> buffer = stackalloc byte[256];
        int max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = max > buffer.Length ? new byte[max] : null;
        var bytes = rented ?? buffer;
        int n = Encoding.UTF8.GetBytes(key, bytes);
        foreach (byte b in bytes[..n]) h = (h ^ b) * 0x100000001B3UL;
        return Mix(h);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    internal void WriteTo(BinaryWriter w)
    {
        w.Write(HashCount);
        w.Write(_bits.Length);
        Span<byte> word = stackalloc byte[8];
        foreach (ulong x in _bits)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, x);
            w.Write(word);
        }
    }

    internal static PrimaryKeyBloomFilter ReadFrom(BinaryReader r)
    {
        int hashes = r.ReadInt32();
        int words = r.ReadInt32();
        if (hashes is < 1 or > 30 || words < 1) throw new InvalidDataException($"bloom filter header is invalid ({hashes} hashes, {words} words)");
        var bits = new ulong[words];
        for (int i = 0; i < words; i++) bits[i] = r.ReadUInt64();
        return new PrimaryKeyBloomFilter(bits, hashes);
    }
}
