using System.Globalization;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Array = System.Array;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// Seeded collections for filter tests: a schema with every filterable type (nullable and not, a JSON field,
/// Array fields, a dynamic field) and rows chosen to hit edges — small integers that meet the constants, type
/// extremes, NaN/±∞/−0, multi-byte and like-special characters, JSON documents with missing keys, JSON null,
/// mixed types and nested arrays, empty arrays — cut into batches of given lengths.
/// </summary>
internal static class FilterData
{
    public static readonly string[] Alphabet = ["a", "b", "ab", "é", "日", "😀", "%", "_", "\\", "A", "z", " "];

    public static CollectionSchema Schema(bool dynamic = true, Func<FieldSchema, bool>? keep = null)
    {
        var fields = new List<FieldSchema>
        {
            new("id", FieldType.Int64) { IsPrimaryKey = true },
            new("vec", FieldType.FloatVector) { Dim = 2 },
            new("b", FieldType.Bool) { Nullable = true },
            new("i8", FieldType.Int8),
            new("i16", FieldType.Int16) { Nullable = true },
            new("i32", FieldType.Int32),
            new("i64", FieldType.Int64) { Nullable = true },
            new("f", FieldType.Float) { Nullable = true },
            new("d", FieldType.Double),
            new("s", FieldType.VarChar) { MaxLength = 64, Nullable = true },
            new("t", FieldType.VarChar) { MaxLength = 64 },
            new("j", FieldType.Json) { Nullable = true },
            new("ai", FieldType.Array) { ElementType = FieldType.Int64, MaxCapacity = 8, Nullable = true },
            new("a8", FieldType.Array) { ElementType = FieldType.Int8, MaxCapacity = 8 },
            new("ad", FieldType.Array) { ElementType = FieldType.Double, MaxCapacity = 8 },
            new("as", FieldType.Array) { ElementType = FieldType.VarChar, MaxCapacity = 8, MaxLength = 16 },
            new("ab", FieldType.Array) { ElementType = FieldType.Bool, MaxCapacity = 8 },
        };
        if (keep is not null) fields = fields.Where(f => f.IsPrimaryKey || f.IsVector || keep(f)).ToList();
        return new CollectionSchema("c", fields) { EnableDynamicField = dynamic };
    }

    /// <summary>Rows for <paramref name="schema"/> cut into batches of <paramref name="lengths"/> rows.</summary>
    public static List<RecordBatch> Batches(CollectionSchema schema, int seed, params int[] lengths)
    {
        var rng = new Random(seed);
        var segment = schema.ToSegmentSchema();
        var batches = new List<RecordBatch>();
        long nextId = 0;
        foreach (int n in lengths)
        {
            var b = new SegmentBatchBuilder(segment, n).Timestamps(Enumerable.Repeat(1UL, n).ToArray());
            foreach (var f in segment.Fields)
            {
                bool[]? valid = f.Nullable && f.Type is not (FieldType.VarChar or FieldType.Json or FieldType.Array)
                    ? Enumerable.Range(0, n).Select(_ => rng.Next(6) != 0).ToArray()
                    : null;
                Array column = f.Type switch
                {
                    FieldType.Int64 when f.IsPrimaryKey => Enumerable.Range(0, n).Select(_ => nextId++).ToArray(),
                    FieldType.FloatVector => new float[n * f.Dim],
                    FieldType.Bool => Col(n, () => rng.Next(2) == 0),
                    FieldType.Int8 => Col(n, () => (sbyte)Int(rng, sbyte.MinValue, sbyte.MaxValue)),
                    FieldType.Int16 => Col(n, () => (short)Int(rng, short.MinValue, short.MaxValue)),
                    FieldType.Int32 => Col(n, () => (int)Int(rng, int.MinValue, int.MaxValue)),
                    FieldType.Int64 => Col(n, () => Int(rng, long.MinValue, long.MaxValue)),
                    FieldType.Float => Col(n, () => (float)Real(rng)),
                    FieldType.Double => Col(n, () => Real(rng)),
                    FieldType.VarChar => Col(n, () => f.Nullable && rng.Next(6) == 0 ? null : Str(rng)),
                    FieldType.Json => Col(n, () => f.Nullable && rng.Next(8) == 0 ? null : f.Name == SegmentField.DynamicFieldName ? Meta(rng) : Json(rng)),
                    FieldType.Array => ArrayColumn(rng, f, n),
                    _ => throw new ArgumentException(f.Type.ToString()),
                };
                b.Column(f.Name, column, valid);
            }
            batches.Add(b.Build());
        }
        return batches;
    }

    private static T[] Col<T>(int n, Func<T> next)
    {
        var a = new T[n];
        for (int i = 0; i < n; i++) a[i] = next();
        return a;
    }

    /// <summary>Mostly −6..6 (so constants hit), sometimes the type's extremes.</summary>
    public static long Int(Random rng, long min, long max) => rng.Next(20) switch
    {
        0 => min,
        1 => max,
        2 => rng.NextInt64(min, max),
        _ => rng.Next(-6, 7),
    };

    public static double Real(Random rng) => rng.Next(40) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => -0.0,
        4 => 1e300,
        5 => 0.1,
        < 20 => rng.Next(-6, 7),
        _ => Math.Round(rng.NextDouble() * 12 - 6, 2),
    };

    public static string Str(Random rng)
    {
        int len = rng.Next(0, 5);
        var sb = new StringBuilder();
        for (int i = 0; i < len; i++) sb.Append(Alphabet[rng.Next(Alphabet.Length)]);
        return sb.ToString();
    }

    private static Array ArrayColumn(Random rng, SegmentField f, int n)
    {
        int Len() => rng.Next(0, 5);
        return f.ElementType switch
        {
            FieldType.Int64 => Col(n, () => f.Nullable && rng.Next(6) == 0 ? null : Col(Len(), () => (long)rng.Next(-4, 5))),
            FieldType.Int8 => Col(n, () => (sbyte[]?)Col(Len(), () => (sbyte)Int(rng, sbyte.MinValue, sbyte.MaxValue))),
            FieldType.Double => Col(n, () => (double[]?)Col(Len(), () => Real(rng))),
            FieldType.VarChar => Col(n, () => (string[]?)Col(Len(), () => Str(rng))),
            FieldType.Bool => Col(n, () => (bool[]?)Col(Len(), () => rng.Next(2) == 0)),
            _ => throw new ArgumentException(f.ElementType.ToString()),
        };
    }

    /// <summary>A JSON document for the field <c>j</c>: keys a (number), s (string), arr, n (nested), flag, x (any type).</summary>
    public static string Json(Random rng)
    {
        if (rng.Next(15) == 0) return rng.Next(3) switch { 0 => "null", 1 => "[1,2]", _ => "5" };
        var parts = new List<string>();
        void Key(string k, string v) { if (rng.Next(5) != 0) parts.Add($"\"{k}\":{v}"); }
        Key("a", JsonNumber(rng));
        Key("s", JsonString(rng));
        Key("arr", JsonArray(rng, 0));
        Key("n", $"{{\"k\":{JsonAny(rng, 1)},\"v\":{JsonNumber(rng)}}}");
        Key("flag", rng.Next(2) == 0 ? "true" : "false");
        Key("x", JsonAny(rng, 0));
        if (rng.Next(10) == 0) parts.Add("\"a\":\"dup\""); // a duplicate key: the first one counts
        return "{" + string.Join(",", parts) + "}";
    }

    /// <summary>A <c>$meta</c> document: dynamic keys color, price, tags, qty, extra.</summary>
    public static string Meta(Random rng)
    {
        var parts = new List<string>();
        void Key(string k, string v) { if (rng.Next(4) != 0) parts.Add($"\"{k}\":{v}"); }
        Key("color", rng.Next(6) == 0 ? JsonAny(rng, 1) : JsonString(rng));
        Key("price", rng.Next(6) == 0 ? JsonAny(rng, 1) : JsonNumber(rng));
        Key("tags", JsonArray(rng, 0));
        Key("qty", rng.Next(-3, 4).ToString(CultureInfo.InvariantCulture));
        Key("extra", JsonAny(rng, 0));
        return "{" + string.Join(",", parts) + "}";
    }

    private static string JsonNumber(Random rng) => rng.Next(8) switch
    {
        0 => "1.0",
        1 => "2.5",
        2 => "-0.0",
        3 => "1e3",
        4 => "9223372036854775807",
        5 => "1e400", // beyond double: not a usable number
        _ => rng.Next(-5, 6).ToString(CultureInfo.InvariantCulture),
    };

    private static string JsonString(Random rng) => rng.Next(8) == 0
        ? "\"\\u00e9\\\"q\""  // escaped: é"q
        : JsonSerializer.Serialize(Str(rng));

    private static string JsonArray(Random rng, int depth)
    {
        int len = rng.Next(0, 4);
        return "[" + string.Join(",", Enumerable.Range(0, len).Select(_ => JsonAny(rng, depth + 1))) + "]";
    }

    private static string JsonAny(Random rng, int depth) => rng.Next(depth >= 2 ? 5 : 7) switch
    {
        0 => JsonNumber(rng),
        1 => JsonString(rng),
        2 => rng.Next(2) == 0 ? "true" : "false",
        3 => "null",
        4 => rng.Next(-2, 3).ToString(CultureInfo.InvariantCulture),
        5 => JsonArray(rng, depth),
        _ => "{\"k\":" + rng.Next(3).ToString(CultureInfo.InvariantCulture) + "}",
    };

    /// <summary>The row indices a bitset sets, for readable assertion messages.</summary>
    public static int[] Rows(Quiver.Kernel.Bits.Bitset bits)
    {
        var rows = new List<int>();
        foreach (int i in bits.SetBits) rows.Add(i);
        return rows.ToArray();
    }
}
