namespace Quiver.Node.Expressions;

/// <summary>A relational or equality operator.</summary>
internal enum CompareOp { Eq, Ne, Lt, Le, Gt, Ge }

/// <summary>An arithmetic or bit operator.</summary>
internal enum ArithOp { Add, Sub, Mul, Div, Mod, Pow, BitAnd, BitOr, BitXor, Shl, Shr }

/// <summary>
/// The scalar rules of numbers in filters, shared by constant folding, the per-row paths (JSON numbers, mixed
/// int/float columns) and — being the definition — mirrored by the tests' reference evaluator:
/// integers are 64-bit and wrap; int/int division truncates; integer division or modulo by zero, and shifts
/// outside 0..63, are UNKNOWN (null); <c>**</c> is always floating point; an integer meets a float exactly (as
/// mathematical values, never by rounding the integer); floats follow IEEE (NaN is unordered: only != holds).
/// </summary>
internal static class NumberSemantics
{
    public static string Symbol(this CompareOp op) => op switch
    {
        CompareOp.Eq => "==",
        CompareOp.Ne => "!=",
        CompareOp.Lt => "<",
        CompareOp.Le => "<=",
        CompareOp.Gt => ">",
        _ => ">=",
    };

    public static string Symbol(this ArithOp op) => op switch
    {
        ArithOp.Add => "+",
        ArithOp.Sub => "-",
        ArithOp.Mul => "*",
        ArithOp.Div => "/",
        ArithOp.Mod => "%",
        ArithOp.Pow => "**",
        ArithOp.BitAnd => "&",
        ArithOp.BitOr => "|",
        ArithOp.BitXor => "^",
        ArithOp.Shl => "<<",
        _ => ">>",
    };

    /// <summary>The operator with its operands swapped: a &lt; b ⇔ b &gt; a.</summary>
    public static CompareOp Flip(this CompareOp op) => op switch
    {
        CompareOp.Lt => CompareOp.Gt,
        CompareOp.Le => CompareOp.Ge,
        CompareOp.Gt => CompareOp.Lt,
        CompareOp.Ge => CompareOp.Le,
        _ => op,
    };

    public static bool IsBitOp(this ArithOp op) => op is ArithOp.BitAnd or ArithOp.BitOr or ArithOp.BitXor or ArithOp.Shl or ArithOp.Shr;

    /// <summary>2^63 as a double: the first double above every long.</summary>
    public const double TwoPow63 = 9223372036854775808.0;

    /// <summary>The sign of a − b for a long and a double, exactly; null when b is NaN.</summary>
    public static int? CompareExact(long a, double b)
    {
        if (double.IsNaN(b)) return null;
        if (b >= TwoPow63) return -1;
        if (b < -TwoPow63) return 1;
        double floor = Math.Floor(b);
        long f = (long)floor; // exact: floor is an integer in [-2^63, 2^63)
        if (a < f) return -1;
        if (a > f) return 1;
        return b > floor ? -1 : 0;
    }

    /// <summary>The sign of a − b for doubles; null when unordered (NaN).</summary>
    public static int? Compare(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? null : a.CompareTo(b) switch { < 0 => -1, 0 => 0, _ => 1 };

    /// <summary>Whether <paramref name="op"/> holds for an ordering outcome (null = unordered: only != holds).</summary>
    public static bool Holds(this CompareOp op, int? sign) => sign is not { } s
        ? op == CompareOp.Ne
        : op switch
        {
            CompareOp.Eq => s == 0,
            CompareOp.Ne => s != 0,
            CompareOp.Lt => s < 0,
            CompareOp.Le => s <= 0,
            CompareOp.Gt => s > 0,
            _ => s >= 0,
        };

    /// <summary>Compares two numbers, each a long or a double.</summary>
    public static bool Holds(this CompareOp op, bool aIsFloat, long ai, double ad, bool bIsFloat, long bi, double bd)
    {
        if (!aIsFloat && !bIsFloat) return op.Holds(ai.CompareTo(bi));
        if (aIsFloat && bIsFloat) return op.Holds(Compare(ad, bd));
        if (!aIsFloat) return op.Holds(CompareExact(ai, bd));
        int? s = CompareExact(bi, ad);
        return op.Holds(s is { } v ? -v : null);
    }

    /// <summary>a op b on longs; false (UNKNOWN) for division/modulo by zero and shifts outside 0..63. Not for <c>**</c>.</summary>
    public static bool TryApply(ArithOp op, long a, long b, out long result)
    {
        unchecked
        {
            switch (op)
            {
                case ArithOp.Add: result = a + b; return true;
                case ArithOp.Sub: result = a - b; return true;
                case ArithOp.Mul: result = a * b; return true;
                case ArithOp.Div:
                    result = b == 0 ? 0 : b == -1 ? -a : a / b; // -a wraps for long.MinValue, as the quotient does
                    return b != 0;
                case ArithOp.Mod:
                    result = b == 0 || b == -1 ? 0 : a % b;
                    return b != 0;
                case ArithOp.BitAnd: result = a & b; return true;
                case ArithOp.BitOr: result = a | b; return true;
                case ArithOp.BitXor: result = a ^ b; return true;
                case ArithOp.Shl: result = b is >= 0 and <= 63 ? a << (int)b : 0; return b is >= 0 and <= 63;
                case ArithOp.Shr: result = b is >= 0 and <= 63 ? a >> (int)b : 0; return b is >= 0 and <= 63;
                default: throw new InvalidOperationException($"{op} is not an integer operator");
            }
        }
    }

    /// <summary>a op b on doubles (IEEE; % is the truncated remainder); false for the bit operators.</summary>
    public static bool TryApply(ArithOp op, double a, double b, out double result)
    {
        switch (op)
        {
            case ArithOp.Add: result = a + b; return true;
            case ArithOp.Sub: result = a - b; return true;
            case ArithOp.Mul: result = a * b; return true;
            case ArithOp.Div: result = a / b; return true;
            case ArithOp.Mod: result = a % b; return true;
            case ArithOp.Pow: result = Math.Pow(a, b); return true;
            default: result = 0; return false;
        }
    }

    /// <summary>
    /// The key a number has in an equality set: integral values that fit a long become that long, others stay
    /// doubles — so an int and a float that are equal as numbers get the same key.
    /// </summary>
    public static bool IsLongKey(double d, out long key)
    {
        if (d >= -TwoPow63 && d < TwoPow63 && Math.Floor(d) == d)
        {
            key = (long)d;
            return true;
        }
        key = 0;
        return false;
    }
}
