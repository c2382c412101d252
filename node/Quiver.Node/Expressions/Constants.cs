using System.Collections;
using System.Globalization;
using System.Text;

namespace Quiver.Node.Expressions;

/// <summary>
/// Compile-time values: <c>long</c>, <c>double</c>, <c>bool</c>, <c>string</c>, <c>object[]</c> (a list), or null
/// (UNKNOWN: what folding a division by zero leaves). Template values are brought to these types here.
/// </summary>
internal static class Constants
{
    public static string Show(object? value) => value switch
    {
        null => "null",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => ShowDouble(d),
        bool b => b ? "true" : "false",
        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        object[] list => "[" + string.Join(", ", list.Select(Show)) + "]",
        _ => value.ToString() ?? "",
    };

    private static string ShowDouble(double d)
    {
        string s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.All(c => char.IsAsciiDigit(c) || c == '-') ? s + ".0" : s;
    }

    /// <summary>The name of a value's type, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        long => "integer",
        double => "float",
        bool => "bool",
        string => "string",
        object[] => "list",
        _ => "null",
    };

    /// <summary>
    /// A template value as a constant: integers of any width → long, float/double → double, bool, string, and
    /// arrays or lists of those (nested lists allowed) → object[]; false with the problem for anything else.
    /// </summary>
    public static bool TryFromTemplate(object? value, out object constant, out string problem)
    {
        problem = "";
        switch (value)
        {
            case null:
                constant = null!;
                problem = "a template value cannot be null";
                return false;
            case long or int or short or sbyte or byte or ushort or uint:
                constant = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                return true;
            case ulong u:
                if (u > long.MaxValue)
                {
                    constant = null!;
                    problem = $"template value {u} does not fit in a 64-bit integer";
                    return false;
                }
                constant = (long)u;
                return true;
            case double or float:
                constant = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                return true;
            case bool or string:
                constant = value;
                return true;
            case IEnumerable items:
                var list = new List<object>();
                foreach (var item in items)
                {
                    if (!TryFromTemplate(item, out var c, out problem))
                    {
                        constant = null!;
                        return false;
                    }
                    list.Add(c);
                }
                constant = list.ToArray();
                return true;
            default:
                constant = null!;
                problem = $"a template value of type {value.GetType().Name} is not supported (use integers, floats, bools, strings or lists of them)";
                return false;
        }
    }

    /// <summary>
    /// A string literal used as a value (not as a like pattern): the lexer keeps <c>\%</c> and <c>\_</c> escaped
    /// for patterns; anywhere else they mean plain <c>%</c> and <c>_</c>.
    /// </summary>
    public static string PlainString(string literal) => literal.Contains('\\') ? literal.Replace("\\%", "%").Replace("\\_", "_") : literal;

    /// <summary>Folds <c>a op b</c> over constant numbers (long or double); null when the result is UNKNOWN.</summary>
    public static object? Fold(ArithOp op, object a, object b)
    {
        if (op != ArithOp.Pow && a is long x && b is long y) return NumberSemantics.TryApply(op, x, y, out long r) ? r : null;
        return NumberSemantics.TryApply(op, ToDouble(a), ToDouble(b), out double d) ? d : null;
    }

    public static double ToDouble(object number) => number is long l ? l : (double)number;

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Whether two constants are equal as filter values (numbers exactly, strings ordinally, lists element-wise).</summary>
    public static bool? Equal(object a, object b) => (a, b) switch
    {
        (long or double, long or double) => CompareNumbers(a, b) is { } s ? s == 0 : false,
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        (bool x, bool y) => x == y,
        _ => null,
    };

    /// <summary>The sign of a − b for two numeric constants; null when unordered.</summary>
    public static int? CompareNumbers(object a, object b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (long x, double y) => NumberSemantics.CompareExact(x, y),
        (double x, long y) => NumberSemantics.CompareExact(y, x) is { } s ? -s : null,
        _ => NumberSemantics.Compare((double)a, (double)b),
    };
}
