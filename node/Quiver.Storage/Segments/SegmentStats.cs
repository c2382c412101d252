using System.Buffers.Binary;
using Apache.Arrow;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Segments;

/// <summary>
/// Statistics of one sealed segment: row count, the primary key's min/max and Bloom filter, and min/max of
/// each numeric scalar field (for pruning segments by a filter). Persisted as
/// <c>magic "QSTS" | u16 version | body | u32 CRC-32C of everything before it</c>.
/// </summary>
public sealed class SegmentStats
{
    private const uint Magic = 0x53545351; // "QSTS"
    private const ushort Version = 1;

    private SegmentStats(long rows, FieldType keyType, object? min, object? max, PrimaryKeyBloomFilter bloom, IReadOnlyDictionary<string, (double Min, double Max)> numeric)
    {
        Rows = rows;
        KeyType = keyType;
        MinKey = min;
        MaxKey = max;
        Bloom = bloom;
        NumericRanges = numeric;
    }

    public long Rows { get; }

    public FieldType KeyType { get; }

    /// <summary>Smallest primary key (long or string, ordinal), or null for an empty segment.</summary>
    public object? MinKey { get; }

    public object? MaxKey { get; }

    public PrimaryKeyBloomFilter Bloom { get; }

    /// <summary>Min and max of each numeric scalar field over its non-null values (absent when all are null).</summary>
    public IReadOnlyDictionary<string, (double Min, double Max)> NumericRanges { get; }

    /// <summary>True when the segment may hold <paramref name="key"/>: inside [min, max] and passing the Bloom filter.</summary>
    public bool MayContain(long key) => MinKey is long min && MaxKey is long max && key >= min && key <= max && Bloom.MayContain(key);

    public bool MayContain(string key) => MinKey is string min && MaxKey is string max
        && string.CompareOrdinal(key, min) >= 0 && string.CompareOrdinal(key, max) <= 0 && Bloom.MayContain(key);

    /// <summary>Computes the statistics of an open segment.</summary>
    public static SegmentStats Compute(SegmentReader segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var pk = segment.Schema.PrimaryKey;
        var bloom = new PrimaryKeyBloomFilter(segment.RowCount);
        object? min = null, max = null;
        var ranges = new Dictionary<string, (double Min, double Max)>(StringComparer.Ordinal);
        for (int b = 0; b < segment.BatchCount; b++)
        {
            var batch = segment.Batch(b);
            if (pk.Type == FieldType.Int64)
            {
                foreach (long k in segment.Values<long>(pk.Name, b))
                {
                    bloom.Add(k);
                    if (min is null || k < (long)min) min = k;
                    if (max is null || k > (long)max) max = k;
                }
            }
            else
            {
                var keys = (StringArray)batch.Column(pk.Name);
                for (int i = 0; i < keys.Length; i++)
                {
                    string k = keys.GetString(i);
                    bloom.Add(k);
                    if (min is null || string.CompareOrdinal(k, (string)min) < 0) min = k;
                    if (max is null || string.CompareOrdinal(k, (string)max) > 0) max = k;
                }
            }
            for (int fi = 0; fi < segment.Schema.Fields.Count; fi++)
            {
                var f = segment.Schema.Fields[fi];
                if (f.Type is not (FieldType.Int8 or FieldType.Int16 or FieldType.Int32 or FieldType.Int64 or FieldType.Float or FieldType.Double)) continue;
                var column = batch.Column(fi);
                for (int i = 0; i < column.Length; i++)
                {
                    if (column.IsNull(i)) continue;
                    double v = column switch
                    {
                        Int8Array a => a.GetValue(i)!.Value,
                        Int16Array a => a.GetValue(i)!.Value,
                        Int32Array a => a.GetValue(i)!.Value,
                        Int64Array a => a.GetValue(i)!.Value,
                        FloatArray a => a.GetValue(i)!.Value,
                        _ => ((DoubleArray)column).GetValue(i)!.Value,
                    };
                    ranges[f.Name] = ranges.TryGetValue(f.Name, out var r) ? (Math.Min(r.Min, v), Math.Max(r.Max, v)) : (v, v);
                }
            }
        }
        return new SegmentStats(segment.RowCount, pk.Type, min, max, bloom, ranges);
    }

    /// <summary>Writes the statistics file (temp, fsync, rename) and returns its manifest record.</summary>
    public SegmentFileInfo Write(string path)
    {
        var bytes = Encode();
        ObjectStore.AtomicFile.WriteAllBytes(path, bytes);
        return new SegmentFileInfo(Path.GetFileName(path), bytes.Length, Crc32C.Compute(bytes), Rows, SegmentFileKind.Stats);
    }

    public byte[] Encode()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(Rows);
            w.Write((int)KeyType);
            w.Write(MinKey is not null);
            if (MinKey is long lo) { w.Write(lo); w.Write((long)MaxKey!); }
            else if (MinKey is string so) { w.Write(so); w.Write((string)MaxKey!); }
            Bloom.WriteTo(w);
            w.Write(NumericRanges.Count);
            foreach (var (name, (min, max)) in NumericRanges.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.Write(name);
                w.Write(min);
                w.Write(max);
            }
        }
        var body = ms.ToArray();
        var result = new byte[body.Length + 4];
        body.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(body.Length), Crc32C.Compute(body));
        return result;
    }

    /// <summary>Reads a statistics file; refuses a wrong magic, an unknown version or a bad CRC.</summary>
    public static SegmentStats Decode(ReadOnlySpan<byte> bytes, string source = "statistics")
    {
        if (bytes.Length < 10 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
            throw new InvalidDataException($"{source}: not a Quiver segment statistics file");
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]) != Crc32C.Compute(bytes[..^4]))
            throw new InvalidDataException($"{source}: CRC-32C mismatch, the file is corrupt");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != Version) throw new InvalidDataException($"{source}: statistics version {version} is not understood (this build reads {Version})");
        using var r = new BinaryReader(new MemoryStream(bytes[6..^4].ToArray()));
        long rows = r.ReadInt64();
        var keyType = (FieldType)r.ReadInt32();
        object? min = null, max = null;
        if (r.ReadBoolean())
        {
            if (keyType == FieldType.Int64) { min = r.ReadInt64(); max = r.ReadInt64(); }
            else { min = r.ReadString(); max = r.ReadString(); }
        }
        var bloom = PrimaryKeyBloomFilter.ReadFrom(r);
        int n = r.ReadInt32();
        var ranges = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++) ranges[r.ReadString()] = (r.ReadDouble(), r.ReadDouble());
        return new SegmentStats(rows, keyType, min, max, bloom, ranges);
    }
}
