using System.Text;
using System.Text.Json;
using Apache.Arrow;

namespace Quiver.Node.Expressions;

/// <summary>What a JSON path holds in one row.</summary>
internal enum JsonKind : byte { Missing, Null, False, True, Int, Float, String, Array, Object, Other }

/// <summary>One step of a JSON path: an object key, or an array index.</summary>
internal readonly record struct JsonStep(string? Key, int Index)
{
    public override string ToString() => Key is null ? $"[{Index}]" : $"[\"{Key}\"]";
}

/// <summary>
/// One JSON path extracted for a chunk, as typed columns: per row its kind; Int → <see cref="I"/>, Float →
/// <see cref="D"/>, True/False; String → bytes [Start, End) of the context's arena (unescaped UTF-8); Array →
/// its element count in <see cref="I"/> and its text [Start, End) in the column's value buffer; Object → its text.
/// </summary>
internal sealed class JsonVector
{
    public byte[] Kinds = [];
    public long[] I = [];
    public double[] D = [];
    public int[] Start = [];
    public int[] End = [];
    public int Length;

    /// <summary>The column's UTF-8 value buffer (for Array/Object text).</summary>
    public ReadOnlyMemory<byte> Data;

    public JsonKind Kind(int row) => (JsonKind)Kinds[row];

    /// <summary>dest bit i = row i's kind is one of <paramref name="kinds"/> (a bit set over <see cref="JsonKind"/>).</summary>
    public void KindMask(int kinds, Span<ulong> dest)
    {
        dest.Clear();
        for (int i = 0; i < Length; i++)
            if ((kinds & (1 << Kinds[i])) != 0) dest[i >> 6] |= 1UL << i;
    }

    public static int Set(params JsonKind[] kinds) => kinds.Aggregate(0, (s, k) => s | (1 << (int)k));
}

/// <summary>
/// A JSON column (a JSON field, or <c>$meta</c> for dynamic keys) and a path into it. Extraction is the one
/// row-at-a-time step of the evaluator — JSON text has to be walked — and it produces typed columns
/// (<see cref="JsonVector"/>) that the compare, in, like and contains nodes then read column-wise; the result is
/// cached per chunk, so <c>j["a"] &gt; 1 and j["a"] &lt; 5</c> walks each row once. The walk uses
/// <see cref="Utf8JsonReader"/> straight over the Arrow buffer: no string or document per row. A key step takes
/// the first property of that name; an index step needs an array; any other shape, a null row, or malformed text
/// is Missing.
/// </summary>
internal sealed class JsonPathNode(int slot, string fieldName, IReadOnlyList<JsonStep> steps, int jsonSlot)
{
    public int Slot { get; } = slot;
    public string FieldName { get; } = fieldName;
    public IReadOnlyList<JsonStep> Steps { get; } = steps;
    public int JsonSlot { get; } = jsonSlot;

    private readonly byte[]?[] _keys = steps.Select(s => s.Key is null ? null : Encoding.UTF8.GetBytes(s.Key)).ToArray();

    /// <summary>The same column and path (so two references share one extraction).</summary>
    public bool SamePath(int slot, IReadOnlyList<JsonStep> steps) => slot == Slot && steps.SequenceEqual(Steps);

    public JsonVector Get(EvalContext ctx) => ctx.Json(JsonSlot, this);

    public void Extract(EvalContext ctx, JsonVector v)
    {
        var column = (StringArray)ctx.Column(Slot);
        int n = ctx.Length;
        v.Length = n;
        v.Kinds = ctx.RentBytes();
        v.I = ctx.RentLongs();
        v.D = ctx.RentDoubles();
        v.Start = ctx.RentInts();
        v.End = ctx.RentInts();
        v.Data = column.ValueBuffer.Memory;
        var valid = ctx.Validity(Slot);
        var offsets = column.ValueOffsets.Slice(ctx.Start, n + 1);
        var data = column.Values;
        for (int i = 0; i < n; i++)
        {
            v.Kinds[i] = (byte)JsonKind.Missing;
            if (!valid.IsEmpty && (valid[i >> 6] & (1UL << i)) == 0) continue;
            int from = offsets[i];
            try
            {
                ExtractRow(ctx, data[from..offsets[i + 1]], from, v, i);
            }
            catch (JsonException)
            {
                v.Kinds[i] = (byte)JsonKind.Missing; // not JSON: treated as a missing key
            }
            catch (InvalidOperationException)
            {
                v.Kinds[i] = (byte)JsonKind.Other; // a string with an invalid escaped surrogate: present, but no usable value
            }
        }
    }

    private void ExtractRow(EvalContext ctx, ReadOnlySpan<byte> text, int baseOffset, JsonVector v, int i)
    {
        var r = new Utf8JsonReader(text);
        if (!r.Read() || !Seek(ref r)) return;
        switch (r.TokenType)
        {
            case JsonTokenType.Null:
                v.Kinds[i] = (byte)JsonKind.Null;
                break;
            case JsonTokenType.True:
                v.Kinds[i] = (byte)JsonKind.True;
                break;
            case JsonTokenType.False:
                v.Kinds[i] = (byte)JsonKind.False;
                break;
            case JsonTokenType.Number:
                if (r.TryGetInt64(out long l))
                {
                    v.Kinds[i] = (byte)JsonKind.Int;
                    v.I[i] = l;
                }
                else if (r.TryGetDouble(out double d))
                {
                    v.Kinds[i] = (byte)JsonKind.Float;
                    v.D[i] = d;
                }
                else v.Kinds[i] = (byte)JsonKind.Other;
                break;
            case JsonTokenType.String:
            {
                int at = ctx.ReserveArena(r.ValueSpan.Length);
                int written = r.ValueIsEscaped ? r.CopyString(ctx.Arena.AsSpan(at)) : Copy(r.ValueSpan, ctx.Arena.AsSpan(at));
                ctx.ArenaUsed = at + written;
                v.Kinds[i] = (byte)JsonKind.String;
                v.Start[i] = at;
                v.End[i] = at + written;
                break;
            }
            case JsonTokenType.StartArray:
            {
                int start = (int)r.TokenStartIndex;
                long count = 0;
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    count++;
                    r.Skip();
                }
                v.Kinds[i] = (byte)JsonKind.Array;
                v.I[i] = count;
                v.Start[i] = baseOffset + start;
                v.End[i] = baseOffset + (int)r.BytesConsumed;
                break;
            }
            case JsonTokenType.StartObject:
            {
                int start = (int)r.TokenStartIndex;
                r.Skip();
                v.Kinds[i] = (byte)JsonKind.Object;
                v.Start[i] = baseOffset + start;
                v.End[i] = baseOffset + (int)r.BytesConsumed;
                break;
            }
            default:
                v.Kinds[i] = (byte)JsonKind.Other;
                break;
        }
    }

    private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
    {
        from.CopyTo(to);
        return from.Length;
    }

    /// <summary>Moves the reader from the value's first token to the path's value; false when the path is absent.</summary>
    private bool Seek(ref Utf8JsonReader r)
    {
        for (int s = 0; s < _keys.Length; s++)
        {
            if (_keys[s] is { } key)
            {
                if (r.TokenType != JsonTokenType.StartObject) return false;
                while (true)
                {
                    if (!r.Read() || r.TokenType == JsonTokenType.EndObject) return false;
                    bool match = r.ValueTextEquals(key);
                    r.Read();
                    if (match) break;
                    r.Skip();
                }
            }
            else
            {
                if (r.TokenType != JsonTokenType.StartArray) return false;
                for (int index = 0; ; index++)
                {
                    if (!r.Read() || r.TokenType == JsonTokenType.EndArray) return false;
                    if (index == Steps[s].Index) break;
                    r.Skip();
                }
            }
        }
        return true;
    }

    public override string ToString() => FieldName + string.Concat(Steps);
}
