using Apache.Arrow;
using Quiver.Kernel.Bits;

namespace Quiver.Node.Expressions;

/// <summary>A Bool field used as a condition: TRUE/FALSE straight from the Arrow value bitmap, UNKNOWN where null.</summary>
internal sealed class BoolColumnNode(int slot, string name) : FilterNode
{
    public override IndexLeaf? IndexLeaf { get; } = new(slot, new BoolQuery(true), ScanCosts.BoolColumn);

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var col = (BooleanArray)ctx.Column(slot);
        BitWords.CopyBitmap(col.ValueBuffer.Span, col.Offset + ctx.Start, ctx.Length, whenTrue);
        BitWords.Finish(whenTrue, whenFalse, ctx.Validity(slot), ctx.Length);
    }

    public override string ToString() => name;
}

/// <summary><c>arr[k]</c> of a Bool Array field as a condition (UNKNOWN past the end or on a null row).</summary>
internal sealed class ArrayElementBoolNode(int slot, string name, int index) : FilterNode
{
    public override int Cost => 3;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var list = (ListArray)ctx.Column(slot);
        var child = (BooleanArray)list.Values;
        var offsets = list.ValueOffsets.Slice(ctx.Start, ctx.Length + 1);
        var present = ArrayElements.Present(ctx, slot, index);
        whenTrue.Clear();
        for (int i = 0; i < ctx.Length; i++)
            if ((present[i >> 6] & (1UL << i)) != 0 && BitWords.Bit(child.ValueBuffer.Span, child.Offset + offsets[i] + index)) whenTrue[i >> 6] |= 1UL << i;
        BitWords.Finish(whenTrue, whenFalse, present.AsSpan(0, ctx.Words), ctx.Length);
    }

    public override string ToString() => $"{name}[{index}]";
}

/// <summary>A JSON path used as a condition: TRUE where it holds true, FALSE where false, UNKNOWN otherwise.</summary>
internal sealed class JsonTruthNode(JsonPathNode path) : FilterNode
{
    private static readonly int TrueKind = JsonVector.Set(JsonKind.True);
    private static readonly int FalseKind = JsonVector.Set(JsonKind.False);

    public override int Cost => 20;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var j = path.Get(ctx);
        j.KindMask(TrueKind, whenTrue);
        if (!whenFalse.IsEmpty) j.KindMask(FalseKind, whenFalse);
    }

    public override string ToString() => $"is_true({path})";
}

/// <summary><c>exists f["k"]</c>: TRUE where the path is present (even holding JSON null), FALSE elsewhere; never UNKNOWN.</summary>
internal sealed class ExistsNode(JsonPathNode path) : FilterNode
{
    private static readonly int MissingKind = JsonVector.Set(JsonKind.Missing);

    public override int Cost => 20;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var j = path.Get(ctx);
        j.KindMask(MissingKind, whenTrue);
        if (!whenFalse.IsEmpty) whenTrue.CopyTo(whenFalse);
        BitWords.Not(whenTrue, ctx.Length);
    }

    public override string ToString() => $"exists({path})";
}

/// <summary>
/// <c>x is null</c> / <c>x is not null</c> on anything with a value: a field's validity, a JSON path (missing
/// or JSON null counts as null), an array element (past the end is null), a computed value (UNKNOWN is null).
/// Never UNKNOWN itself.
/// </summary>
internal sealed class IsNullNode : FilterNode
{
    private static readonly int AbsentKinds = JsonVector.Set(JsonKind.Missing, JsonKind.Null);
    private readonly int _slot = -1;
    private readonly JsonPathNode? _json;
    private readonly NumericNode? _number;
    private readonly StringNode? _string;
    private readonly FilterNode? _condition;
    private readonly string _operand;
    private readonly bool _negated;

    private IsNullNode(string operand, bool negated)
    {
        _operand = operand;
        _negated = negated;
    }

    public IsNullNode(int slot, string name, bool negated) : this(name, negated) => _slot = slot;

    public IsNullNode(JsonPathNode json, bool negated) : this(json.ToString(), negated) => _json = json;

    public IsNullNode(NumericNode number, bool negated) : this(number.ToString(), negated) => _number = number;

    public IsNullNode(StringNode text, bool negated) : this(text.ToString(), negated) => _string = text;

    public IsNullNode(FilterNode condition, bool negated) : this(condition.ToString(), negated) => _condition = condition;

    public override int Cost => _json is not null ? 20 : _slot >= 0 ? 0 : 3;

    public override IndexLeaf? IndexLeaf => _slot >= 0 ? new IndexLeaf(_slot, new NullQuery(_negated), ScanCosts.Validity) : null;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        // whenTrue := the null rows.
        if (_json is not null) _json.Get(ctx).KindMask(AbsentKinds, whenTrue);
        else
        {
            ReadOnlySpan<ulong> present;
            if (_slot >= 0) present = ctx.Validity(_slot);
            else if (_number is not null) present = _number.Evaluate(ctx).ValidSpan(ctx.Words);
            else if (_string is not null) present = _string.Evaluate(ctx).Valid;
            else
            {
                var t = ctx.RentMask();
                var f = ctx.RentMask();
                _condition!.Evaluate(ctx, t, f);
                BitOps.Or(t, f);
                present = t;
            }
            if (present.IsEmpty) whenTrue.Clear();
            else
            {
                present.CopyTo(whenTrue);
                BitWords.Not(whenTrue, ctx.Length);
            }
        }
        if (_negated) BitWords.Not(whenTrue, ctx.Length);
        if (!whenFalse.IsEmpty)
        {
            whenTrue.CopyTo(whenFalse);
            BitWords.Not(whenFalse, ctx.Length);
        }
    }

    public override string ToString() => $"{(_negated ? "is_not_null" : "is_null")}({_operand})";
}

/// <summary>
/// Two JSON paths compared row by row: numbers numerically, strings by UTF-8 bytes, bools with == / != only;
/// anything else (different types, arrays, objects, missing) is UNKNOWN.
/// </summary>
internal sealed class JsonCompareNode(JsonPathNode left, CompareOp op, JsonPathNode right) : FilterNode
{
    public override int Cost => 40;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var a = left.Get(ctx);
        var b = right.Get(ctx);
        var arena = ctx.Arena.AsSpan();
        whenTrue.Clear();
        if (!whenFalse.IsEmpty) whenFalse.Clear();
        for (int i = 0; i < ctx.Length; i++)
        {
            JsonKind ka = a.Kind(i), kb = b.Kind(i);
            bool? r;
            if (ka is JsonKind.Int or JsonKind.Float && kb is JsonKind.Int or JsonKind.Float)
                r = op.Holds(ka == JsonKind.Float, a.I[i], a.D[i], kb == JsonKind.Float, b.I[i], b.D[i]);
            else if (ka == JsonKind.String && kb == JsonKind.String)
                r = op.Holds(arena[a.Start[i]..a.End[i]].SequenceCompareTo(arena[b.Start[i]..b.End[i]]));
            else if (ka is JsonKind.True or JsonKind.False && kb is JsonKind.True or JsonKind.False && op is CompareOp.Eq or CompareOp.Ne)
                r = (ka == kb) == (op == CompareOp.Eq);
            else r = null;
            if (r == true) whenTrue[i >> 6] |= 1UL << i;
            else if (r == false && !whenFalse.IsEmpty) whenFalse[i >> 6] |= 1UL << i;
        }
    }

    public override string ToString() => $"compare({left} {op.Symbol()} {right})";
}
