using Quiver.Kernel.Bits;

namespace Quiver.Node.Expressions;

/// <summary>A constant: TRUE, FALSE, or UNKNOWN (null) on every row — what folding a constant comparison leaves.</summary>
internal sealed class ConstNode(bool? value) : FilterNode
{
    public bool? Value { get; } = value;

    public override int Cost => 0;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        if (Value == true) BitWords.SetAll(whenTrue, ctx.Length); else whenTrue.Clear();
        if (whenFalse.IsEmpty) return;
        if (Value == false) BitWords.SetAll(whenFalse, ctx.Length); else whenFalse.Clear();
    }

    public override string ToString() => Value switch { true => "true", false => "false", _ => "unknown" };
}

/// <summary>
/// Kleene conjunction of two or more children: TRUE = ∧ TRUE, FALSE = ∨ FALSE. Children run cheapest first, and
/// when only TRUE is wanted the rest are skipped once no row is left.
/// </summary>
internal sealed class AndNode(IReadOnlyList<FilterNode> children) : FilterNode
{
    public IReadOnlyList<FilterNode> Written { get; } = children;

    public IReadOnlyList<FilterNode> Children { get; } = children.OrderBy(c => c.Cost).ToArray();

    public override int Cost => Children.Sum(c => c.Cost);

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        Children[0].Evaluate(ctx, whenTrue, whenFalse);
        var t = ctx.RentMask();
        var f = whenFalse.IsEmpty ? default : ctx.RentMask();
        for (int i = 1; i < Children.Count; i++)
        {
            if (whenFalse.IsEmpty && BitWords.IsEmpty(whenTrue)) return;
            Children[i].Evaluate(ctx, t, f);
            BitOps.And(whenTrue, t);
            if (!whenFalse.IsEmpty) BitOps.Or(whenFalse, f);
        }
    }

    public override string ToString() => "and(" + string.Join(", ", Children) + ")";
}

/// <summary>Kleene disjunction: TRUE = ∨ TRUE, FALSE = ∧ FALSE.</summary>
internal sealed class OrNode(IReadOnlyList<FilterNode> children) : FilterNode
{
    /// <summary>The children as written (primary keys are reported in this order).</summary>
    public IReadOnlyList<FilterNode> Written { get; } = children;

    public IReadOnlyList<FilterNode> Children { get; } = children.OrderBy(c => c.Cost).ToArray();

    public override int Cost => Children.Sum(c => c.Cost);

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        Children[0].Evaluate(ctx, whenTrue, whenFalse);
        var t = ctx.RentMask();
        var f = whenFalse.IsEmpty ? default : ctx.RentMask();
        for (int i = 1; i < Children.Count; i++)
        {
            Children[i].Evaluate(ctx, t, f);
            BitOps.Or(whenTrue, t);
            if (!whenFalse.IsEmpty) BitOps.And(whenFalse, f);
        }
    }

    public override bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys)
    {
        foreach (var c in Written)
            if (!c.TryCollectPrimaryKeys(primaryKeySlot, keys)) return false;
        return true;
    }

    public override string ToString() => "or(" + string.Join(", ", Children) + ")";
}

/// <summary>Negation: swaps TRUE and FALSE, so NOT UNKNOWN stays UNKNOWN.</summary>
internal sealed class NotNode(FilterNode child) : FilterNode
{
    public FilterNode Child { get; } = child;

    public override int Cost => Child.Cost;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        // The child's FALSE is our TRUE; its TRUE is only needed when our FALSE is.
        var childTrue = whenFalse.IsEmpty ? ctx.RentMask() : whenFalse;
        Child.Evaluate(ctx, childTrue, whenTrue);
    }

    public override string ToString() => $"not({Child})";
}

/// <summary>
/// Equality of two boolean operands (<c>flag == (x &gt; 3)</c>, <c>b != c</c>): TRUE = both TRUE or both FALSE,
/// FALSE = one of each, UNKNOWN when either is; <c>!=</c> swaps the two.
/// </summary>
internal sealed class BoolEqualNode(FilterNode left, FilterNode right, bool negated) : FilterNode
{
    public override int Cost => left.Cost + right.Cost;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var lt = ctx.RentMask();
        var lf = ctx.RentMask();
        var rt = ctx.RentMask();
        var rf = ctx.RentMask();
        left.Evaluate(ctx, lt, lf);
        right.Evaluate(ctx, rt, rf);
        var same = negated ? whenFalse : whenTrue;
        var differ = negated ? whenTrue : whenFalse;
        if (!same.IsEmpty)
            for (int i = 0; i < same.Length; i++) same[i] = (lt[i] & rt[i]) | (lf[i] & rf[i]);
        if (!differ.IsEmpty)
            for (int i = 0; i < differ.Length; i++) differ[i] = (lt[i] & rf[i]) | (lf[i] & rt[i]);
    }

    public override string ToString() => $"{(negated ? "ne" : "eq")}({left}, {right})";
}
