using Quiver.Kernel.Bits;
using Quiver.Node.Expressions;
using Quiver.Node.Streaming;

namespace Quiver.Node.Query;

/// <summary>A filter plan on one segment: the rows that are visible at a snapshot and pass the plan.</summary>
public static class SegmentFilter
{
    /// <summary>
    /// Rows of <paramref name="segment"/> visible at <paramref name="snapshot"/> that pass <paramref name="plan"/> (every visible
    /// row when the plan is null or matches everything). A growing segment may take rows meanwhile: the result covers
    /// the rows present in both looks, and later rows do not pass.
    /// </summary>
    public static Bitset Matching(IQuerySegment segment, FilterPlan? plan, ulong snapshot)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var batches = segment.Batches;
        var visible = segment.VisibleRows(snapshot);
        if (plan is null || plan.IsAlwaysTrue) return visible;
        // Sealed segments keep the bitsets of recent plans (and use their scalar indexes); growing ones evaluate every time.
        var passing = segment is SealedSegment s ? s.Passing(plan) : plan.Evaluate(batches, segment.Schema);
        return Intersect(visible, passing);
    }

    /// <summary>a ∧ b as a new bitset as long as the shorter of the two.</summary>
    public static Bitset Intersect(Bitset a, Bitset b)
    {
        var (shorter, other) = a.Length <= b.Length ? (a, b) : (b, a);
        var result = new Bitset(shorter.Length);
        shorter.Words.CopyTo(result.Words);
        BitOps.And(result.Words, other.Words[..result.Words.Length]);
        int tail = shorter.Length & 63;
        if (tail != 0) result.Words[^1] &= (1UL << tail) - 1;
        return result;
    }
}
