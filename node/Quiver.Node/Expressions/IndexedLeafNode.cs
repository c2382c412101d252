using Quiver.Kernel.Bits;

namespace Quiver.Node.Expressions;

/// <summary>
/// A leaf a scalar index may answer, wrapped by the plan: when the evaluation has an index answer for it
/// (<see cref="EvalContext.Answer"/>), each chunk's TRUE/FALSE masks are cut from that whole-segment answer;
/// otherwise the leaf scans as it would unwrapped. Renders, costs and reports keys as the leaf it wraps.
/// </summary>
internal sealed class IndexedLeafNode(FilterNode leaf, IndexLeaf query, int id) : FilterNode
{
    public FilterNode Leaf { get; } = leaf;

    public IndexLeaf Query { get; } = query;

    /// <summary>Position of this leaf among the plan's indexable leaves (where its answer is kept in the context).</summary>
    public int Id { get; } = id;

    public override int Cost => Leaf.Cost;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        if (ctx.Answer(Id) is not { } answer)
        {
            Leaf.Evaluate(ctx, whenTrue, whenFalse);
            return;
        }
        BitWords.Extract(answer.Words, ctx.SegmentRow, ctx.Length, whenTrue);
        if (answer.Complement) BitWords.Not(whenTrue, ctx.Length);
        BitWords.Finish(whenTrue, whenFalse, answer.AllKnown ? default : Known(ctx, answer), ctx.Length);
    }

    /// <summary>The chunk's non-null rows: the batch's validity, or — evaluating over the segment without batches — the index's.</summary>
    private ReadOnlySpan<ulong> Known(EvalContext ctx, IndexAnswer answer)
    {
        if (ctx.Batch is not null) return ctx.Validity(Query.Slot);
        if (answer.Nulls is null) return default;
        var known = ctx.RentMask();
        BitWords.Extract(answer.Nulls.Words, ctx.SegmentRow, ctx.Length, known);
        BitWords.Not(known, ctx.Length);
        return known;
    }

    public override bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys) => Leaf.TryCollectPrimaryKeys(primaryKeySlot, keys);

    public override IndexLeaf? IndexLeaf => Query;

    public override string ToString() => Leaf.ToString();
}
