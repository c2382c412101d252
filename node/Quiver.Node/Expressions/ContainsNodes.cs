using System.Numerics;
using System.Text.Json;
using Apache.Arrow;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>Whether any listed value must be in the array, or all of them.</summary>
internal enum ContainsMode { Any, All }

/// <summary>
/// <c>array_contains[_any|_all](arr, ..)</c> on an Array field: membership per row over the row's elements in the
/// child column, no boxing. Elements equal a value as numbers (exactly), as UTF-8 strings, or as bools. A null row is
/// UNKNOWN; <c>_all</c> of [] is TRUE and <c>_any</c> of [] FALSE.
/// </summary>
internal sealed class ArrayContainsNode(int slot, string name, FieldType elementType, ContainsMode mode, ConstSet list, string function) : FilterNode
{
    private readonly long[] _longs = list.Longs.ToArray();
    private readonly double[] _doubles = list.Doubles.ToArray();
    private readonly byte[][] _strings = list.Values.OfType<string>().Select(Constants.Utf8).ToArray();

    public override int Cost => 8;

    public override IndexLeaf? IndexLeaf => new(slot, new ContainsQuery(mode, list), ScanCosts.ArrayContains);

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var array = (ListArray)ctx.Column(slot);
        var offsets = array.ValueOffsets.Slice(ctx.Start, ctx.Length + 1);
        var values = array.Values;
        whenTrue.Clear();
        for (int i = 0; i < ctx.Length; i++)
        {
            int lo = offsets[i], hi = offsets[i + 1];
            bool hit = elementType switch
            {
                FieldType.Int8 => Integers(((Int8Array)values).Values[lo..hi]),
                FieldType.Int16 => Integers(((Int16Array)values).Values[lo..hi]),
                FieldType.Int32 => Integers(((Int32Array)values).Values[lo..hi]),
                FieldType.Int64 => Integers(((Int64Array)values).Values[lo..hi]),
                FieldType.Float => Floats(((FloatArray)values).Values[lo..hi]),
                FieldType.Double => Floats(((DoubleArray)values).Values[lo..hi]),
                FieldType.VarChar => Strings((StringArray)values, lo, hi),
                _ => Bools((BooleanArray)values, lo, hi),
            };
            if (hit) whenTrue[i >> 6] |= 1UL << i;
        }
        BitWords.Finish(whenTrue, whenFalse, ctx.Validity(slot), ctx.Length);
    }

    private bool Integers<T>(ReadOnlySpan<T> e) where T : unmanaged, IBinaryInteger<T>
    {
        if (mode == ContainsMode.Any)
        {
            foreach (var x in e)
                if (list.Longs.Contains(long.CreateTruncating(x))) return true;
            return false;
        }
        if (_doubles.Length > 0) return false; // a non-integral value is in no integer array
        foreach (long want in _longs)
        {
            bool found = false;
            foreach (var x in e)
                if (long.CreateTruncating(x) == want) { found = true; break; }
            if (!found) return false;
        }
        return true;
    }

    private bool Floats<T>(ReadOnlySpan<T> e) where T : unmanaged, IFloatingPoint<T>
    {
        if (mode == ContainsMode.Any)
        {
            foreach (var x in e)
                if (list.ContainsNumber(double.CreateTruncating(x))) return true;
            return false;
        }
        foreach (long want in _longs)
            if (!AnyNumber(e, want)) return false;
        foreach (double want in _doubles)
            if (!AnyNumber(e, want)) return false;
        return true;
    }

    private static bool AnyNumber<T>(ReadOnlySpan<T> e, object want) where T : unmanaged, IFloatingPoint<T>
    {
        foreach (var x in e)
            if (Constants.CompareNumbers(double.CreateTruncating(x), want) == 0) return true;
        return false;
    }

    private bool Strings(StringArray values, int lo, int hi)
    {
        if (mode == ContainsMode.Any)
        {
            for (int k = lo; k < hi; k++)
                if (list.Strings.Contains(values.GetBytes(k))) return true;
            return false;
        }
        foreach (var want in _strings)
        {
            bool found = false;
            for (int k = lo; k < hi && !found; k++) found = values.GetBytes(k).SequenceEqual(want);
            if (!found) return false;
        }
        return true;
    }

    private bool Bools(BooleanArray values, int lo, int hi)
    {
        bool anyTrue = false, anyFalse = false;
        var bits = values.ValueBuffer.Span; // the whole bitmap: Values stops at Length bits and ignores Offset
        for (int k = lo; k < hi; k++)
        {
            if (BitWords.Bit(bits, values.Offset + k)) anyTrue = true; else anyFalse = true;
        }
        return mode == ContainsMode.Any
            ? (list.HasTrue && anyTrue) || (list.HasFalse && anyFalse)
            : (!list.HasTrue || anyTrue) && (!list.HasFalse || anyFalse);
    }

    public override string ToString() => $"{function}({name}, {list})";
}

/// <summary>
/// <c>json_contains[_any|_all]</c> / <c>array_contains*</c> on a JSON path: UNKNOWN unless the path holds an
/// array; then membership among its elements — numbers equal exactly across int/float, strings by their unescaped
/// UTF-8, bools, and list values equal nested arrays element by element. Elements of other types simply differ.
/// </summary>
internal sealed class JsonContainsNode(JsonPathNode path, ContainsMode mode, IReadOnlyList<object> values, string function) : FilterNode
{
    public override int Cost => 30;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var j = path.Get(ctx);
        var data = j.Data.Span;
        whenTrue.Clear();
        if (!whenFalse.IsEmpty) whenFalse.Clear();
        Span<bool> found = values.Count <= 256 ? stackalloc bool[values.Count] : new bool[values.Count];
        for (int i = 0; i < ctx.Length; i++)
        {
            if (j.Kind(i) != JsonKind.Array) continue; // UNKNOWN
            found.Clear();
            var r = new Utf8JsonReader(data[j.Start[i]..j.End[i]]);
            r.Read(); // [
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                for (int v = 0; v < values.Count; v++)
                {
                    if (found[v]) continue;
                    var probe = r; // a copy: comparing a nested array moves it
                    if (JsonValues.Equal(ref probe, values[v])) found[v] = true;
                }
                r.Skip();
            }
            bool hit = mode == ContainsMode.Any ? found.Contains(true) : !found.Contains(false);
            if (hit) whenTrue[i >> 6] |= 1UL << i;
            else if (!whenFalse.IsEmpty) whenFalse[i >> 6] |= 1UL << i;
        }
    }

    public override string ToString() => $"{function}({path}, {Constants.Show(values.ToArray())})";
}

/// <summary>Equality of a JSON value (at a reader) and a constant.</summary>
internal static class JsonValues
{
    /// <summary>
    /// True when the value starting at the reader's token equals <paramref name="value"/>; on true the reader is
    /// left on the value's last token (on false it is left anywhere: callers compare on a copy).
    /// </summary>
    public static bool Equal(ref Utf8JsonReader r, object value)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.Number when value is long or double:
                if (r.TryGetInt64(out long l)) return Constants.CompareNumbers(l, value) == 0;
                return r.TryGetDouble(out double d) && Constants.CompareNumbers(d, value) == 0;
            case JsonTokenType.String when value is string s:
                return r.ValueTextEquals(s);
            case JsonTokenType.True when value is bool b:
                return b;
            case JsonTokenType.False when value is bool b:
                return !b;
            case JsonTokenType.StartArray when value is object[] list:
                for (int k = 0; ; k++)
                {
                    if (!r.Read()) return false;
                    if (r.TokenType == JsonTokenType.EndArray) return k == list.Length;
                    if (k >= list.Length || !Equal(ref r, list[k])) return false;
                }
            default:
                return false;
        }
    }
}
