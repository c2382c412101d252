using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// A scalar-field index over one segment's rows (Milvus's scalar indexes), built from the same record batches the
/// filter reads (rows numbered across the batches in order) and handed to
/// <see cref="FilterPlan.Evaluate(IReadOnlyList{RecordBatch}, SegmentSchema, IReadOnlyDictionary{string, ScalarIndex}?)"/>,
/// which asks it for the leaves it answers exactly — compares with constants, ranges, <c>in</c>, prefix
/// <c>like</c>, <c>is null</c>, <c>array_contains*</c> — where that is cheaper than scanning.
/// </summary>
/// <remarks>
/// <para><b>Types.</b> <c>INVERTED</c> (and <c>AUTOINDEX</c>, which builds the same here): any scalar field — Bool,
/// Int8..Int64, Float, Double, VarChar — and the elements of Array fields. <c>STL_SORT</c>: numeric fields.
/// <c>BITMAP</c>: Bool, Int8..Int64, VarChar (meant for low cardinality). <c>Trie</c>: VarChar. JSON and vector
/// fields take none of these.</para>
/// <para><b>Shapes.</b> Numeric INVERTED/STL_SORT keep every value sorted beside its row (binary search for ranges
/// and equality: 12 bytes a row for Int64); VarChar and Bool INVERTED/Trie keep the distinct values in ordinal
/// UTF-8 order, each with its rows in ascending order (so ranges and prefixes are one contiguous run of rows);
/// BITMAP keeps, per distinct value, a bitset over the segment when the value is frequent (at least 1 row in 64)
/// and its row numbers otherwise, so memory stays bounded whatever the cardinality. Null rows are recorded as a
/// bitset; NaN values are kept apart (they satisfy only <c>!=</c>).</para>
/// <para>An index is immutable once built and may be read by many evaluations at once. Indexes are built by
/// <see cref="Build"/> only (the set of kinds is closed).</para>
/// </remarks>
public abstract class ScalarIndex
{
    /// <summary>Milvus's index type names, as written in a create-index request (matched case-insensitively).</summary>
    public const string Inverted = "INVERTED", StlSort = "STL_SORT", Bitmap = "BITMAP", Trie = "Trie", AutoIndex = "AUTOINDEX";

    // The cost model the index-or-scan choice uses, in rough nanoseconds on a current x64 core (measured with a
    // throwaway harness; see the README): writing one matching row's bit, one fixed lookup (a binary search, a
    // bitset allocation), and the per-row cost of carrying a whole-segment answer through the evaluation.
    internal const double ScatterNsPerRow = 1.0;
    internal const double LookupNs = 300;
    internal const double AnswerNsPerRow = 0.03;

    private protected ScalarIndex(string indexType, SegmentField field, int rowCount, Bitset? nulls)
    {
        IndexType = indexType;
        Field = field;
        RowCount = rowCount;
        Nulls = nulls;
        NullCount = nulls is null ? 0 : (int)nulls.PopCount();
    }

    /// <summary>The index type as Milvus names it (<c>INVERTED</c>, <c>STL_SORT</c>, <c>BITMAP</c>, <c>Trie</c>, <c>AUTOINDEX</c>).</summary>
    public string IndexType { get; }

    /// <summary>Bytes the index holds (its arrays; object headers left out).</summary>
    public abstract long MemoryBytes { get; }

    /// <summary>Rows of the segment it was built over (null rows included).</summary>
    public int RowCount { get; }

    /// <summary>The field it indexes.</summary>
    internal SegmentField Field { get; }

    /// <summary>The null rows, or null when there are none.</summary>
    internal Bitset? Nulls { get; }

    internal int NullCount { get; }

    private protected long NullsBytes => Nulls is null ? 0 : Bitset.WordsFor(RowCount) * 8L;

    /// <summary>
    /// Whether <paramref name="indexType"/> can index a field of <paramref name="type"/> (with
    /// <paramref name="elementType"/> for Array fields); when not, <paramref name="why"/> says what is allowed.
    /// </summary>
    public static bool Supports(string indexType, FieldType type, FieldType elementType, out string? why)
    {
        ArgumentNullException.ThrowIfNull(indexType);
        if (Canonical(indexType) is not { } kind)
        {
            why = $"unknown scalar index type '{indexType}': scalar fields take {Inverted}, {StlSort}, {Bitmap}, {Trie} or {AutoIndex}";
            return false;
        }
        const string numeric = "Int8, Int16, Int32, Int64, Float, Double";
        string what = type == FieldType.Array ? $"Array of {elementType}" : type.ToString();
        bool ok;
        string allowed;
        switch (kind)
        {
            case Inverted or AutoIndex:
                ok = IsScalar(type) || (type == FieldType.Array && IsScalar(elementType));
                allowed = $"Bool, {numeric}, VarChar and Array fields of those";
                break;
            case StlSort:
                ok = IsNumeric(type);
                allowed = $"numeric fields ({numeric})";
                break;
            case Bitmap:
                ok = type is FieldType.Bool or FieldType.Int8 or FieldType.Int16 or FieldType.Int32 or FieldType.Int64 or FieldType.VarChar;
                allowed = "Bool, Int8, Int16, Int32, Int64 and VarChar fields (of low cardinality)";
                break;
            default:
                ok = type == FieldType.VarChar;
                allowed = "VarChar fields";
                break;
        }
        if (ok)
        {
            why = null;
            return true;
        }
        string extra = type == FieldType.Json ? " (JSON fields need no scalar index here)" : type.IsVector() ? " (vector fields take vector index types)" : "";
        why = $"{kind} indexes {allowed}, not {what}{extra}";
        return false;
    }

    /// <summary>
    /// Builds an index of <paramref name="indexType"/> over column <paramref name="column"/> of
    /// <paramref name="batches"/> (the Arrow layout of <paramref name="field"/>, rows numbered across the batches in
    /// order). Throws <see cref="ArgumentException"/> for a type the index does not support or a column that is not
    /// the field's layout.
    /// </summary>
    public static ScalarIndex Build(string indexType, SegmentField field, IReadOnlyList<RecordBatch> batches, int column)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(batches);
        if (!Supports(indexType, field.Type, field.ElementType, out string? why)) throw new ArgumentException($"field '{field.Name}': {why}", nameof(indexType));
        string kind = Canonical(indexType)!;
        var arrays = new IArrowArray[batches.Count];
        long total = 0;
        for (int b = 0; b < batches.Count; b++)
        {
            if ((uint)column >= (uint)batches[b].ColumnCount)
                throw new ArgumentOutOfRangeException(nameof(column), $"column {column} is outside batch {b}'s {batches[b].ColumnCount} columns");
            arrays[b] = batches[b].Column(column);
            CheckLayout(field, arrays[b], b);
            total += arrays[b].Length;
        }
        if (total > int.MaxValue) throw new ArgumentException($"{total} rows exceed an index's {int.MaxValue}", nameof(batches));
        var rows = new IndexColumn(arrays, (int)total);
        if (field.Type == FieldType.Array) return ArrayScalarIndex.Build(kind, field, rows);
        if (kind == Bitmap) return BitmapScalarIndex.Build(kind, field, rows);
        return field.Type switch
        {
            FieldType.Int8 => SortedScalarIndex<sbyte>.Build(kind, field, rows),
            FieldType.Int16 => SortedScalarIndex<short>.Build(kind, field, rows),
            FieldType.Int32 => SortedScalarIndex<int>.Build(kind, field, rows),
            FieldType.Int64 => SortedScalarIndex<long>.Build(kind, field, rows),
            FieldType.Float => SortedScalarIndex<float>.Build(kind, field, rows),
            FieldType.Double => SortedScalarIndex<double>.Build(kind, field, rows),
            _ => InvertedScalarIndex.Build(kind, field, rows), // VarChar, Bool
        };
    }

    /// <summary>
    /// Writes the raw outcome of <paramref name="query"/> over the segment into <paramref name="into"/> (its words,
    /// <see cref="Bitset.WordsFor"/> of <see cref="RowCount"/>), when this index answers that query and — unless
    /// <paramref name="choice"/> says always — doing so costs less than scanning at <paramref name="scanNsPerRow"/>.
    /// The raw outcome is the complement of what was written when <paramref name="complement"/>; TRUE is raw ∧
    /// valid, except when <paramref name="allKnown"/> (is null), where it is raw. False: nothing written, scan.
    /// </summary>
    internal bool TryAnswer(IndexQuery query, double scanNsPerRow, IndexChoice choice, Span<ulong> into, out bool complement, out bool allKnown)
    {
        complement = allKnown = false;
        if (choice == IndexChoice.Never) return false;
        if (query is NullQuery n)
        {
            // The null rows are kept as a bitset: as cheap as the scan's validity, and exact.
            if (Nulls is null) into.Clear(); else Nulls.Words.CopyTo(into);
            complement = n.Negated;
            allKnown = true;
            return true;
        }
        double budget = choice == IndexChoice.Always ? double.PositiveInfinity : (scanNsPerRow - AnswerNsPerRow) * RowCount;
        return budget > 0 && Answer(query, budget, into, out complement);
    }

    /// <summary>
    /// Writes the rows of the query (or their complement, saying so) into <paramref name="into"/>, clearing it first;
    /// false, writing nothing, when the query is not one this index answers or its estimated cost exceeds
    /// <paramref name="budgetNs"/>.
    /// </summary>
    private protected abstract bool Answer(IndexQuery query, double budgetNs, Span<ulong> into, out bool complement);

    private static string? Canonical(string indexType)
    {
        foreach (string k in (ReadOnlySpan<string>)[Inverted, StlSort, Bitmap, Trie, AutoIndex])
            if (string.Equals(k, indexType, StringComparison.OrdinalIgnoreCase)) return k;
        return null;
    }

    private static bool IsNumeric(FieldType t) => t is FieldType.Int8 or FieldType.Int16 or FieldType.Int32 or FieldType.Int64 or FieldType.Float or FieldType.Double;

    private static bool IsScalar(FieldType t) => IsNumeric(t) || t is FieldType.Bool or FieldType.VarChar;

    private static void CheckLayout(SegmentField field, IArrowArray array, int batch)
    {
        static bool Fits(FieldType t, IArrowArray a) => t switch
        {
            FieldType.Bool => a is BooleanArray,
            FieldType.Int8 => a is Int8Array,
            FieldType.Int16 => a is Int16Array,
            FieldType.Int32 => a is Int32Array,
            FieldType.Int64 => a is Int64Array,
            FieldType.Float => a is FloatArray,
            FieldType.Double => a is DoubleArray,
            FieldType.VarChar => a is StringArray,
            _ => false,
        };
        bool ok = field.Type == FieldType.Array ? array is ListArray list && Fits(field.ElementType, list.Values) : Fits(field.Type, array);
        if (!ok) throw new ArgumentException($"field '{field.Name}' is {field.Type}{(field.Type == FieldType.Array ? $" of {field.ElementType}" : "")}, but batch {batch} holds a {array.GetType().Name} in that column", nameof(field));
    }
}
