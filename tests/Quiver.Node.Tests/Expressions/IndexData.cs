using System.Globalization;
using System.Text;
using Apache.Arrow;
using Quiver.Node.Expressions;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;
using Array = System.Array;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// Seeded segments for scalar-index tests: every indexable type (Int8..Int64, Float, Double, VarChar, Bool, Arrays
/// of those), nullable or not, with values either full of duplicates (a few small numbers, type extremes, NaN, ±∞,
/// −0, a dozen unicode words) or all distinct, cut into batches of odd lengths; and the filter texts that probe
/// them — every leaf an index answers, against constants taken from the data and around it.
/// </summary>
internal sealed class IndexData
{
    public static readonly string[] Words = ["", "a", "ab", "abc", "b", "é", "éa", "日", "日本", "😀", "%", "_", "A", "z", "a b", "a\\"];

    public static readonly string[] Numeric = ["i8", "i16", "i32", "i64", "f", "d"];

    public static readonly string[] Arrays = ["ai", "a16", "af", "ad", "as", "ab"];

    public static readonly Dictionary<string, object?> Templates = new()
    {
        ["nan"] = double.NaN,
        ["inf"] = double.PositiveInfinity,
        ["ninf"] = double.NegativeInfinity,
        ["nans"] = new object[] { double.NaN, 1L },
    };

    private readonly Random _rng;

    public IndexData(int seed, bool nullable, bool distinct, params int[] lengths)
    {
        _rng = new Random(seed);
        Schema = MakeSchema(nullable);
        Segment = Schema.ToSegmentSchema();
        int rows = lengths.Sum();
        Distinct = distinct;
        foreach (var f in Segment.Fields)
        {
            if (f.IsPrimaryKey || f.Type.IsVector()) continue;
            var column = new object?[rows];
            for (int r = 0; r < rows; r++)
                column[r] = f.Nullable && _rng.Next(6) == 0 ? null : f.Type == FieldType.Array ? ArrayValue(f.ElementType, r) : Value(f.Type, r);
            Values[f.Name] = column;
        }
        int at = 0;
        foreach (int n in lengths)
        {
            var b = new SegmentBatchBuilder(Segment, n).Timestamps(new ulong[n]);
            b.Column("id", Enumerable.Range(at, n).Select(i => (long)i).ToArray());
            b.Column("vec", new float[n * 2]);
            foreach (var (name, column) in Values)
            {
                var f = Segment[name];
                var slice = column[at..(at + n)];
                bool[]? valid = f.Nullable && f.Type is not (FieldType.VarChar or FieldType.Array) ? slice.Select(v => v is not null).ToArray() : null;
                b.Column(name, Typed(f, slice), valid);
            }
            Batches.Add(b.Build());
            at += n;
        }
    }

    public CollectionSchema Schema { get; }

    public SegmentSchema Segment { get; }

    public bool Distinct { get; }

    public List<RecordBatch> Batches { get; } = [];

    /// <summary>Each field's row values (null for a null row; arrays as object[]).</summary>
    public Dictionary<string, object?[]> Values { get; } = [];

    public static CollectionSchema MakeSchema(bool nullable) => new("ix",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = 2 },
        new FieldSchema("i8", FieldType.Int8) { Nullable = nullable },
        new FieldSchema("i16", FieldType.Int16) { Nullable = nullable },
        new FieldSchema("i32", FieldType.Int32) { Nullable = nullable },
        new FieldSchema("i64", FieldType.Int64) { Nullable = nullable },
        new FieldSchema("f", FieldType.Float) { Nullable = nullable },
        new FieldSchema("d", FieldType.Double) { Nullable = nullable },
        new FieldSchema("s", FieldType.VarChar) { MaxLength = 64, Nullable = nullable },
        new FieldSchema("b", FieldType.Bool) { Nullable = nullable },
        new FieldSchema("ai", FieldType.Array) { ElementType = FieldType.Int64, MaxCapacity = 8, Nullable = nullable },
        new FieldSchema("a16", FieldType.Array) { ElementType = FieldType.Int16, MaxCapacity = 8, Nullable = nullable },
        new FieldSchema("af", FieldType.Array) { ElementType = FieldType.Float, MaxCapacity = 8, Nullable = nullable },
        new FieldSchema("ad", FieldType.Array) { ElementType = FieldType.Double, MaxCapacity = 8, Nullable = nullable },
        new FieldSchema("as", FieldType.Array) { ElementType = FieldType.VarChar, MaxCapacity = 8, MaxLength = 16, Nullable = nullable },
        new FieldSchema("ab", FieldType.Array) { ElementType = FieldType.Bool, MaxCapacity = 8, Nullable = nullable },
    ]);

    /// <summary>The index types that take a field, in a fixed order.</summary>
    public static string[] TypesFor(SegmentField f) =>
        new[] { ScalarIndex.StlSort, ScalarIndex.Inverted, ScalarIndex.Bitmap, ScalarIndex.Trie, ScalarIndex.AutoIndex }
            .Where(t => ScalarIndex.Supports(t, f.Type, f.ElementType, out _)).ToArray();

    /// <summary>An index on every indexable field, the <paramref name="variant"/>-th supported type of each (cycling).</summary>
    public Dictionary<string, ScalarIndex> Indexes(int variant)
    {
        var indexes = new Dictionary<string, ScalarIndex>();
        for (int c = 0; c < Segment.Fields.Count; c++)
        {
            var f = Segment.Fields[c];
            var types = TypesFor(f);
            if (types.Length == 0 || f.IsPrimaryKey) continue;
            indexes[f.Name] = ScalarIndex.Build(types[(variant + c) % types.Length], f, Batches, c);
        }
        return indexes;
    }

    // ---- values ----

    private object Value(FieldType t, int row)
    {
        if (!Distinct) return t switch
        {
            FieldType.Int8 => (sbyte)Small(sbyte.MinValue, sbyte.MaxValue),
            FieldType.Int16 => (short)Small(short.MinValue, short.MaxValue),
            FieldType.Int32 => (int)Small(int.MinValue, int.MaxValue),
            FieldType.Int64 => Small(long.MinValue, long.MaxValue),
            FieldType.Float => (float)Real(),
            FieldType.Double => Real(),
            FieldType.VarChar => Words[_rng.Next(Words.Length)],
            _ => _rng.Next(2) == 0,
        };
        return t switch
        {
            FieldType.Int8 => (sbyte)(row - 128), // wraps past 256 rows: distinct as far as Int8 allows
            FieldType.Int16 => (short)(row * 3 - 3000),
            FieldType.Int32 => row * 7919 - 1_000_000,
            FieldType.Int64 => row == 5 ? long.MaxValue : row == 6 ? long.MinValue : row * 104_729L - 1_000_000_000,
            FieldType.Float => row == 3 ? float.NaN : row * 0.375f - 100,
            FieldType.Double => row == 3 ? double.NaN : row == 4 ? double.NegativeInfinity : row * 0.37 - 100,
            FieldType.VarChar => Words[row % Words.Length] + row.ToString(CultureInfo.InvariantCulture) + (row % 3 == 0 ? "é" : ""),
            _ => row % 2 == 0,
        };
    }

    private object[] ArrayValue(FieldType element, int row)
    {
        int n = _rng.Next(0, 5);
        var a = new object[n];
        for (int i = 0; i < n; i++) a[i] = Distinct ? Value(element, row * 5 + i) : Value(element, 0);
        return a;
    }

    private long Small(long min, long max) => _rng.Next(20) switch
    {
        0 => min,
        1 => max,
        _ => _rng.Next(-4, 5),
    };

    private double Real() => _rng.Next(24) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => -0.0,
        4 => 0.1,
        5 => 1e300,
        _ => _rng.Next(-6, 7) / 2.0,
    };

    private static Array Typed(SegmentField f, object?[] v) => f.Type switch
    {
        FieldType.Int8 => v.Select(x => (sbyte)(x ?? (sbyte)0)).ToArray(),
        FieldType.Int16 => v.Select(x => (short)(x ?? (short)0)).ToArray(),
        FieldType.Int32 => v.Select(x => (int)(x ?? 0)).ToArray(),
        FieldType.Int64 => v.Select(x => (long)(x ?? 0L)).ToArray(),
        FieldType.Float => v.Select(x => (float)(x ?? 0f)).ToArray(),
        FieldType.Double => v.Select(x => (double)(x ?? 0.0)).ToArray(),
        FieldType.VarChar => v.Select(x => (string?)x).ToArray(),
        FieldType.Bool => v.Select(x => (bool)(x ?? false)).ToArray(),
        _ => f.ElementType switch
        {
            FieldType.Int64 => v.Select(x => (long[]?)(x as object[])?.Cast<long>().ToArray()).ToArray(),
            FieldType.Int16 => v.Select(x => (short[]?)(x as object[])?.Cast<short>().ToArray()).ToArray(),
            FieldType.Float => v.Select(x => (float[]?)(x as object[])?.Cast<float>().ToArray()).ToArray(),
            FieldType.Double => v.Select(x => (double[]?)(x as object[])?.Cast<double>().ToArray()).ToArray(),
            FieldType.VarChar => v.Select(x => (string[]?)(x as object[])?.Cast<string>().ToArray()).ToArray(),
            _ => v.Select(x => (bool[]?)(x as object[])?.Cast<bool>().ToArray()).ToArray(),
        },
    };

    // ---- filter text ----

    private static readonly string[] Ops = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>A number as filter text (a double keeps a '.' or exponent so it stays a float); null for NaN/±∞.</summary>
    public static string? Num(object v) => v switch
    {
        double d when !double.IsFinite(d) => null,
        float f when !float.IsFinite(f) => null,
        double d => Fractional(d.ToString("R", CultureInfo.InvariantCulture)),
        float f => Fractional(((double)f).ToString("R", CultureInfo.InvariantCulture)),
        long l when l == long.MinValue => "(-9223372036854775807 - 1)", // no literal for it: folded
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    };

    private static string Fractional(string s) => s.Contains('.') || s.Contains('E') ? s : s + ".0";

    public static string Str(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>A like literal: % and _ escaped.</summary>
    public static string LikeLiteral(string s) => s.Replace("\\", "\\\\\\\\").Replace("%", "\\\\%").Replace("_", "\\\\_").Replace("\"", "\\\"");

    /// <summary>Constants for a numeric field: values from its rows, their neighbours, and out-of-range/float edges.</summary>
    public List<string> NumberConstants(string field, int sample)
    {
        var seen = Values[field].Where(v => v is not null).Select(v => Num(v!)).OfType<string>().Distinct().ToList();
        var picks = Enumerable.Range(0, Math.Min(sample, seen.Count)).Select(_ => seen[_rng.Next(seen.Count)]).ToList();
        picks.AddRange(["0", "1", "-1", "2.5", "-0.5", "-0.0", "0.1", "127", "-128", "128", "32768", "-2147483649", "1000", "1e300", "-1e300",
            "9223372036854775807", "-9223372036854775807", "9.3e18", "-9.3e18"]);
        return picks.Distinct().ToList();
    }

    public List<string> StringConstants(int sample)
    {
        var seen = Values["s"].OfType<string>().Distinct().ToList();
        var picks = Enumerable.Range(0, Math.Min(sample, seen.Count)).Select(_ => Str(seen[_rng.Next(seen.Count)])).ToList();
        picks.AddRange(Words.Select(Str));
        picks.Add(Str("\uFFFF"));
        picks.Add(Str("a\u0000"));
        return picks.Distinct().ToList();
    }

    /// <summary>Every leaf the indexes answer, on every indexable field, with constants from the data.</summary>
    public IEnumerable<string> Leaves(int sample)
    {
        foreach (string x in Numeric)
        {
            var cs = NumberConstants(x, sample);
            foreach (string c in cs)
                foreach (string op in Ops) yield return $"{x} {op} {c}";
            for (int k = 0; k < sample; k++)
            {
                string lo = cs[_rng.Next(cs.Count)], hi = cs[_rng.Next(cs.Count)];
                yield return $"{lo} {Pick(["<", "<="])} {x} {Pick(["<", "<="])} {hi}";
                yield return $"{hi} {Pick([">", ">="])} {x} {Pick([">", ">="])} {lo}";
                string list = string.Join(", ", Enumerable.Range(0, _rng.Next(1, 20)).Select(_ => cs[_rng.Next(cs.Count)]));
                yield return $"{x} in [{list}]";
                yield return $"{x} not in [{list}]";
            }
            yield return $"{x} in []";
            yield return $"{x} == {{nan}}";
            yield return $"{x} != {{nan}}";
            yield return $"{x} < {{inf}}";
            yield return $"{x} >= {{ninf}}";
            yield return $"{x} in {{nans}}";
            yield return $"{x} is null";
            yield return $"{x} is not null";
        }
        var ss = StringConstants(sample);
        foreach (string c in ss)
            foreach (string op in Ops) yield return $"s {op} {c}";
        for (int k = 0; k < sample; k++)
        {
            string list = string.Join(", ", Enumerable.Range(0, _rng.Next(1, 20)).Select(_ => ss[_rng.Next(ss.Count)]));
            yield return $"s in [{list}]";
            yield return $"s not in [{list}]";
        }
        foreach (string w in Words.Concat(Values["s"].OfType<string>().Take(sample)))
        {
            yield return $"s like \"{LikeLiteral(w)}%\"";
            yield return $"s like \"{LikeLiteral(w)}\"";
            yield return $"not (s like \"{LikeLiteral(w)}%\")";
        }
        yield return "s in []";
        yield return "s is null";
        yield return "s is not null";
        foreach (string b in (string[])["b", "not b", "b == true", "b == false", "b != false", "b is null", "b is not null", "b in [true]"]) yield return b;
        foreach (string a in Arrays)
        {
            var field = Segment[a];
            var elements = Values[a].OfType<object[]>().SelectMany(e => e).ToList();
            List<string> cs = field.ElementType switch
            {
                FieldType.VarChar => [.. elements.Cast<string>().Distinct().Take(sample).Select(Str), Str("zz"), Str("")],
                FieldType.Bool => ["true", "false"],
                _ => [.. elements.Select(Num).OfType<string>().Distinct().Take(sample), "2.0", "2.5", "-0.0", "1e300", "40000", "9223372036854775807"],
            };
            foreach (string c in cs) yield return $"array_contains({a}, {c})";
            for (int k = 0; k < sample; k++)
            {
                string list = string.Join(", ", Enumerable.Range(0, _rng.Next(0, 4)).Select(_ => cs[_rng.Next(cs.Count)]));
                yield return $"array_contains_any({a}, [{list}])";
                yield return $"array_contains_all({a}, [{list}])";
                yield return $"not array_contains_all({a}, [{list}])";
            }
            yield return $"{a} is null";
        }
    }

    /// <summary>A random filter over indexable leaves joined by and/or/not (and the odd scanned leaf).</summary>
    public string Random(int depth)
    {
        if (depth > 0 && _rng.Next(3) != 0)
        {
            return _rng.Next(3) switch
            {
                0 => $"({Random(depth - 1)}) and ({Random(depth - 1)})",
                1 => $"({Random(depth - 1)}) or ({Random(depth - 1)})",
                _ => $"not ({Random(depth - 1)})",
            };
        }
        if (_rng.Next(10) == 0) return Pick(["i64 % 3 == 1", "s like \"%a%\"", "d * 2 > 1", "array_length(ai) > 1", "i8 > i16"]);
        _leaves ??= Leaves(4).ToList();
        return _leaves[_rng.Next(_leaves.Count)];
    }

    private List<string>? _leaves;

    private string Pick(string[] options) => options[_rng.Next(options.Length)];
}
