using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Quiver.Storage.Segments;

namespace Quiver.Storage.Tests.Segments;

public class SegmentTests
{
    internal static SegmentSchema AllTypes(bool stringKey = false) => new([
        stringKey ? new SegmentField("id", FieldType.VarChar, IsPrimaryKey: true) : new SegmentField("id", FieldType.Int64, IsPrimaryKey: true),
        new SegmentField("flag", FieldType.Bool, Nullable: true),
        new SegmentField("i8", FieldType.Int8),
        new SegmentField("i16", FieldType.Int16, Nullable: true),
        new SegmentField("i32", FieldType.Int32),
        new SegmentField("i64", FieldType.Int64, Nullable: true),
        new SegmentField("f32", FieldType.Float),
        new SegmentField("f64", FieldType.Double, Nullable: true),
        new SegmentField("title", FieldType.VarChar, Nullable: true),
        new SegmentField("meta", FieldType.Json, Nullable: true),
        new SegmentField("tags", FieldType.Array, ElementType: FieldType.VarChar, Nullable: true),
        new SegmentField("scores", FieldType.Array, ElementType: FieldType.Int64),
        new SegmentField("vec", FieldType.FloatVector, Dim: 12),
        new SegmentField("half", FieldType.Float16Vector, Dim: 5),
        new SegmentField("bf16", FieldType.BFloat16Vector, Dim: 3),
        new SegmentField("i8v", FieldType.Int8Vector, Dim: 7),
        new SegmentField("bits", FieldType.BinaryVector, Dim: 24),
    ]);

    /// <summary>Expected values of row r (global row number), as GetValue returns them.</summary>
    internal static object? Expected(string field, long r, bool stringKey = false) => field switch
    {
        "id" => stringKey ? $"key-{r:D6}" : (object)(r * 3 + 1),
        "flag" => r % 5 == 0 ? null : r % 2 == 0,
        "i8" => (sbyte)(r % 100 - 50),
        "i16" => r % 7 == 0 ? null : (short)(r * 11 % 30000),
        "i32" => (int)(r * 101),
        "i64" => r % 3 == 0 ? null : r * 1_000_003L,
        "f32" => r * 0.5f,
        "f64" => r % 4 == 0 ? null : r / 3.0,
        "title" => r % 6 == 0 ? null : $"title {r} ünïcode",
        "meta" => r % 9 == 0 ? null : $"{{\"n\":{r},\"s\":\"x{r}\"}}",
        "tags" => r % 8 == 0 ? null : Enumerable.Range(0, (int)(r % 4)).Select(i => $"t{r}_{i}").ToArray(),
        "scores" => Enumerable.Range(0, (int)(r % 3)).Select(i => r * 10 + i).ToArray(),
        "vec" => Enumerable.Range(0, 12).Select(i => r + i * 0.25f).ToArray(),
        "half" => Enumerable.Range(0, 10).Select(i => (byte)(r + i)).ToArray(),
        "bf16" => Enumerable.Range(0, 6).Select(i => (byte)(r * 3 + i)).ToArray(),
        "i8v" => Enumerable.Range(0, 7).Select(i => (byte)(r * 5 + i)).ToArray(),
        "bits" => Enumerable.Range(0, 3).Select(i => (byte)(r * 7 + i)).ToArray(),
        _ => throw new ArgumentException(field),
    };

    internal static Apache.Arrow.RecordBatch Batch(SegmentSchema schema, long start, int rows, bool stringKey = false)
    {
        var b = new SegmentBatchBuilder(schema, rows);
        IEnumerable<long> R() => Enumerable.Range(0, rows).Select(i => start + i);
        T[] Col<T>(string f) => R().Select(r => (T)Expected(f, r, stringKey)!).ToArray();
        T[] Nullable<T>(string f, out bool[] valid) where T : struct
        {
            valid = R().Select(r => Expected(f, r) != null).ToArray();
            return R().Select(r => Expected(f, r) is T v ? v : default).ToArray();
        }
        if (stringKey) b.Column("id", R().Select(r => (string)Expected("id", r, true)!).ToArray());
        else b.Column("id", Col<long>("id"));
        b.Column("flag", Nullable<bool>("flag", out var vFlag), vFlag);
        b.Column("i8", Col<sbyte>("i8"));
        b.Column("i16", Nullable<short>("i16", out var v16), v16);
        b.Column("i32", Col<int>("i32"));
        b.Column("i64", Nullable<long>("i64", out var v64), v64);
        b.Column("f32", Col<float>("f32"));
        b.Column("f64", Nullable<double>("f64", out var vd), vd);
        b.Column("title", R().Select(r => (string?)Expected("title", r)).ToArray());
        b.Column("meta", R().Select(r => (string?)Expected("meta", r)).ToArray());
        b.Column("tags", R().Select(r => (string[]?)Expected("tags", r)).ToArray());
        b.Column("scores", R().Select(r => (long[])Expected("scores", r)!).ToArray());
        b.Column("vec", R().SelectMany(r => (float[])Expected("vec", r)!).ToArray());
        foreach (var f in new[] { "half", "bf16", "i8v", "bits" }) b.Column(f, R().SelectMany(r => (byte[])Expected(f, r)!).ToArray());
        b.Timestamps(R().Select(r => (ulong)(r << 18)).ToArray());
        return b.Build();
    }

    private static void AssertRow(SegmentReader reader, long r, bool stringKey = false)
    {
        foreach (var f in reader.Schema.Fields)
        {
            var expected = Expected(f.Name, r, stringKey);
            var actual = reader.GetValue(f.Name, r);
            if (expected is System.Collections.IEnumerable e && expected is not string)
                Assert.Equal(e.Cast<object>(), ((System.Collections.IEnumerable)actual!).Cast<object>());
            else
                Assert.Equal(expected, actual);
            Assert.Equal(expected is null, reader.IsNull(f.Name, r));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryTypeRoundTripsWithNulls(bool stringKey)
    {
        using var dir = new ScratchDirectory("test");
        var schema = AllTypes(stringKey);
        string path = dir.File("insert_0.arrow");
        var info = SegmentWriter.Write(path, schema, [Batch(schema, 0, 1000, stringKey), Batch(schema, 1000, 0, stringKey), Batch(schema, 1000, 37, stringKey)]);
        Assert.Equal(1037, info.Rows);
        Assert.Equal(new FileInfo(path).Length, info.Size);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        using var reader = SegmentReader.Open(path, info);
        Assert.Equal(1037, reader.RowCount);
        Assert.Equal(3, reader.BatchCount);
        Assert.Equal(schema.Fields, reader.Schema.Fields);
        for (long r = 0; r < 1037; r++) AssertRow(reader, r, stringKey);
        Assert.Equal(1036UL << 18, reader.Timestamps(2)[36]);
        Assert.Equal(Expected("i32", 1001), (object)reader.Values<int>("i32", 2)[1]);
    }

    [Fact]
    public void EmptySegmentRoundTrips()
    {
        using var dir = new ScratchDirectory("test");
        var schema = AllTypes();
        var info = SegmentWriter.Write(dir.File("empty.arrow"), schema, []);
        using var reader = SegmentReader.Open(dir.File("empty.arrow"), info);
        Assert.Equal(0, reader.RowCount);
        Assert.Equal(schema.Fields, reader.Schema.Fields);
        var stats = SegmentStats.Compute(reader);
        Assert.Null(stats.MinKey);
        Assert.False(stats.MayContain(1));
    }

    [Fact]
    public unsafe void VectorsAreSpansIntoTheMapping()
    {
        using var dir = new ScratchDirectory("test");
        var schema = AllTypes();
        var info = SegmentWriter.Write(dir.File("s.arrow"), schema, [Batch(schema, 0, 500), Batch(schema, 500, 300)]);
        using var reader = SegmentReader.Open(dir.File("s.arrow"), info);
        var (start, length) = reader.Mapping;
        for (int b = 0; b < reader.BatchCount; b++)
        {
            var vectors = reader.FloatVectors("vec", b);
            Assert.Equal(reader.Batch(b).Length * 12, vectors.Length);
            nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(vectors));
            Assert.InRange(p, start, start + length - vectors.Length * 4);
            Assert.Equal(Expected("vec", reader.BatchStart(b) + 3), vectors.Slice(3 * 12, 12).ToArray());
            var packed = reader.PackedVectors("bits", b);
            nint q = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(packed));
            Assert.InRange(q, start, start + length - packed.Length);
            var ids = reader.Values<long>("id", b);
            nint k = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(ids));
            Assert.InRange(k, start, start + length);
        }
    }

    [Fact]
    public void AFlippedByteAnywhereIsDetected()
    {
        using var dir = new ScratchDirectory("test");
        var schema = AllTypes();
        string path = dir.File("s.arrow");
        var info = SegmentWriter.Write(path, schema, [Batch(schema, 0, 200)]);
        var original = File.ReadAllBytes(path);
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            var bytes = (byte[])original.Clone();
            int at = random.Next(bytes.Length);
            bytes[at] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => SegmentReader.Open(path, info));
            Assert.Contains("corrupt", e.Message);
        }
        File.WriteAllBytes(path, original[..^10]);
        Assert.Contains("bytes", Assert.Throws<InvalidDataException>(() => SegmentReader.Open(path, info)).Message);
        File.WriteAllBytes(path, original);
        using var ok = SegmentReader.Open(path, info);
        Assert.Equal(200, ok.RowCount);
    }

    [Fact]
    public void AFileThatIsNotASegmentIsRefused()
    {
        using var dir = new ScratchDirectory("test");
        File.WriteAllBytes(dir.File("junk.arrow"), new byte[100]);
        Assert.Contains("Arrow", Assert.Throws<InvalidDataException>(() => SegmentReader.Open(dir.File("junk.arrow"))).Message);
    }

    [Fact]
    public void BadColumnsAreRefusedWithTheFieldName()
    {
        var schema = AllTypes();
        var b = new SegmentBatchBuilder(schema, 3);
        Assert.Contains("'i32' has 2 values", Assert.Throws<ArgumentException>(() => b.Column("i32", new int[2])).Message);
        Assert.Contains("Int32[]", Assert.Throws<ArgumentException>(() => b.Column("i64", new int[3])).Message);
        Assert.Contains("not nullable", Assert.Throws<ArgumentException>(() => b.Column("i32", new int[3], [true, false, true])).Message);
        Assert.Contains("'meta' row 1: not valid JSON", Assert.Throws<ArgumentException>(() => b.Column("meta", new[] { "{}", "{oops", null })).Message);
        Assert.Contains("expected 36", Assert.Throws<ArgumentException>(() => b.Column("vec", new float[35])).Message);
        Assert.Contains("no field 'nope'", Assert.Throws<ArgumentException>(() => b.Column("nope", new int[3])).Message);
        Assert.Contains("row 0 has no value", Assert.Throws<ArgumentException>(() => b.Column("scores", new long[]?[] { null, [], [] })).Message);
        Assert.Contains("'f32' was not set", Assert.Throws<InvalidOperationException>(() =>
        {
            var c = new SegmentBatchBuilder(schema, 0).Timestamps([]);
            foreach (var f in schema.Fields.Where(f => f.Name != "f32"))
                c.Column(f.Name, f.Type switch
                {
                    FieldType.Bool => new bool[0], FieldType.Int8 => new sbyte[0], FieldType.Int16 => new short[0], FieldType.Int32 => new int[0],
                    FieldType.Int64 => new long[0], FieldType.Double => new double[0], FieldType.VarChar or FieldType.Json => new string[0],
                    FieldType.Array => new long[0][], FieldType.FloatVector => new float[0], _ => new byte[0],
                });
            c.Build();
        }).Message);
    }

    [Fact]
    public void BadSchemasAreRefused()
    {
        Assert.Contains("exactly one primary key", Assert.Throws<ArgumentException>(() => new SegmentSchema([new SegmentField("a", FieldType.Int64)])).Message);
        Assert.Contains("multiple of 8", Assert.Throws<ArgumentException>(() => new SegmentField("b", FieldType.BinaryVector, Dim: 12).Validate()).Message);
        Assert.Contains("dim 0", Assert.Throws<ArgumentException>(() => new SegmentField("v", FieldType.FloatVector).Validate()).Message);
        Assert.Contains("primary key", Assert.Throws<ArgumentException>(() => new SegmentField("k", FieldType.Double, IsPrimaryKey: true).Validate()).Message);
        Assert.Contains("[A-Za-z_]", Assert.Throws<ArgumentException>(() => new SegmentField("1x", FieldType.Int64).Validate()).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => new SegmentSchema([new SegmentField("id", FieldType.Int64, IsPrimaryKey: true), new SegmentField("_ts", FieldType.Int64)])).Message);
        Assert.Contains("element type", Assert.Throws<ArgumentException>(() => new SegmentField("a", FieldType.Array, ElementType: FieldType.Json).Validate()).Message);
    }

    [Fact]
    public void DeleteLogsRoundTrip()
    {
        using var dir = new ScratchDirectory("test");
        var info = DeleteLog.Write(dir.File("d0.arrow"), new SegmentField("id", FieldType.Int64, IsPrimaryKey: true), new long[] { 5, 9, -3 }, [10, 20, 30]);
        Assert.Equal(SegmentFileKind.Delta, info.Kind);
        var read = DeleteLog.Read(dir.File("d0.arrow"), info);
        Assert.Equal(new long[] { 5, 9, -3 }, read.Int64Keys);
        Assert.Equal(new ulong[] { 10, 20, 30 }, read.Timestamps);
        var sinfo = DeleteLog.Write(dir.File("d1.arrow"), new SegmentField("pk", FieldType.VarChar, IsPrimaryKey: true), new[] { "a", "bb" }, [1, 2]);
        var sread = DeleteLog.Read(dir.File("d1.arrow"), sinfo);
        Assert.Equal(new[] { "a", "bb" }, sread.StringKeys);
        Assert.Null(sread.Int64Keys);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StatsFindEveryKeyAndRejectMostOthers(bool stringKey)
    {
        using var dir = new ScratchDirectory("test");
        var schema = AllTypes(stringKey);
        var info = SegmentWriter.Write(dir.File("s.arrow"), schema, [Batch(schema, 0, 3000, stringKey)]);
        using var reader = SegmentReader.Open(dir.File("s.arrow"), info);
        var stats = SegmentStats.Compute(reader);
        var statsInfo = stats.Write(dir.File("stats.bin"));
        var back = SegmentStats.Decode(File.ReadAllBytes(dir.File("stats.bin")));
        Assert.Equal(3000, back.Rows);
        Assert.Equal(statsInfo.Size, new FileInfo(dir.File("stats.bin")).Length);
        int falsePositives = 0;
        for (long r = 0; r < 3000; r++)
        {
            if (stringKey)
            {
                Assert.True(back.MayContain((string)Expected("id", r, true)!));
                if (back.MayContain($"key-{r:D6}x")) falsePositives++;
            }
            else
            {
                Assert.True(back.MayContain((long)Expected("id", r)!));
                if (back.MayContain(r * 3 + 2)) falsePositives++; // inside [min, max], never inserted
            }
        }
        Assert.True(falsePositives < 30, $"{falsePositives} false positives in 3000 (designed for 0.1%)");
        Assert.Equal(stringKey ? "key-000000" : 1L, back.MinKey);
        Assert.Equal(stringKey ? "key-002999" : 2999L * 3 + 1, back.MaxKey);
        Assert.Equal((0.0, 2999 * 0.5), back.NumericRanges["f32"]);
        Assert.False(back.NumericRanges.ContainsKey("title"));
        var bytes = File.ReadAllBytes(dir.File("stats.bin"));
        bytes[bytes.Length / 2] ^= 4;
        Assert.Contains("CRC-32C", Assert.Throws<InvalidDataException>(() => SegmentStats.Decode(bytes)).Message);
    }

    [Fact]
    public void ManifestRoundTripsAndRefusesCorruption()
    {
        using var dir = new ScratchDirectory("test");
        var m = new SegmentManifest(1, 2, 3, 1037, [new SegmentFileInfo("insert_0.arrow", 12345, 0xDEADBEEF, 1037), new SegmentFileInfo("stats.bin", 99, 7, 1037, SegmentFileKind.Stats)]);
        m.Write(dir.Path);
        var back = SegmentManifest.Read(dir.Path);
        Assert.Equal(m.Files, back.Files);
        Assert.Equal((1L, 2L, 3L, 1037L), (back.CollectionId, back.PartitionId, back.SegmentId, back.Rows));
        Assert.Equal(0xDEADBEEF, back["insert_0.arrow"].Crc32C);
        var bytes = File.ReadAllBytes(dir.File(SegmentManifest.FileName));
        bytes[20] ^= 1;
        Assert.Contains("corrupt", Assert.Throws<InvalidDataException>(() => SegmentManifest.Decode(bytes)).Message);
        Assert.Contains("never completely written", Assert.Throws<FileNotFoundException>(() => SegmentManifest.Read(dir.File("nothing"))).Message);
    }
}
