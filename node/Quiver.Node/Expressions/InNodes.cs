using System.Numerics;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// <c>x in [..]</c> for a numeric column read in its own type T: the list is first reduced to the values T can
/// hold exactly (an Int8 column drops 1000 and 2.5), then a short list runs as one SIMD equality per value and a
/// long one (primary-key lists of 100k keys) as a hash lookup per row.
/// </summary>
internal sealed class NumericInNode<T> : FilterNode where T : unmanaged, INumber<T>
{
    private const int SimdLimit = 16;
    private readonly NumericSource _source;
    private readonly T[] _values;
    private readonly HashSet<T>? _hashed;
    private readonly ConstSet _list;

    public NumericInNode(NumericSource source, T[] values, ConstSet list)
    {
        _source = source;
        _values = values;
        _list = list;
        if (values.Length > SimdLimit) _hashed = [.. values];
    }

    public override int Cost => _source.Cost + (_hashed is null ? 1 : 3);

    public override IndexLeaf? IndexLeaf => _source.Node is null
        ? new IndexLeaf(_source.Slot, new NumericInQuery<T>(_values), _hashed is null ? ScanCosts.Column<T>() * (1 + _values.Length) : ScanCosts.HashedIn)
        : null;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var x = _source.Values<T>(ctx, out var valid);
        if (_hashed is null) CompareKernels.AnyEqual<T>(x, _values, whenTrue);
        else
        {
            whenTrue.Clear();
            for (int i = 0; i < x.Length; i++)
                if (_hashed.Contains(x[i])) whenTrue[i >> 6] |= 1UL << i;
        }
        BitWords.Finish(whenTrue, whenFalse, valid, ctx.Length);
    }

    public override bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys)
    {
        if (_source.Node is not null || _source.Slot != primaryKeySlot || typeof(T) != typeof(long)) return false;
        foreach (var v in _values) keys.Add(long.CreateTruncating(v));
        return true;
    }

    public override string ToString() => $"in({_source}, {_list})";
}

/// <summary>Numbers of mixed kinds (JSON-derived arithmetic) in a list of numbers, row by row.</summary>
internal sealed class MixedInNode(NumericNode source, ConstSet list) : FilterNode
{
    public override int Cost => source.Cost + 2;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var v = source.Evaluate(ctx);
        whenTrue.Clear();
        for (int i = 0; i < ctx.Length; i++)
        {
            bool hit = v.RowIsFloat(i) ? list.ContainsNumber(v.Floats[i]) : list.ContainsNumber(v.Ints[i]);
            if (hit) whenTrue[i >> 6] |= 1UL << i;
        }
        BitWords.Finish(whenTrue, whenFalse, v.ValidSpan(ctx.Words), ctx.Length);
    }

    public override string ToString() => $"in({source}, {list})";
}

/// <summary>Strings in a list of strings (UTF-8 set, no string per row).</summary>
internal sealed class StringInNode(StringNode source, ConstSet list) : FilterNode
{
    public override int Cost => source.Cost + 1;

    public override IndexLeaf? IndexLeaf => source is VarCharColumnNode col
        ? new IndexLeaf(col.Slot, new StringInQuery(list.Values.OfType<string>().Select(Constants.Utf8).ToArray()), ScanCosts.StringIn)
        : null;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var s = source.Evaluate(ctx);
        whenTrue.Clear();
        for (int i = 0; i < ctx.Length; i++)
            if (list.Strings.Contains(s[i])) whenTrue[i >> 6] |= 1UL << i;
        BitWords.Finish(whenTrue, whenFalse, s.Valid, ctx.Length);
    }

    public override bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys)
    {
        if (source is not VarCharColumnNode col || col.Slot != primaryKeySlot) return false;
        foreach (var v in list.Values) keys.Add((string)v);
        return true;
    }

    public override string ToString() => $"in({source}, {list})";
}

/// <summary>A boolean operand in a list of bools: TRUE rows are members iff true is listed, FALSE rows iff false is.</summary>
internal sealed class BoolInNode(FilterNode source, ConstSet list) : FilterNode
{
    public override int Cost => source.Cost;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var t = ctx.RentMask();
        var f = ctx.RentMask();
        source.Evaluate(ctx, t, f);
        for (int i = 0; i < whenTrue.Length; i++)
        {
            ulong member = (list.HasTrue ? t[i] : 0) | (list.HasFalse ? f[i] : 0);
            whenTrue[i] = member;
            if (!whenFalse.IsEmpty) whenFalse[i] = (t[i] | f[i]) & ~member;
        }
    }

    public override string ToString() => $"in({source}, {list})";
}

/// <summary>
/// A JSON path in a list: <c>x in L</c> is UNKNOWN when x is missing or null, else the Kleene OR of
/// <c>x == v</c> over L — TRUE on a member; otherwise UNKNOWN if L holds a value of another type than x (that
/// equality is UNKNOWN), FALSE if not. Arrays and objects equal nothing here, so they are UNKNOWN (FALSE for []).
/// </summary>
internal sealed class JsonInNode(JsonPathNode path, ConstSet list) : FilterNode
{
    public override int Cost => 20;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var j = path.Get(ctx);
        var arena = ctx.Arena.AsSpan();
        whenTrue.Clear();
        if (!whenFalse.IsEmpty) whenFalse.Clear();
        bool otherThanNumbers = list.HasStrings || list.HasBools || list.HasOther;
        bool otherThanStrings = list.HasNumbers || list.HasBools || list.HasOther;
        bool otherThanBools = list.HasNumbers || list.HasStrings || list.HasOther;
        for (int i = 0; i < ctx.Length; i++)
        {
            bool? r = j.Kind(i) switch
            {
                JsonKind.Missing or JsonKind.Null => null,
                JsonKind.Int => list.ContainsNumber(j.I[i]) ? true : otherThanNumbers ? null : false,
                JsonKind.Float => list.ContainsNumber(j.D[i]) ? true : otherThanNumbers ? null : false,
                JsonKind.String => list.Strings.Contains(arena[j.Start[i]..j.End[i]]) ? true : otherThanStrings ? null : false,
                JsonKind.True => list.HasTrue ? true : otherThanBools ? null : false,
                JsonKind.False => list.HasFalse ? true : otherThanBools ? null : false,
                _ => list.Count == 0 ? false : null,
            };
            if (r == true) whenTrue[i >> 6] |= 1UL << i;
            else if (r == false && !whenFalse.IsEmpty) whenFalse[i >> 6] |= 1UL << i;
        }
    }

    public override string ToString() => $"in({path}, {list})";
}

/// <summary>Builds the <c>in</c> node for a numeric operand.</summary>
internal static class NumericIns
{
    public static FilterNode Create(NumericSource src, ConstSet list)
    {
        NumKind kind = src.Node?.Kind ?? (src.NativeType is FieldType.Float or FieldType.Double ? NumKind.Float : NumKind.Int);
        if (kind == NumKind.Mixed) return new MixedInNode(src.Node!, list);
        var type = src.Node is null ? src.NativeType : kind == NumKind.Int ? FieldType.Int64 : FieldType.Double;
        return type switch
        {
            FieldType.Int8 => Integer<sbyte>(src, list),
            FieldType.Int16 => Integer<short>(src, list),
            FieldType.Int32 => Integer<int>(src, list),
            FieldType.Int64 => Integer<long>(src, list),
            FieldType.Float => Floating<float>(src, list),
            _ => Floating<double>(src, list),
        };
    }

    private static FilterNode Integer<T>(NumericSource src, ConstSet list) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        long min = long.CreateTruncating(T.MinValue), max = long.CreateTruncating(T.MaxValue);
        var values = list.Longs.Where(v => v >= min && v <= max).Select(T.CreateTruncating).ToArray();
        return new NumericInNode<T>(src, values, list);
    }

    private static FilterNode Floating<T>(NumericSource src, ConstSet list) where T : unmanaged, IFloatingPoint<T>
    {
        var values = new List<T>();
        foreach (var v in list.Values)
        {
            if (v is not (long or double)) continue;
            // Keep only values this type holds exactly; the others equal no element.
            T t = v is long l ? T.CreateTruncating(l) : T.CreateTruncating((double)v);
            if (!T.IsNaN(t) && Constants.CompareNumbers(double.CreateTruncating(t), v) == 0) values.Add(t);
        }
        return new NumericInNode<T>(src, values.Distinct().ToArray(), list);
    }
}
