using System.Globalization;
using Apache.Arrow;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// The static kind of a numeric value: all integers (long), all floats (double), or Mixed — JSON numbers, where
/// each row is one or the other.
/// </summary>
internal enum NumKind { Int, Float, Mixed }

/// <summary>
/// A numeric value over one chunk: Int in <see cref="Ints"/>, Float in <see cref="Floats"/>, Mixed in both with
/// <see cref="IsFloat"/> saying which holds each row. Rows outside <see cref="Valid"/> (null = all valid) are
/// UNKNOWN and hold garbage.
/// </summary>
internal sealed class NumVector
{
    public NumKind Kind;
    public int Length;
    public long[] Ints = [];
    public double[] Floats = [];
    public ulong[]? IsFloat;
    public ulong[]? Valid;

    public bool RowIsFloat(int i) => Kind == NumKind.Float || (Kind == NumKind.Mixed && (IsFloat![i >> 6] & (1UL << i)) != 0);

    public double AsDouble(int i) => RowIsFloat(i) ? Floats[i] : Ints[i];

    public ReadOnlySpan<ulong> ValidSpan(int words) => Valid is null ? default : Valid.AsSpan(0, words);

    /// <summary>Back to an empty Int vector (a context reuses its vectors chunk after chunk).</summary>
    public void Forget()
    {
        Kind = NumKind.Int;
        Length = 0;
        Ints = [];
        Floats = [];
        IsFloat = null;
        Valid = null;
    }
}

/// <summary>A numeric-valued node: a field, a constant, arithmetic, an array element or length, a JSON number.</summary>
internal abstract class NumericNode
{
    public abstract NumKind Kind { get; }

    public virtual int Cost => 2;

    public abstract NumVector Evaluate(EvalContext ctx);

    public abstract override string ToString();

    /// <summary>A fresh vector of this node's kind with arrays for the chunk.</summary>
    protected NumVector NewVector(EvalContext ctx, NumKind kind)
    {
        var v = ctx.RentVector();
        v.Kind = kind;
        v.Length = ctx.Length;
        if (kind != NumKind.Float) v.Ints = ctx.RentLongs();
        if (kind != NumKind.Int) v.Floats = ctx.RentDoubles();
        if (kind == NumKind.Mixed) v.IsFloat = ctx.RentWords();
        return v;
    }

    /// <summary>Copies validity words (or null) into a rented array the caller may change.</summary>
    protected static ulong[]? CopyValid(EvalContext ctx, ReadOnlySpan<ulong> valid)
    {
        if (valid.IsEmpty) return null;
        var w = ctx.RentWords();
        valid.CopyTo(w);
        return w;
    }
}

/// <summary>A numeric field's column, widened to long or double (for arithmetic and field-against-field compares).</summary>
internal sealed class FieldNumericNode(int slot, string name, FieldType type) : NumericNode
{
    public int Slot { get; } = slot;
    public string Name { get; } = name;
    public FieldType Type { get; } = type;

    public override NumKind Kind => Type is FieldType.Float or FieldType.Double ? NumKind.Float : NumKind.Int;

    public override int Cost => 1;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var v = NewVector(ctx, Kind);
        var col = ctx.Column(Slot);
        int s = ctx.Start, n = ctx.Length;
        switch (Type)
        {
            case FieldType.Int8: Widen(((Int8Array)col).Values.Slice(s, n), v.Ints); break;
            case FieldType.Int16: Widen(((Int16Array)col).Values.Slice(s, n), v.Ints); break;
            case FieldType.Int32: Widen(((Int32Array)col).Values.Slice(s, n), v.Ints); break;
            case FieldType.Int64: ((Int64Array)col).Values.Slice(s, n).CopyTo(v.Ints); break;
            case FieldType.Float:
                var f = ((FloatArray)col).Values.Slice(s, n);
                for (int i = 0; i < n; i++) v.Floats[i] = f[i];
                break;
            default: ((DoubleArray)col).Values.Slice(s, n).CopyTo(v.Floats); break;
        }
        v.Valid = CopyValid(ctx, ctx.Validity(Slot));
        return v;
    }

    private static void Widen<T>(ReadOnlySpan<T> from, long[] to) where T : System.Numerics.IBinaryInteger<T>
    {
        for (int i = 0; i < from.Length; i++) to[i] = long.CreateTruncating(from[i]);
    }

    public override string ToString() => Name;
}

/// <summary>A numeric constant operand (in field-against-expression arithmetic).</summary>
internal sealed class ConstNumericNode(object value) : NumericNode
{
    public object Value { get; } = value;

    public override NumKind Kind => Value is double ? NumKind.Float : NumKind.Int;

    public override int Cost => 0;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var v = NewVector(ctx, Kind);
        if (Value is long l) v.Ints.AsSpan(0, ctx.Length).Fill(l);
        else v.Floats.AsSpan(0, ctx.Length).Fill((double)Value);
        return v;
    }

    public override string ToString() => Constants.Show(Value);
}

/// <summary>
/// <c>left op right</c> column-wise into a temporary long or double column. Int op Int stays Int (division
/// truncates; division or modulo by zero and shifts outside 0..63 are UNKNOWN); a Float operand makes it Float;
/// <c>**</c> is always Float; a Mixed (JSON) operand decides per row.
/// </summary>
internal sealed class ArithNode(ArithOp op, NumericNode left, NumericNode right, NumKind kind) : NumericNode
{
    public ArithOp Op { get; } = op;
    public NumericNode Left { get; } = left;
    public NumericNode Right { get; } = right;

    public override NumKind Kind { get; } = kind;

    public override int Cost => Left.Cost + Right.Cost + 1;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var a = Left.Evaluate(ctx);
        var b = Right.Evaluate(ctx);
        int n = ctx.Length;
        var v = NewVector(ctx, Kind);
        var valid = ctx.RentWords();
        BitWords.SetAll(valid.AsSpan(0, ctx.Words), n);
        BitWords.AndValid(valid.AsSpan(0, ctx.Words), a.ValidSpan(ctx.Words));
        BitWords.AndValid(valid.AsSpan(0, ctx.Words), b.ValidSpan(ctx.Words));
        v.Valid = valid;
        if (Kind == NumKind.Int && a.Kind == NumKind.Int && b.Kind == NumKind.Int)
        {
            IntLoop(a.Ints, b.Ints, v.Ints, valid, n);
            return v;
        }
        if (Kind == NumKind.Float)
        {
            for (int i = 0; i < n; i++)
            {
                NumberSemantics.TryApply(Op, a.AsDouble(i), b.AsDouble(i), out double r);
                v.Floats[i] = r;
            }
            return v;
        }
        // Int with a Mixed operand (bit operators) or Mixed: row by row.
        if (Kind == NumKind.Mixed) v.IsFloat.AsSpan(0, ctx.Words).Clear();
        for (int i = 0; i < n; i++)
        {
            bool ok;
            if (!a.RowIsFloat(i) && !b.RowIsFloat(i))
            {
                ok = NumberSemantics.TryApply(Op, a.Ints[i], b.Ints[i], out long r);
                v.Ints[i] = r;
            }
            else if (Kind == NumKind.Int) ok = false; // a bit operator met a float
            else
            {
                ok = NumberSemantics.TryApply(Op, a.AsDouble(i), b.AsDouble(i), out double r);
                v.Floats[i] = r;
                v.IsFloat![i >> 6] |= 1UL << i;
            }
            if (!ok) valid[i >> 6] &= ~(1UL << i);
        }
        return v;
    }

    private void IntLoop(long[] a, long[] b, long[] r, ulong[] valid, int n)
    {
        unchecked
        {
            switch (Op)
            {
                case ArithOp.Add: for (int i = 0; i < n; i++) r[i] = a[i] + b[i]; break;
                case ArithOp.Sub: for (int i = 0; i < n; i++) r[i] = a[i] - b[i]; break;
                case ArithOp.Mul: for (int i = 0; i < n; i++) r[i] = a[i] * b[i]; break;
                case ArithOp.BitAnd: for (int i = 0; i < n; i++) r[i] = a[i] & b[i]; break;
                case ArithOp.BitOr: for (int i = 0; i < n; i++) r[i] = a[i] | b[i]; break;
                case ArithOp.BitXor: for (int i = 0; i < n; i++) r[i] = a[i] ^ b[i]; break;
                default:
                    for (int i = 0; i < n; i++)
                        if (!NumberSemantics.TryApply(Op, a[i], b[i], out r[i])) valid[i >> 6] &= ~(1UL << i);
                    break;
            }
        }
    }

    public override string ToString() => $"({Left} {Op.Symbol()} {Right})";
}

/// <summary>Unary minus (wrapping for integers) or <c>~</c> (integers; UNKNOWN on a JSON float).</summary>
internal sealed class NegateNode(NumericNode operand, bool bitwise) : NumericNode
{
    public override NumKind Kind => bitwise ? NumKind.Int : operand.Kind;

    public override int Cost => operand.Cost + 1;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var a = operand.Evaluate(ctx);
        int n = ctx.Length;
        var v = NewVector(ctx, Kind);
        v.Valid = CopyValid(ctx, a.ValidSpan(ctx.Words));
        for (int i = 0; i < n; i++)
        {
            bool isFloat = a.RowIsFloat(i);
            if (bitwise)
            {
                if (isFloat)
                {
                    v.Valid ??= AllValid(ctx);
                    v.Valid[i >> 6] &= ~(1UL << i);
                }
                else v.Ints[i] = ~a.Ints[i];
            }
            else if (isFloat) v.Floats[i] = -a.Floats[i];
            else v.Ints[i] = unchecked(-a.Ints[i]);
        }
        if (Kind == NumKind.Mixed) a.IsFloat.AsSpan(0, ctx.Words).CopyTo(v.IsFloat);
        return v;
    }

    private static ulong[] AllValid(EvalContext ctx)
    {
        var w = ctx.RentWords();
        BitWords.SetAll(w.AsSpan(0, ctx.Words), ctx.Length);
        return w;
    }

    public override string ToString() => $"{(bitwise ? "~" : "-")}{operand}";
}

/// <summary><c>array_length(arr)</c> of an Array field: UNKNOWN where the row is null.</summary>
internal sealed class ArrayLengthNode(int slot, string name) : NumericNode
{
    public override NumKind Kind => NumKind.Int;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var v = NewVector(ctx, NumKind.Int);
        var offsets = ((ListArray)ctx.Column(slot)).ValueOffsets.Slice(ctx.Start, ctx.Length + 1);
        for (int i = 0; i < ctx.Length; i++) v.Ints[i] = offsets[i + 1] - offsets[i];
        v.Valid = CopyValid(ctx, ctx.Validity(slot));
        return v;
    }

    public override string ToString() => $"array_length({name})";
}

/// <summary><c>arr[k]</c> of a numeric Array field: UNKNOWN where the row is null or shorter than k + 1.</summary>
internal sealed class ArrayElementNumericNode(int slot, string name, FieldType elementType, int index) : NumericNode
{
    public override NumKind Kind => elementType is FieldType.Float or FieldType.Double ? NumKind.Float : NumKind.Int;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var v = NewVector(ctx, Kind);
        var list = (ListArray)ctx.Column(slot);
        var valid = ArrayElements.Present(ctx, slot, index);
        var offsets = list.ValueOffsets.Slice(ctx.Start, ctx.Length + 1);
        var values = list.Values;
        for (int i = 0; i < ctx.Length; i++)
        {
            if ((valid[i >> 6] & (1UL << i)) == 0) continue;
            int at = offsets[i] + index;
            switch (elementType)
            {
                case FieldType.Int8: v.Ints[i] = ((Int8Array)values).Values[at]; break;
                case FieldType.Int16: v.Ints[i] = ((Int16Array)values).Values[at]; break;
                case FieldType.Int32: v.Ints[i] = ((Int32Array)values).Values[at]; break;
                case FieldType.Int64: v.Ints[i] = ((Int64Array)values).Values[at]; break;
                case FieldType.Float: v.Floats[i] = ((FloatArray)values).Values[at]; break;
                default: v.Floats[i] = ((DoubleArray)values).Values[at]; break;
            }
        }
        v.Valid = valid;
        return v;
    }

    public override string ToString() => $"{name}[{index.ToString(CultureInfo.InvariantCulture)}]";
}

/// <summary>A JSON path read as a number (Mixed): UNKNOWN where it is missing, null or not a number.</summary>
internal sealed class JsonNumberNode(JsonPathNode path) : NumericNode
{
    private static readonly int NumberKinds = JsonVector.Set(JsonKind.Int, JsonKind.Float);
    private static readonly int FloatKinds = JsonVector.Set(JsonKind.Float);

    public JsonPathNode Path { get; } = path;

    public override NumKind Kind => NumKind.Mixed;

    public override int Cost => 20;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var j = Path.Get(ctx);
        var v = ctx.RentVector();
        (v.Kind, v.Length, v.Ints, v.Floats, v.IsFloat, v.Valid) = (NumKind.Mixed, ctx.Length, j.I, j.D, ctx.RentWords(), ctx.RentWords());
        j.KindMask(NumberKinds, v.Valid.AsSpan(0, ctx.Words));
        j.KindMask(FloatKinds, v.IsFloat.AsSpan(0, ctx.Words));
        return v;
    }

    public override string ToString() => Path.ToString();
}

/// <summary><c>array_length</c> of a JSON path: the element count where it holds an array, UNKNOWN elsewhere.</summary>
internal sealed class JsonArrayLengthNode(JsonPathNode path) : NumericNode
{
    private static readonly int ArrayKind = JsonVector.Set(JsonKind.Array);

    public override NumKind Kind => NumKind.Int;

    public override int Cost => 20;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var j = path.Get(ctx);
        var v = ctx.RentVector();
        (v.Kind, v.Length, v.Ints, v.Valid) = (NumKind.Int, ctx.Length, j.I, ctx.RentWords());
        j.KindMask(ArrayKind, v.Valid.AsSpan(0, ctx.Words));
        return v;
    }

    public override string ToString() => $"array_length({path})";
}

/// <summary>Shared reading of Array-field elements.</summary>
internal static class ArrayElements
{
    /// <summary>Rows whose array is non-null and has an element at <paramref name="index"/>.</summary>
    public static ulong[] Present(EvalContext ctx, int slot, int index)
    {
        var list = (ListArray)ctx.Column(slot);
        var offsets = list.ValueOffsets.Slice(ctx.Start, ctx.Length + 1);
        var valid = ctx.Validity(slot);
        var w = ctx.RentWords();
        w.AsSpan(0, ctx.Words).Clear();
        for (int i = 0; i < ctx.Length; i++)
            if (offsets[i + 1] - offsets[i] > index) w[i >> 6] |= 1UL << i;
        BitWords.AndValid(w.AsSpan(0, ctx.Words), valid);
        return w;
    }
}
