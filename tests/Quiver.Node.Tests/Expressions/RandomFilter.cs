using System.Globalization;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// Random well-typed filters over whatever fields a schema has: numeric, string, bool, JSON and array operands
/// combined with every operator and function, constants chosen to meet the data (small integers, .5 steps, type
/// extremes, unicode strings). Operands are parenthesised so the text parses as built.
/// </summary>
internal sealed class RandomFilter
{
    private enum Kind { Int, Float, Mixed }

    private readonly Random _rng;
    private readonly List<FieldSchema> _ints, _floats, _strings, _bools, _json, _arrays;
    private readonly bool _dynamic;

    public RandomFilter(CollectionSchema schema, Random rng)
    {
        _rng = rng;
        var fields = schema.Fields.Where(f => !f.IsVector).ToList();
        _ints = fields.Where(f => f.DataType is FieldType.Int8 or FieldType.Int16 or FieldType.Int32 or FieldType.Int64).ToList();
        _floats = fields.Where(f => f.DataType is FieldType.Float or FieldType.Double).ToList();
        _strings = fields.Where(f => f.DataType == FieldType.VarChar).ToList();
        _bools = fields.Where(f => f.DataType == FieldType.Bool).ToList();
        _json = fields.Where(f => f.DataType == FieldType.Json).ToList();
        _arrays = fields.Where(f => f.DataType == FieldType.Array).ToList();
        _dynamic = schema.EnableDynamicField;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private bool Chance(int percent) => _rng.Next(100) < percent;

    public string Predicate(int depth)
    {
        while (true)
        {
            int choice = _rng.Next(depth > 0 ? 18 : 15);
            string? p = choice switch
            {
                0 or 1 => $"{Num(depth)} {Pick(Ops)} {NumConst()}",
                2 => $"{NumConst()} {Pick(Ops)} {Num(depth)}",
                3 => Chance(50) ? $"{NumConst()} {Pick(["<", "<="])} {Num(depth)} {Pick(["<", "<="])} {NumConst()}" : $"{NumConst()} {Pick([">", ">="])} {Num(depth)} {Pick([">", ">="])} {NumConst()}",
                4 => $"{Num(depth)} {Pick(Ops)} {Num(depth)}",
                5 => Str() is { } s ? $"{s} {Pick(Ops)} {(Chance(70) ? StrConst() : Str() ?? StrConst())}" : null,
                6 => Str() is { } s ? $"{s} like {Pattern()}" : null,
                7 => $"{Num(depth)} {(Chance(50) ? "in" : "not in")} {NumList()}",
                8 => Str() is { } s ? $"{s} {(Chance(50) ? "in" : "not in")} [{string.Join(", ", Enumerable.Range(0, _rng.Next(0, 4)).Select(_ => StrConst()))}]" : null,
                9 => Json() is { } j ? $"{j} {JsonCompare()}" : null,
                10 => Json() is { } j ? $"{j} {(Chance(50) ? "in" : "not in")} [{string.Join(", ", Enumerable.Range(0, _rng.Next(0, 4)).Select(_ => AnyConst()))}]" : null,
                11 => Bool(),
                12 => $"{Nullable()} is {(Chance(50) ? "" : "not ")}null",
                13 => Json() is { } j && j.Contains('[') ? $"exists {j}" : null,
                14 => Contains(),
                15 => $"({Predicate(depth - 1)}) {(Chance(50) ? "and" : "or")} ({Predicate(depth - 1)})",
                16 => $"not ({Predicate(depth - 1)})",
                _ => $"({Predicate(depth - 1)}) {(Chance(50) ? "&&" : "||")} {Pick(["", "!"])}({Predicate(depth - 1)})",
            };
            if (p is not null) return p;
        }
    }

    private static readonly string[] Ops = ["==", "!=", "<", "<=", ">", ">="];

    private string NumConst() => _rng.Next(12) switch
    {
        0 => "2.5",
        1 => "-0.5",
        2 => Pick(["127", "-128", "32767", "2147483647", "9223372036854775807", "-9223372036854775807"]),
        3 => Pick(["1e300", "0.1", "1000", "1e19"]),
        _ => _rng.Next(-6, 7).ToString(CultureInfo.InvariantCulture),
    };

    private string NumList() => "[" + string.Join(", ", Enumerable.Range(0, _rng.Next(0, 6)).Select(_ => NumConst())) + "]";

    private string StrConst() => "\"" + FilterData.Str(_rng).Replace("\\", "\\\\") + "\"";

    private string AnyConst() => _rng.Next(4) switch { 0 => StrConst(), 1 => Pick(["true", "false"]), _ => NumConst() };

    private string Pattern()
    {
        var parts = new List<string>();
        int n = _rng.Next(1, 4);
        for (int i = 0; i < n; i++)
            parts.Add(_rng.Next(5) switch { 0 => "%", 1 => "_", 2 => Pick(["\\\\%", "\\\\_"]), _ => FilterData.Str(_rng).Replace("\\", "\\\\").Replace("%", "").Replace("_", "") });
        return "\"" + string.Concat(parts) + "\"";
    }

    private string JsonCompare() => _rng.Next(3) switch
    {
        0 => $"{Pick(Ops)} {NumConst()}",
        1 => $"{Pick(Ops)} {StrConst()}",
        _ => $"{Pick(["==", "!="])} {Pick(["true", "false"])}",
    };

    /// <summary>A numeric operand: a field, an element, a JSON number, a length, or arithmetic over those.</summary>
    private string Num(int depth) => NumTyped(depth).Text;

    private (string Text, Kind Kind) NumTyped(int depth)
    {
        while (true)
        {
            switch (_rng.Next(depth > 0 ? 9 : 6))
            {
                case 0 or 1 when _ints.Count > 0: return (Pick(_ints).Name, Kind.Int);
                case 2 when _floats.Count > 0: return (Pick(_floats).Name, Kind.Float);
                case 3 when Json() is { } j: return (j, Kind.Mixed);
                case 4 when _arrays.Any(a => a.ElementType is not (FieldType.VarChar or FieldType.Bool)):
                {
                    var a = Pick(_arrays.Where(a => a.ElementType is not (FieldType.VarChar or FieldType.Bool)).ToList());
                    return ($"{a.Name}[{_rng.Next(0, 3)}]", a.ElementType is FieldType.Double or FieldType.Float ? Kind.Float : Kind.Int);
                }
                case 5 when _arrays.Count > 0 || _json.Count > 0 || _dynamic:
                {
                    string target = _arrays.Count > 0 && Chance(60) ? Pick(_arrays).Name : Json() ?? Pick(_arrays).Name;
                    return ($"array_length({target})", Kind.Int);
                }
                case 6 or 7:
                {
                    var l = NumTyped(depth - 1);
                    string c = NumConst();
                    var r = Chance(40) ? (c, c.Contains('.') || c.Contains('e') ? Kind.Float : Kind.Int) : NumTyped(depth - 1);
                    var kind = l.Kind == Kind.Mixed || r.Item2 == Kind.Mixed ? Kind.Mixed : l.Kind == Kind.Float || r.Item2 == Kind.Float ? Kind.Float : Kind.Int;
                    bool ints = l.Kind != Kind.Float && r.Item2 != Kind.Float && !r.Item1.Contains('.') && !r.Item1.Contains('e');
                    string op = ints && Chance(30) ? Pick(["&", "|", "^", "<<", ">>"]) : Pick(["+", "-", "*", "/", "%", "**"]);
                    if (op == "**") kind = Kind.Float;
                    if (op is "&" or "|" or "^" or "<<" or ">>") kind = Kind.Int;
                    return ($"({l.Text} {op} {r.Item1})", kind);
                }
                case 8:
                {
                    var x = NumTyped(depth - 1);
                    if (x.Kind != Kind.Float && Chance(30)) return ($"(~{x.Text})", Kind.Int);
                    return ($"(-{x.Text})", x.Kind);
                }
            }
        }
    }

    /// <summary>A string operand, or null when the schema has none.</summary>
    private string? Str()
    {
        var options = new List<Func<string?>>();
        if (_strings.Count > 0) options.Add(() => Pick(_strings).Name);
        if (_arrays.Any(a => a.ElementType == FieldType.VarChar)) options.Add(() => $"{Pick(_arrays.Where(a => a.ElementType == FieldType.VarChar).ToList()).Name}[{_rng.Next(0, 3)}]");
        if (_json.Count > 0 || _dynamic) options.Add(Json);
        return options.Count == 0 ? null : Pick(options)();
    }

    /// <summary>A JSON path (field path or dynamic key), or null when there is no JSON.</summary>
    private string? Json()
    {
        var options = new List<string>();
        foreach (var j in _json)
            options.AddRange([$"{j.Name}[\"a\"]", $"{j.Name}[\"s\"]", $"{j.Name}[\"x\"]", $"{j.Name}[\"flag\"]", $"{j.Name}[\"n\"][\"v\"]", $"{j.Name}[\"n\"][\"k\"]", $"{j.Name}[\"arr\"][0]", $"{j.Name}[\"arr\"]", j.Name]);
        if (_dynamic) options.AddRange(["color", "price", "qty", "extra", "tags", "$meta[\"price\"]", "$meta[\"tags\"][1]", "missing_key"]);
        return options.Count == 0 ? null : Pick(options);
    }

    private string Bool()
    {
        var options = new List<string>();
        foreach (var b in _bools) options.AddRange([b.Name, $"{b.Name} == {Pick(["true", "false"])}", $"{b.Name} != ({Num(0)} > 0)", $"{b.Name} in [{Pick(["true", "false", "true, false", ""])}]"]);
        foreach (var a in _arrays.Where(a => a.ElementType == FieldType.Bool)) options.Add($"{a.Name}[{_rng.Next(0, 3)}]");
        if (Json() is { } j) options.Add(j);
        return options.Count == 0 ? $"{Num(0)} > 0" : Pick(options);
    }

    private string Nullable()
    {
        var options = new List<string>();
        foreach (var f in _ints.Concat(_floats).Concat(_strings).Concat(_bools).Concat(_json).Concat(_arrays)) options.Add(f.Name);
        if (Json() is { } j) options.Add(j);
        options.Add($"({Num(1)})");
        return Pick(options);
    }

    private string Contains()
    {
        var options = new List<string>();
        foreach (var a in _arrays)
        {
            Func<string> value = a.ElementType switch
            {
                FieldType.VarChar => StrConst,
                FieldType.Bool => () => Pick(["true", "false"]),
                _ => NumConst,
            };
            string list = "[" + string.Join(", ", Enumerable.Range(0, _rng.Next(0, 4)).Select(_ => value())) + "]";
            options.AddRange([$"array_contains({a.Name}, {value()})", $"array_contains_all({a.Name}, {list})", $"array_contains_any({a.Name}, {list})"]);
        }
        if (Json() is { } j)
        {
            string list = "[" + string.Join(", ", Enumerable.Range(0, _rng.Next(0, 4)).Select(_ => Chance(15) ? "[1, 2]" : AnyConst())) + "]";
            options.AddRange([$"json_contains({j}, {AnyConst()})", $"json_contains_all({j}, {list})", $"json_contains_any({j}, {list})"]);
        }
        return options.Count == 0 ? $"{Num(0)} > 0" : Pick(options);
    }
}
