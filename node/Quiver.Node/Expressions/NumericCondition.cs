using System.Globalization;
using System.Numerics;

namespace Quiver.Node.Expressions;

internal enum CondKind { None, All, Eq, Ne, Lt, Le, Gt, Ge, Range }

/// <summary>
/// A comparison against constants brought to the column's own type T, so the kernel compares T lanes and the
/// answer is still the exact mathematical one. None / All: no / every non-null row. Range: A..B with
/// <see cref="LowStrict"/>/<see cref="HighStrict"/> (integer ranges are inclusive).
/// </summary>
internal readonly record struct NumCondition<T>(CondKind Kind, T A, T B, bool LowStrict = false, bool HighStrict = false)
    where T : unmanaged, INumber<T>
{
    public override string ToString() => Kind switch
    {
        CondKind.None => "none",
        CondKind.All => "any",
        CondKind.Eq => $"== {Show(A)}",
        CondKind.Ne => $"!= {Show(A)}",
        CondKind.Lt => $"< {Show(A)}",
        CondKind.Le => $"<= {Show(A)}",
        CondKind.Gt => $"> {Show(A)}",
        CondKind.Ge => $">= {Show(A)}",
        _ => $"in {(LowStrict ? "(" : "[")}{Show(A)}, {Show(B)}{(HighStrict ? ")" : "]")}",
    };

    private static string Show(T v) => v.ToString(null, CultureInfo.InvariantCulture);
}

/// <summary>
/// Normalisation of <c>x op c</c> for a column of a given type: an integer column against a float constant becomes
/// an integer bound (<c>x &gt; 1.5</c> ⇔ <c>x ≥ 2</c>), constants outside the type's range become None/All (no
/// overflow for Int8..Int32), and a float/double column gets the nearest representable bound with the strictness
/// adjusted so the rounding never changes an answer.
/// </summary>
internal static class NumericConditions
{
    /// <summary><c>x op c</c> (c a long or a double) over integers in [min, max].</summary>
    public static NumCondition<long> ToInteger(CompareOp op, object c, long min, long max)
    {
        long v;
        if (c is double d)
        {
            if (double.IsNaN(d)) return new(op == CompareOp.Ne ? CondKind.All : CondKind.None, 0, 0);
            if (op is CompareOp.Eq or CompareOp.Ne)
            {
                bool exact = NumberSemantics.IsLongKey(d, out long k) && k >= min && k <= max;
                if (op == CompareOp.Eq) return exact ? new(CondKind.Eq, k, 0) : new(CondKind.None, 0, 0);
                return exact ? new(CondKind.Ne, k, 0) : new(CondKind.All, 0, 0);
            }
            // Over integers: x < d ⇔ x < ⌈d⌉, x ≤ d ⇔ x ≤ ⌊d⌋, x > d ⇔ x > ⌊d⌋, x ≥ d ⇔ x ≥ ⌈d⌉.
            double e = op is CompareOp.Lt or CompareOp.Ge ? Math.Ceiling(d) : Math.Floor(d);
            bool upper = op is CompareOp.Lt or CompareOp.Le;
            if (e >= NumberSemantics.TwoPow63) return new(upper ? CondKind.All : CondKind.None, 0, 0);
            if (e < -NumberSemantics.TwoPow63) return new(upper ? CondKind.None : CondKind.All, 0, 0);
            v = (long)e;
        }
        else v = (long)c;
        switch (op)
        {
            case CompareOp.Eq: return v >= min && v <= max ? new(CondKind.Eq, v, 0) : new(CondKind.None, 0, 0);
            case CompareOp.Ne: return v >= min && v <= max ? new(CondKind.Ne, v, 0) : new(CondKind.All, 0, 0);
            case CompareOp.Lt: return v == long.MinValue ? new(CondKind.None, 0, 0) : Clip(min, v - 1, min, max);
            case CompareOp.Le: return Clip(min, v, min, max);
            case CompareOp.Gt: return v == long.MaxValue ? new(CondKind.None, 0, 0) : Clip(v + 1, max, min, max);
            default: return Clip(v, max, min, max);
        }
    }

    /// <summary>Both conditions (each None, All or a range) over integers in [min, max].</summary>
    public static NumCondition<long> Intersect(NumCondition<long> a, NumCondition<long> b, long min, long max)
    {
        if (a.Kind == CondKind.None || b.Kind == CondKind.None) return new(CondKind.None, 0, 0);
        if (a.Kind == CondKind.All) return b;
        if (b.Kind == CondKind.All) return a;
        var (alo, ahi) = Bounds(a, min, max);
        var (blo, bhi) = Bounds(b, min, max);
        return Clip(Math.Max(alo, blo), Math.Min(ahi, bhi), min, max);
    }

    private static (long Lo, long Hi) Bounds(NumCondition<long> c, long min, long max) => c.Kind switch
    {
        CondKind.Ge => (c.A, max),
        CondKind.Le => (min, c.A),
        CondKind.Eq => (c.A, c.A),
        CondKind.Range => (c.A, c.B),
        _ => throw new InvalidOperationException($"cannot intersect {c.Kind}"),
    };

    /// <summary>lo ≤ x ≤ hi clipped to [min, max], in its simplest form.</summary>
    private static NumCondition<long> Clip(long lo, long hi, long min, long max)
    {
        lo = Math.Max(lo, min);
        hi = Math.Min(hi, max);
        if (lo > hi) return new(CondKind.None, 0, 0);
        if (lo == min && hi == max) return new(CondKind.All, 0, 0);
        if (lo == hi) return new(CondKind.Eq, lo, 0);
        if (lo == min) return new(CondKind.Le, hi, 0);
        if (hi == max) return new(CondKind.Ge, lo, 0);
        return new(CondKind.Range, lo, hi);
    }

    /// <summary>An integer condition in the column's own integer type (its values are inside that type's range).</summary>
    public static NumCondition<T> Narrow<T>(NumCondition<long> c) where T : unmanaged, IBinaryInteger<T> =>
        new(c.Kind, T.CreateTruncating(c.A), T.CreateTruncating(c.B), c.LowStrict, c.HighStrict);

    /// <summary><c>x op c</c> for a float or double column T: the nearest T bound, strictness adjusted.</summary>
    public static NumCondition<T> ToFloating<T>(CompareOp op, object c) where T : unmanaged, IFloatingPoint<T>
    {
        if (c is double nan && double.IsNaN(nan)) return new(op == CompareOp.Ne ? CondKind.All : CondKind.None, T.Zero, T.Zero);
        T t = c is long l ? T.CreateTruncating(l) : T.CreateTruncating((double)c); // round to nearest; overflow → ±∞
        double td = double.CreateTruncating(t); // exact: float → double widens exactly
        // sign of t − c, exactly
        int cmp = c is long lv ? -(NumberSemantics.CompareExact(lv, td) ?? 0) : td.CompareTo((double)c) switch { < 0 => -1, 0 => 0, _ => 1 };
        return op switch
        {
            CompareOp.Eq => cmp == 0 ? new(CondKind.Eq, t, t) : new(CondKind.None, t, t),
            CompareOp.Ne => cmp == 0 ? new(CondKind.Ne, t, t) : new(CondKind.All, t, t),
            // t above c: x > c ⇔ x ≥ t; t below c: x > c ⇔ x > t (no T lies strictly between t and c).
            CompareOp.Gt => new(cmp > 0 ? CondKind.Ge : CondKind.Gt, t, t),
            CompareOp.Ge => new(cmp < 0 ? CondKind.Gt : CondKind.Ge, t, t),
            CompareOp.Lt => new(cmp < 0 ? CondKind.Le : CondKind.Lt, t, t),
            _ => new(cmp > 0 ? CondKind.Lt : CondKind.Le, t, t),
        };
    }

    /// <summary>A lower and an upper one-sided float condition as one range (or None/All).</summary>
    public static NumCondition<T> Combine<T>(NumCondition<T> low, NumCondition<T> high) where T : unmanaged, IFloatingPoint<T>
    {
        if (low.Kind == CondKind.None || high.Kind == CondKind.None) return new(CondKind.None, T.Zero, T.Zero);
        if (low.Kind == CondKind.All) return high;
        if (high.Kind == CondKind.All) return low;
        return new(CondKind.Range, low.A, high.A, low.Kind == CondKind.Gt, high.Kind == CondKind.Lt);
    }
}
