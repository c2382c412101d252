using System.Globalization;
using Apache.Arrow;

namespace Quiver.Node.Expressions;

/// <summary>
/// A chunk of UTF-8 strings without a string object per row: row i is <c>Data[Starts[i]..Ends[i]]</c>. For a
/// VarChar column these are the Arrow buffers themselves; <see cref="Valid"/> empty = every row has a value.
/// </summary>
internal readonly ref struct Utf8Vector(ReadOnlySpan<byte> data, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, ReadOnlySpan<ulong> valid)
{
    public readonly ReadOnlySpan<byte> Data = data;
    public readonly ReadOnlySpan<int> Starts = starts;
    public readonly ReadOnlySpan<int> Ends = ends;
    public readonly ReadOnlySpan<ulong> Valid = valid;

    public ReadOnlySpan<byte> this[int i] => Data[Starts[i]..Ends[i]];
}

/// <summary>A string-valued node: a VarChar field, a VarChar array element, a JSON path read as a string.</summary>
internal abstract class StringNode
{
    public virtual int Cost => 3;

    public abstract Utf8Vector Evaluate(EvalContext ctx);

    public abstract override string ToString();
}

internal sealed class VarCharColumnNode(int slot, string name) : StringNode
{
    public int Slot { get; } = slot;

    public override Utf8Vector Evaluate(EvalContext ctx)
    {
        var col = (StringArray)ctx.Column(Slot);
        var offsets = col.ValueOffsets.Slice(ctx.Start, ctx.Length + 1);
        return new Utf8Vector(col.Values, offsets[..^1], offsets[1..], ctx.Validity(Slot));
    }

    public override string ToString() => name;
}

/// <summary><c>arr[k]</c> of a VarChar Array field (UNKNOWN past the end or on a null row).</summary>
internal sealed class ArrayElementStringNode(int slot, string name, int index) : StringNode
{
    public override Utf8Vector Evaluate(EvalContext ctx)
    {
        var list = (ListArray)ctx.Column(slot);
        var child = (StringArray)list.Values;
        var offsets = list.ValueOffsets.Slice(ctx.Start, ctx.Length + 1);
        var childOffsets = child.ValueOffsets;
        var valid = ArrayElements.Present(ctx, slot, index);
        var starts = ctx.RentInts();
        var ends = ctx.RentInts();
        for (int i = 0; i < ctx.Length; i++)
        {
            if ((valid[i >> 6] & (1UL << i)) == 0)
            {
                starts[i] = ends[i] = 0;
                continue;
            }
            int at = offsets[i] + index;
            starts[i] = childOffsets[at];
            ends[i] = childOffsets[at + 1];
        }
        return new Utf8Vector(child.Values, starts.AsSpan(0, ctx.Length), ends.AsSpan(0, ctx.Length), valid.AsSpan(0, ctx.Words));
    }

    public override string ToString() => $"{name}[{index.ToString(CultureInfo.InvariantCulture)}]";
}

/// <summary>A JSON path read as a string: UNKNOWN where it is missing, null or not a string.</summary>
internal sealed class JsonStringNode(JsonPathNode path) : StringNode
{
    private static readonly int StringKind = JsonVector.Set(JsonKind.String);

    public override int Cost => 20;

    public override Utf8Vector Evaluate(EvalContext ctx)
    {
        var j = path.Get(ctx);
        var valid = ctx.RentMask();
        j.KindMask(StringKind, valid);
        // Other kinds keep offsets into other buffers: give them empty strings (they are UNKNOWN anyway).
        var starts = ctx.RentInts();
        var ends = ctx.RentInts();
        for (int i = 0; i < ctx.Length; i++)
        {
            bool isString = (valid[i >> 6] & (1UL << i)) != 0;
            starts[i] = isString ? j.Start[i] : 0;
            ends[i] = isString ? j.End[i] : 0;
        }
        return new Utf8Vector(ctx.Arena, starts.AsSpan(0, ctx.Length), ends.AsSpan(0, ctx.Length), valid);
    }

    public override string ToString() => path.ToString();
}

/// <summary>A string against a constant by UTF-8 byte order (= code point order, as Milvus compares).</summary>
internal sealed class StringCompareConstNode(StringNode source, CompareOp op, string constant) : FilterNode
{
    private readonly byte[] _value = Constants.Utf8(constant);

    public override int Cost => source.Cost;

    public override IndexLeaf? IndexLeaf => source is VarCharColumnNode col
        ? new IndexLeaf(col.Slot, new StringQuery(op, _value), op is CompareOp.Eq or CompareOp.Ne ? ScanCosts.StringEquals : ScanCosts.StringOrder)
        : null;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var s = source.Evaluate(ctx);
        whenTrue.Clear();
        ReadOnlySpan<byte> c = _value;
        if (op is CompareOp.Eq or CompareOp.Ne)
        {
            // Lengths first: most rows differ there without touching their bytes.
            for (int i = 0; i < ctx.Length; i++)
                if (s.Ends[i] - s.Starts[i] == c.Length && s[i].SequenceEqual(c)) whenTrue[i >> 6] |= 1UL << i;
            if (op == CompareOp.Ne) BitWords.Not(whenTrue, ctx.Length);
        }
        else
        {
            for (int i = 0; i < ctx.Length; i++)
                if (op.Holds(s[i].SequenceCompareTo(c))) whenTrue[i >> 6] |= 1UL << i;
        }
        BitWords.Finish(whenTrue, whenFalse, s.Valid, ctx.Length);
    }

    public override bool TryCollectPrimaryKeys(int primaryKeySlot, List<object> keys)
    {
        if (op != CompareOp.Eq || source is not VarCharColumnNode col || col.Slot != primaryKeySlot) return false;
        keys.Add(constant);
        return true;
    }

    public override string ToString() => $"compare({source} {op.Symbol()} {Constants.Show(constant)})";
}

/// <summary>Two strings compared row by row.</summary>
internal sealed class StringCompareNode(StringNode left, CompareOp op, StringNode right) : FilterNode
{
    public override int Cost => left.Cost + right.Cost;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var a = left.Evaluate(ctx);
        var b = right.Evaluate(ctx);
        whenTrue.Clear();
        for (int i = 0; i < ctx.Length; i++)
            if (op.Holds(a[i].SequenceCompareTo(b[i]))) whenTrue[i >> 6] |= 1UL << i;
        var known = ctx.RentMask();
        BitWords.SetAll(known, ctx.Length);
        BitWords.AndValid(known, a.Valid);
        BitWords.AndValid(known, b.Valid);
        BitWords.Finish(whenTrue, whenFalse, known, ctx.Length);
    }

    public override string ToString() => $"compare({left} {op.Symbol()} {right})";
}
