using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Array = System.Array;
using Quiver.Node.Expressions;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// The oracle for <see cref="FilterPlan"/>: interprets the syntax tree one row at a time over boxed values read
/// with <see cref="ArrowValues.Read"/>, JSON through <see cref="JsonDocument"/>, exact number comparisons through
/// <see cref="BigInteger"/>, like through a dynamic-programming matcher over code points — written plainly from
/// the documented semantics, sharing no code with the plan. Values are null (UNKNOWN / null / missing), long,
/// double, string, bool, a JSON array/object (<see cref="JsonElement"/>), an Array field's elements, or a list.
/// Expressions are assumed well typed (the plan rejects the rest).
/// </summary>
internal sealed class ReferenceFilter(CollectionSchema schema, IReadOnlyDictionary<string, object?>? templates = null)
{
    private sealed record Row(Dictionary<string, object?> Values);

    /// <summary>A JSON value that is not a plain scalar: an array, an object, or a number no double holds.</summary>
    private sealed record JsonComposite(JsonElement Element);

    public bool[] Evaluate(string expression, IReadOnlyList<RecordBatch> batches, SegmentSchema segment)
    {
        var result = new List<bool>();
        Expr? tree = string.IsNullOrWhiteSpace(expression) ? null : ExpressionParser.Parse(expression);
        foreach (var batch in batches)
        {
            for (int r = 0; r < batch.Length; r++)
            {
                if (tree is null)
                {
                    result.Add(true);
                    continue;
                }
                var values = new Dictionary<string, object?>();
                for (int c = 0; c < segment.Fields.Count; c++)
                {
                    var f = segment.Fields[c];
                    if (f.Type.IsVector()) continue;
                    values[f.Name] = ArrowValues.Read(f, batch.Column(c), r);
                }
                result.Add(Truth(Eval(tree, new Row(values))) == true);
            }
        }
        return result.ToArray();
    }

    private static bool? Truth(object? v) => v as bool?;

    private object? Eval(Expr e, Row row)
    {
        switch (e)
        {
            case LiteralExpr { Value: string s }:
                return s.Replace("\\%", "%").Replace("\\_", "_");
            case LiteralExpr l:
                return l.Value;
            case ListExpr l:
                return l.Items.Select(i => Eval(i, row)).ToArray();
            case TemplateExpr t:
                return FromTemplate(templates![t.Name]);
            case IdentifierExpr or IndexExpr:
                var (present, value) = Access(e, row);
                return present ? value : null;
            case UnaryExpr u:
            {
                var x = Eval(u.Operand, row);
                return u.Op switch
                {
                    "not" => Truth(x) is { } b ? !b : null,
                    "-" => x switch { long l => unchecked(-l), double d => -d, _ => null },
                    _ => x is long l2 ? ~l2 : null,
                };
            }
            case BinaryExpr { Op: "and" } b:
            {
                bool? l = Truth(Eval(b.Left, row)), r = Truth(Eval(b.Right, row));
                return l == false || r == false ? false : l == true && r == true ? true : null;
            }
            case BinaryExpr { Op: "or" } b:
            {
                bool? l = Truth(Eval(b.Left, row)), r = Truth(Eval(b.Right, row));
                return l == true || r == true ? true : l == false && r == false ? false : null;
            }
            case BinaryExpr { Op: "==" or "!=" } b:
                return Compare(Eval(b.Left, row), b.Op, Eval(b.Right, row));
            case BinaryExpr { Op: "like" } b:
            {
                var x = Eval(b.Left, row);
                var pattern = b.Right is LiteralExpr { Value: string raw } ? raw : (string)Eval(b.Right, row)!;
                return x is string s ? Like(s, pattern) : null;
            }
            case BinaryExpr b:
                return Arith(b.Op, Eval(b.Left, row), Eval(b.Right, row));
            case CompareExpr c:
            {
                var vals = c.Operands.Select(o => Eval(o, row)).ToArray();
                bool? all = true;
                for (int i = 0; i < c.Ops.Count; i++)
                {
                    bool? link = Compare(vals[i], c.Ops[i], vals[i + 1]);
                    all = all == false || link == false ? false : all == true && link == true ? true : null;
                }
                return all;
            }
            case InExpr i:
            {
                var x = Eval(i.Value, row);
                var list = (object?[])Eval(i.List, row)!;
                if (x is null) return null;
                bool? any = false;
                foreach (var v in list)
                {
                    bool? eq = Compare(x, "==", v);
                    any = any == true || eq == true ? true : any == false && eq == false ? false : null;
                }
                return i.Negated ? (any is { } a ? !a : null) : any;
            }
            case IsNullExpr n:
                return (Eval(n.Value, row) is null) != n.Negated;
            case ExistsExpr x:
                return Access(x.Path, row).Present;
            case CallExpr c:
                return Call(c, row);
            default:
                throw new ArgumentException(e.GetType().Name);
        }
    }

    // ---- names, JSON paths, elements ----

    /// <summary>(present, value): present is false for a missing JSON key (exists), value null for JSON null too.</summary>
    private (bool Present, object? Value) Access(Expr e, Row row)
    {
        if (e is IdentifierExpr id)
        {
            if (id.Name == "$meta") return JsonField(row.Values["$meta"]);
            var f = schema.Field(id.Name);
            if (f is null) return Step(JsonField(row.Values["$meta"]), id.Name);
            var raw = row.Values[f.Name];
            if (f.DataType == FieldType.Json) return JsonField(raw);
            return (raw is not null, Plain(raw));
        }
        var x = (IndexExpr)e;
        var target = Access(x.Target, row);
        var key = Eval(x.Key, row);
        if (target.Value is Array array) // an Array field's element
        {
            long k = (long)key!;
            return k < array.Length ? (true, Plain(array.GetValue(k))) : (false, null);
        }
        return Step(target, key!);
    }

    private static (bool, object?) JsonField(object? text)
    {
        if (text is null) return (false, null);
        var doc = JsonDocument.Parse((string)text);
        return (true, FromJson(doc.RootElement));
    }

    private static (bool, object?) Step((bool Present, object? Value) at, object key)
    {
        if (!at.Present || at.Value is not JsonComposite { Element: var el }) return (false, null);
        if (key is string name)
        {
            if (el.ValueKind != JsonValueKind.Object) return (false, null);
            foreach (var p in el.EnumerateObject())
                if (p.Name == name) return (true, FromJson(p.Value)); // the first of duplicate keys
            return (false, null);
        }
        long index = (long)key;
        if (el.ValueKind != JsonValueKind.Array || index >= el.GetArrayLength()) return (false, null);
        return (true, FromJson(el[(int)index]));
    }

    /// <summary>A JSON value as a reference value (null for JSON null).</summary>
    private static object? FromJson(JsonElement el) => el.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => el.GetString(),
        JsonValueKind.Number => el.TryGetInt64(out long l) ? l : el.TryGetDouble(out double d) ? d : new JsonComposite(el),
        _ => new JsonComposite(el),
    };

    /// <summary>A field value as a reference value: integers → long, float → double (exact), others as read.</summary>
    private static object? Plain(object? v) => v switch
    {
        sbyte or short or int or long => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        float f => (double)f,
        _ => v,
    };

    private static object? FromTemplate(object? v) => v switch
    {
        sbyte or short or int or long or byte or ushort or uint or ulong => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        float f => (double)f,
        double or bool or string => v,
        IEnumerable items => items.Cast<object?>().Select(FromTemplate).ToArray(),
        _ => throw new ArgumentException($"template value {v}"),
    };

    // ---- compare, arithmetic, like ----

    private static bool? Compare(object? a, string op, object? b)
    {
        if (a is null || b is null) return null;
        int? sign;
        if (a is long or double && b is long or double) sign = CompareNumbers(a, b);
        else if (a is string s && b is string t) sign = Math.Sign(Encoding.UTF8.GetBytes(s).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(t)));
        else if (a is bool x && b is bool y)
        {
            if (op is not ("==" or "!=")) return null;
            return (x == y) == (op == "==");
        }
        else return null;
        if (sign is null) return op == "!="; // NaN: unordered
        return op switch
        {
            "==" => sign == 0,
            "!=" => sign != 0,
            "<" => sign < 0,
            "<=" => sign <= 0,
            ">" => sign > 0,
            _ => sign >= 0,
        };
    }

    /// <summary>Exact sign of a − b for longs and doubles (via BigInteger for the integral parts); null for NaN.</summary>
    private static int? CompareNumbers(object a, object b)
    {
        if (a is long x && b is long y) return x.CompareTo(y);
        if (a is double da && b is double db) return double.IsNaN(da) || double.IsNaN(db) ? null : Math.Sign(da.CompareTo(db));
        if (a is double) return -CompareNumbers(b, a);
        long l = (long)a;
        double d = (double)b;
        if (double.IsNaN(d)) return null;
        if (double.IsInfinity(d)) return d > 0 ? -1 : 1;
        var floor = new BigInteger(Math.Floor(d));
        int c = new BigInteger(l).CompareTo(floor);
        if (c != 0) return c;
        return d > Math.Floor(d) ? -1 : 0;
    }

    private static object? Arith(string op, object? a, object? b)
    {
        if (a is not (long or double) || b is not (long or double)) return null;
        if (op == "**") return Math.Pow(ToDouble(a), ToDouble(b));
        if (a is long x && b is long y)
        {
            unchecked
            {
                return op switch
                {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => y == 0 ? null : y == -1 ? -x : x / y,
                    "%" => y == 0 ? null : y == -1 ? 0L : x % y,
                    "&" => x & y,
                    "|" => x | y,
                    "^" => x ^ y,
                    "<<" => y is >= 0 and <= 63 ? x << (int)y : null,
                    ">>" => y is >= 0 and <= 63 ? x >> (int)y : null,
                    _ => throw new ArgumentException(op),
                };
            }
        }
        double p = ToDouble(a), q = ToDouble(b);
        return op switch
        {
            "+" => p + q,
            "-" => p - q,
            "*" => p * q,
            "/" => p / q,
            "%" => p % q,
            _ => null, // bit operators on a float
        };
    }

    private static double ToDouble(object n) => n is long l ? l : (double)n;

    /// <summary>SQL like over code points: % any run, _ one code point, \% and \_ literal.</summary>
    public static bool Like(string text, string pattern)
    {
        var t = text.EnumerateRunes().Select(r => r.Value).ToArray();
        var p = new List<(char Kind, int Rune)>(); // 'L' literal, '_' one, '%' any
        var pr = pattern.EnumerateRunes().Select(r => r.Value).ToArray();
        for (int i = 0; i < pr.Length; i++)
        {
            if (pr[i] == '\\' && i + 1 < pr.Length && pr[i + 1] is '%' or '_') p.Add(('L', pr[++i]));
            else if (pr[i] == '%') p.Add(('%', 0));
            else if (pr[i] == '_') p.Add(('_', 0));
            else p.Add(('L', pr[i]));
        }
        // match[i, k]: t[i..] matches p[k..]
        var match = new bool[t.Length + 1, p.Count + 1];
        match[t.Length, p.Count] = true;
        for (int k = p.Count - 1; k >= 0; k--)
        {
            for (int i = t.Length; i >= 0; i--)
            {
                match[i, k] = p[k].Kind switch
                {
                    '%' => match[i, k + 1] || (i < t.Length && match[i + 1, k]),
                    '_' => i < t.Length && match[i + 1, k + 1],
                    _ => i < t.Length && t[i] == p[k].Rune && match[i + 1, k + 1],
                };
            }
        }
        return match[0, 0];
    }

    // ---- functions ----

    private object? Call(CallExpr c, Row row)
    {
        var target = Eval(c.Args[0], row);
        var elements = Elements(target);
        string name = c.Function.ToLowerInvariant();
        if (name == "array_length") return elements is null ? null : (long)elements.Count;
        if (elements is null) return null;
        var arg = Eval(c.Args[1], row);
        bool single = name is "json_contains" or "array_contains";
        var wanted = single ? [arg] : (object?[])arg!;
        bool Has(object? v) => elements.Any(e => ElementEquals(e, v));
        return name.EndsWith("_all", StringComparison.Ordinal) ? wanted.All(Has) : wanted.Any(Has);
    }

    private static List<object?>? Elements(object? v) => v switch
    {
        Array a => a.Cast<object?>().Select(Plain).ToList(),
        JsonComposite { Element.ValueKind: JsonValueKind.Array } j => j.Element.EnumerateArray().Select(FromJson).ToList(),
        _ => null,
    };

    private static bool ElementEquals(object? e, object? v)
    {
        if (v is object?[] list)
            return Elements(e) is { } inner && inner.Count == list.Length && inner.Zip(list).All(p => ElementEquals(p.First, p.Second));
        return Compare(e, "==", v) == true;
    }
}
