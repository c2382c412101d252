namespace Quiver.Node.Expressions;

/// <summary>
/// A boolean node of a typed filter plan. It evaluates one chunk at a time into two masks, TRUE and FALSE; rows
/// in neither are UNKNOWN (SQL's three-valued logic). <c>whenTrue</c> is always wanted; <c>whenFalse</c> is empty
/// when the caller does not need it (only <c>not</c> and the FALSE side of and/or ask), which lets leaves skip
/// that work. Both masks are fully written, with bits past the chunk's rows clear.
/// </summary>
internal abstract class FilterNode
{
    /// <summary>A rough per-row cost, to run cheap children of and/or first (a native column compare is 1).</summary>
    public virtual int Cost => 1;

    public abstract void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse);

    /// <summary>
    /// Adds the primary keys this node selects when it is exactly <c>pk == v</c> or <c>pk in [...]</c> (or an
    /// <c>or</c> of those); false when it is anything else.
    /// </summary>
    public virtual bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys) => false;

    /// <summary>
    /// When this node is a leaf a scalar index on its field can answer exactly (a compare with a constant, a range,
    /// <c>in</c>, a prefix <c>like</c>, <c>is null</c>, a Bool field, <c>array_contains*</c>), what to ask it; else null.
    /// </summary>
    public virtual IndexLeaf? IndexLeaf => null;

    /// <summary>A readable rendering of the node and its children, for EXPLAIN-style messages.</summary>
    public abstract override string ToString();
}
