using System.Numerics;

namespace Quiver.Node.Expressions;

/// <summary>
/// What a filter leaf asks of a <see cref="ScalarIndex"/>: the rows whose value satisfies it. Every query here is
/// one whose outcome on a non-null row is TRUE or FALSE (never UNKNOWN), so the index returns the TRUE rows and the
/// FALSE rows are the valid rows not TRUE — except <see cref="NullQuery"/>, which is never UNKNOWN at all.
/// </summary>
internal abstract record IndexQuery;

/// <summary><c>x op c</c> or a chained range on a numeric field, the constant already brought to the field's type T.</summary>
internal sealed record NumericQuery<T>(NumCondition<T> Condition) : IndexQuery where T : unmanaged, INumber<T>;

/// <summary><c>x in [..]</c> on a numeric field: the listed values the field's type holds exactly (others match nothing).</summary>
internal sealed record NumericInQuery<T>(T[] Values) : IndexQuery where T : unmanaged, INumber<T>;

/// <summary>A VarChar (or, with 1-byte keys, Bool) field against a constant, by UTF-8 byte order.</summary>
internal sealed record StringQuery(CompareOp Op, byte[] Value) : IndexQuery;

/// <summary><c>s in [..]</c> on a VarChar field.</summary>
internal sealed record StringInQuery(byte[][] Values) : IndexQuery;

/// <summary><c>s like "prefix%"</c> on a VarChar field.</summary>
internal sealed record PrefixQuery(byte[] Prefix) : IndexQuery;

/// <summary>A Bool field used as a condition: the rows holding <paramref name="Value"/>.</summary>
internal sealed record BoolQuery(bool Value) : IndexQuery;

/// <summary><c>x is null</c> (or <c>is not null</c> when negated): never UNKNOWN.</summary>
internal sealed record NullQuery(bool Negated) : IndexQuery;

/// <summary><c>array_contains[_any|_all]</c> on an Array field, with the list split by type as the scan does.</summary>
internal sealed record ContainsQuery(ContainsMode Mode, ConstSet List) : IndexQuery;

/// <summary>
/// A leaf of a plan that an index may answer: the field slot it reads, its query, and what scanning it costs per
/// row (nanoseconds, roughly: what the index's cost is weighed against).
/// </summary>
internal sealed record IndexLeaf(int Slot, IndexQuery Query, double ScanNsPerRow);

/// <summary>How <see cref="FilterPlan"/> uses the indexes it is given: by cost (the public behaviour), always, or never (tests).</summary>
internal enum IndexChoice { Cheapest, Always, Never }

/// <summary>
/// An index's answer over the whole segment: the raw outcome of each row is bit r of <see cref="Words"/> (or its
/// complement when <see cref="Complement"/>); TRUE = raw ∧ valid and FALSE = ¬raw ∧ valid, or — when
/// <see cref="AllKnown"/> — TRUE = raw and FALSE = ¬raw on every row. Taking the complement lets an index write
/// whichever side has fewer rows. The words belong to the evaluation context (reused call after call);
/// <see cref="Nulls"/> are the index's null rows (validity when the plan runs over the segment without batches).
/// </summary>
internal sealed record IndexAnswer(ulong[] Words, bool Complement, bool AllKnown, Quiver.Kernel.Bits.Bitset? Nulls);

/// <summary>
/// What scanning a leaf costs per row, in the same rough nanoseconds as <see cref="ScalarIndex"/>'s cost model
/// (measured with a throwaway harness on 1 M-row segments; see the README). Only their ratio to the index's costs
/// matters: an index answers when writing its matching rows is cheaper than the scan.
/// </summary>
internal static class ScanCosts
{
    /// <summary>A SIMD compare over a column of T: bound by reading it (Int64 ≈ 0.34 ns a row).</summary>
    public static double Column<T>() where T : unmanaged => System.Runtime.CompilerServices.Unsafe.SizeOf<T>() * 0.04 + 0.02;

    public const double HashedIn = 5;
    public const double StringEquals = 5;
    public const double StringOrder = 10;
    public const double StringPrefix = 5;
    public const double StringIn = 6;
    public const double BoolColumn = 0.03;
    public const double Validity = 0.02;
    public const double ArrayContains = 30;
}
