using System.Numerics;
using Apache.Arrow;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// Where a numeric compare reads its values: a numeric field's Arrow column in its own type (<see cref="Node"/>
/// null — the SIMD fast path straight over the Arrow buffer), or a computed long/double column.
/// </summary>
internal sealed record NumericSource(int Slot, string Name, FieldType NativeType, NumericNode? Node)
{
    public static NumericSource Of(NumericNode node) => node is FieldNumericNode f
        ? new NumericSource(f.Slot, f.Name, f.Type, null)
        : new NumericSource(-1, node.ToString(), FieldType.None, node);

    /// <summary>The values of the chunk in T and their validity (empty = all valid).</summary>
    public ReadOnlySpan<T> Values<T>(EvalContext ctx, out ReadOnlySpan<ulong> valid) where T : unmanaged, INumber<T>
    {
        if (Node is null)
        {
            valid = ctx.Validity(Slot);
            return ((PrimitiveArray<T>)ctx.Column(Slot)).Values.Slice(ctx.Start, ctx.Length);
        }
        var v = Node.Evaluate(ctx);
        valid = v.ValidSpan(ctx.Words);
        return typeof(T) == typeof(long)
            ? ((T[])(object)v.Ints).AsSpan(0, ctx.Length)
            : ((T[])(object)v.Floats).AsSpan(0, ctx.Length);
    }

    public ReadOnlySpan<ulong> Validity(EvalContext ctx) => Node is null ? ctx.Validity(Slot) : Node.Evaluate(ctx).ValidSpan(ctx.Words);

    public int Cost => Node?.Cost ?? 1;

    public override string ToString() => Node is null ? $"{Name}:{NativeType}" : Name;
}

/// <summary>The lane map applied before a fused compare: <c>(x op m) cmp c</c>.</summary>
internal enum MapKind { None, Add, Sub, SubFrom, Mul, Div, DivFrom }

/// <summary>
/// <c>map(x) cmp bounds</c> over a whole chunk with the SIMD kernel, then TRUE/FALSE masked by validity. The
/// workhorse of numeric filters: <c>x &gt; c</c>, <c>x == c</c>, <c>lo &lt; x &lt;= hi</c>, <c>x * 2 + …</c>.
/// </summary>
internal sealed class CompareConstNode<T, TMap, TOp>(NumericSource source, T m, T a, T b, string text, NumCondition<T> condition) : FilterNode
    where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
{
    public NumericSource Source { get; } = source;

    // A field's own column compared without a lane map: the condition is exactly what an index on it can answer.
    public override IndexLeaf? IndexLeaf { get; } = source.Node is null && typeof(TMap) == typeof(IdentityMap<T>)
        ? new IndexLeaf(source.Slot, new NumericQuery<T>(condition), ScanCosts.Column<T>())
        : null;

    public override int Cost => Source.Cost;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var x = Source.Values<T>(ctx, out var valid);
        CompareKernels.Compare<T, TMap, TOp>(x, m, a, b, whenTrue);
        BitWords.Finish(whenTrue, whenFalse, valid, ctx.Length);
    }

    public override bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys)
    {
        if (Source.Node is not null || Source.Slot != primaryKeySlot || typeof(TOp) != typeof(EqOp<T>) || typeof(TMap) != typeof(IdentityMap<T>)) return false;
        keys.Add(long.CreateTruncating(a));
        return true;
    }

    public override string ToString() => text;
}

/// <summary>A compare whose outcome is the same on every non-null row (None/All after normalisation: <c>int8 &lt; 1000</c>).</summary>
internal sealed class ValidityNode(NumericSource source, bool holds, string text) : FilterNode
{
    public override int Cost => source.Node is null ? 0 : source.Cost;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var valid = source.Validity(ctx);
        var on = holds ? whenTrue : whenFalse;
        var off = holds ? whenFalse : whenTrue;
        if (!on.IsEmpty)
        {
            if (valid.IsEmpty) BitWords.SetAll(on, ctx.Length);
            else valid.CopyTo(on);
        }
        if (!off.IsEmpty) off.Clear();
    }

    public override bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys) =>
        !holds && source.Node is null && source.Slot == primaryKeySlot; // pk == 1.5: no key at all

    public override string ToString() => text;
}

/// <summary>Numbers of any kind (JSON numbers, mixed columns) against constants, row by row with the exact rules.</summary>
internal sealed class MixedCompareConstNode(NumericNode source, IReadOnlyList<(CompareOp Op, object Value)> conditions) : FilterNode
{
    public override int Cost => source.Cost + 1;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var v = source.Evaluate(ctx);
        whenTrue.Clear();
        for (int i = 0; i < ctx.Length; i++)
        {
            bool isFloat = v.RowIsFloat(i);
            bool all = true;
            foreach (var (op, c) in conditions)
            {
                bool cf = c is double;
                if (!op.Holds(isFloat, isFloat ? 0 : v.Ints[i], isFloat ? v.Floats[i] : 0, cf, cf ? 0 : (long)c, cf ? (double)c : 0))
                {
                    all = false;
                    break;
                }
            }
            if (all) whenTrue[i >> 6] |= 1UL << i;
        }
        BitWords.Finish(whenTrue, whenFalse, v.ValidSpan(ctx.Words), ctx.Length);
    }

    public override string ToString() => $"compare({source}, {string.Join(" and ", conditions.Select(c => $"{c.Op.Symbol()} {Constants.Show(c.Value)}"))})";
}

/// <summary>Two computed numeric columns compared row by row (SIMD when both are long or both double).</summary>
internal sealed class VectorCompareNode(NumericNode left, CompareOp op, NumericNode right) : FilterNode
{
    public override int Cost => left.Cost + right.Cost + 1;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var a = left.Evaluate(ctx);
        var b = right.Evaluate(ctx);
        int n = ctx.Length;
        if (a.Kind == NumKind.Int && b.Kind == NumKind.Int) Uniform<long>(a.Ints.AsSpan(0, n), b.Ints.AsSpan(0, n), whenTrue);
        else if (a.Kind == NumKind.Float && b.Kind == NumKind.Float) Uniform<double>(a.Floats.AsSpan(0, n), b.Floats.AsSpan(0, n), whenTrue);
        else
        {
            whenTrue.Clear();
            for (int i = 0; i < n; i++)
            {
                bool fa = a.RowIsFloat(i), fb = b.RowIsFloat(i);
                if (op.Holds(fa, fa ? 0 : a.Ints[i], fa ? a.Floats[i] : 0, fb, fb ? 0 : b.Ints[i], fb ? b.Floats[i] : 0))
                    whenTrue[i >> 6] |= 1UL << i;
            }
        }
        var known = ctx.RentMask();
        BitWords.SetAll(known, n);
        BitWords.AndValid(known, a.ValidSpan(ctx.Words));
        BitWords.AndValid(known, b.ValidSpan(ctx.Words));
        BitWords.Finish(whenTrue, whenFalse, known, n);
    }

    private void Uniform<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<ulong> words) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case CompareOp.Eq: CompareKernels.Compare2<T, EqOp<T>>(x, y, words); break;
            case CompareOp.Ne: CompareKernels.Compare2<T, NeOp<T>>(x, y, words); break;
            case CompareOp.Lt: CompareKernels.Compare2<T, LtOp<T>>(x, y, words); break;
            case CompareOp.Le: CompareKernels.Compare2<T, LeOp<T>>(x, y, words); break;
            case CompareOp.Gt: CompareKernels.Compare2<T, GtOp<T>>(x, y, words); break;
            default: CompareKernels.Compare2<T, GeOp<T>>(x, y, words); break;
        }
    }

    public override string ToString() => $"compare({left} {op.Symbol()} {right})";
}

/// <summary>Builds the specialised compare node for a numeric source, a lane map and one or two constant bounds.</summary>
internal static class NumericCompares
{
    /// <summary>
    /// <c>map(source) op₁ c₁ [and op₂ c₂]</c>. Two conditions must be a lower and an upper bound (a chained range).
    /// A map is only given for Int64/Double sources (lanes compute what long/double arithmetic would).
    /// </summary>
    public static FilterNode Create(NumericSource src, MapKind map, object? mapConst, IReadOnlyList<(CompareOp Op, object Value)> conditions)
    {
        NumKind kind = src.Node?.Kind ?? (src.NativeType is FieldType.Float or FieldType.Double ? NumKind.Float : NumKind.Int);
        if (kind == NumKind.Mixed) return new MixedCompareConstNode(src.Node!, conditions);
        string mapText = map switch
        {
            MapKind.None => src.ToString(),
            MapKind.Add => $"({src} + {Constants.Show(mapConst)})",
            MapKind.Sub => $"({src} - {Constants.Show(mapConst)})",
            MapKind.SubFrom => $"({Constants.Show(mapConst)} - {src})",
            MapKind.Mul => $"({src} * {Constants.Show(mapConst)})",
            MapKind.Div => $"({src} / {Constants.Show(mapConst)})",
            _ => $"({Constants.Show(mapConst)} / {src})",
        };
        var type = src.Node is null ? src.NativeType : kind == NumKind.Int ? FieldType.Int64 : FieldType.Double;
        return type switch
        {
            FieldType.Int8 => Integer<sbyte>(src, map, mapConst, conditions, mapText),
            FieldType.Int16 => Integer<short>(src, map, mapConst, conditions, mapText),
            FieldType.Int32 => Integer<int>(src, map, mapConst, conditions, mapText),
            FieldType.Int64 => Integer<long>(src, map, mapConst, conditions, mapText),
            FieldType.Float => Floating<float>(src, map, mapConst, conditions, mapText),
            _ => Floating<double>(src, map, mapConst, conditions, mapText),
        };
    }

    private static FilterNode Integer<T>(NumericSource src, MapKind map, object? mapConst, IReadOnlyList<(CompareOp Op, object Value)> conditions, string text)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        long min = long.CreateTruncating(T.MinValue), max = long.CreateTruncating(T.MaxValue);
        var c = NumericConditions.ToInteger(conditions[0].Op, conditions[0].Value, min, max);
        if (conditions.Count > 1) c = NumericConditions.Intersect(c, NumericConditions.ToInteger(conditions[1].Op, conditions[1].Value, min, max), min, max);
        var narrowed = NumericConditions.Narrow<T>(c);
        T m = mapConst is null ? T.Zero : T.CreateTruncating((long)mapConst);
        return WithMap(src, map, m, narrowed, $"compare({text} {narrowed})");
    }

    private static FilterNode Floating<T>(NumericSource src, MapKind map, object? mapConst, IReadOnlyList<(CompareOp Op, object Value)> conditions, string text)
        where T : unmanaged, IFloatingPoint<T>
    {
        var c = NumericConditions.ToFloating<T>(conditions[0].Op, conditions[0].Value);
        if (conditions.Count > 1)
        {
            var d = NumericConditions.ToFloating<T>(conditions[1].Op, conditions[1].Value);
            c = conditions[0].Op is CompareOp.Gt or CompareOp.Ge ? NumericConditions.Combine(c, d) : NumericConditions.Combine(d, c);
        }
        T m = mapConst is null ? T.Zero : T.CreateTruncating(Constants.ToDouble(mapConst));
        return WithMap(src, map, m, c, $"compare({text} {c})");
    }

    private static FilterNode WithMap<T>(NumericSource src, MapKind map, T m, NumCondition<T> c, string text) where T : unmanaged, INumber<T> => map switch
    {
        MapKind.None => WithOp<T, IdentityMap<T>>(src, m, c, text),
        MapKind.Add => WithOp<T, AddMap<T>>(src, m, c, text),
        MapKind.Sub => WithOp<T, SubMap<T>>(src, m, c, text),
        MapKind.SubFrom => WithOp<T, SubFromMap<T>>(src, m, c, text),
        MapKind.Mul => WithOp<T, MulMap<T>>(src, m, c, text),
        MapKind.Div => WithOp<T, DivMap<T>>(src, m, c, text),
        _ => WithOp<T, DivFromMap<T>>(src, m, c, text),
    };

    private static FilterNode WithOp<T, TMap>(NumericSource src, T m, NumCondition<T> c, string text)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> => c.Kind switch
    {
        CondKind.None => new ValidityNode(src, false, text),
        CondKind.All => new ValidityNode(src, true, text),
        CondKind.Eq => new CompareConstNode<T, TMap, EqOp<T>>(src, m, c.A, c.A, text, c),
        CondKind.Ne => new CompareConstNode<T, TMap, NeOp<T>>(src, m, c.A, c.A, text, c),
        CondKind.Lt => new CompareConstNode<T, TMap, LtOp<T>>(src, m, c.A, c.A, text, c),
        CondKind.Le => new CompareConstNode<T, TMap, LeOp<T>>(src, m, c.A, c.A, text, c),
        CondKind.Gt => new CompareConstNode<T, TMap, GtOp<T>>(src, m, c.A, c.A, text, c),
        CondKind.Ge => new CompareConstNode<T, TMap, GeOp<T>>(src, m, c.A, c.A, text, c),
        _ => (c.LowStrict, c.HighStrict) switch
        {
            (false, false) => new CompareConstNode<T, TMap, RangeOp<T, GeOp<T>, LeOp<T>>>(src, m, c.A, c.B, text, c),
            (true, false) => new CompareConstNode<T, TMap, RangeOp<T, GtOp<T>, LeOp<T>>>(src, m, c.A, c.B, text, c),
            (false, true) => new CompareConstNode<T, TMap, RangeOp<T, GeOp<T>, LtOp<T>>>(src, m, c.A, c.B, text, c),
            _ => new CompareConstNode<T, TMap, RangeOp<T, GtOp<T>, LtOp<T>>>(src, m, c.A, c.B, text, c),
        },
    };
}
