using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// A Milvus boolean filter compiled against a collection schema into a typed plan, and its column-at-a-time
/// evaluator over a segment's Arrow record batches: <see cref="Compile"/> once, <see cref="Evaluate"/> on every
/// segment (concurrently if wished — a plan is immutable).
/// </summary>
/// <remarks>
/// <para><b>Names.</b> An identifier is a schema field; otherwise, when the collection has a dynamic field, a key
/// of the hidden JSON column <c>$meta</c> (<c>color == "red"</c> ≡ <c>$meta["color"] == "red"</c>); <c>$meta</c>
/// alone is that JSON object. <c>f["a"]["b"]</c> and <c>f["arr"][0]</c> are JSON paths (a key step takes the first
/// property of that name); <c>arr[3]</c> on an Array field is an element. Vector fields cannot be filtered.</para>
/// <para><b>Three-valued logic (Kleene).</b> Every condition is TRUE, FALSE or UNKNOWN. UNKNOWN comes from a null
/// field, a missing JSON key or JSON null, a JSON value whose type does not fit the other operand (a string
/// compared with a number, a relational compare of bools), an array element past the end, integer division or
/// modulo by zero, a shift outside 0..63. Compares, in, like and arithmetic of UNKNOWN are UNKNOWN; <c>not</c>
/// keeps UNKNOWN; <c>and</c>/<c>or</c> follow Kleene (FALSE and UNKNOWN = FALSE, TRUE or UNKNOWN = TRUE). Only
/// TRUE rows are set in the result. <c>is null</c>, <c>is not null</c> and <c>exists</c> are never UNKNOWN:
/// a missing key or JSON null is null; <c>exists f["k"]</c> holds when the key is present, even as JSON null.</para>
/// <para><b>Numbers.</b> Integers are 64-bit and wrap; int/int division truncates; <c>**</c> is floating point; an
/// integer meets a float exactly, as mathematical values (<c>int_field &gt; 1.5</c> ⇔ <c>&gt;= 2</c>; constants
/// beyond an Int8/16/32 field's range just hold or fail, never overflow); Float fields compare exactly against
/// double constants; JSON numbers compare across int/float the same way; NaN is unordered (only != holds). Bools
/// support only == and !=. Strings — VarChar and JSON — compare by UTF-8 bytes (code point order). A string
/// literal's <c>\%</c> and <c>\_</c> are literal <c>%</c>/<c>_</c> outside like patterns. Chains
/// <c>1 &lt; x &lt;= 5</c>, <c>10 &gt; x &gt;= 2</c> mean the conjunction of their links.</para>
/// <para><b>in.</b> <c>x in L</c> is UNKNOWN for a null x, else the Kleene OR of <c>x == v</c> over L (so FALSE for
/// an empty list, and UNKNOWN for a JSON value with no match when L holds values of another type); <c>not in</c>
/// is its negation. Lists must be constants or a template; on typed fields their values must fit the type.</para>
/// <para><b>like.</b> <c>%</c> any run, <c>_</c> one Unicode code point, <c>\%</c>/<c>\_</c> literal; on VarChar
/// fields, VarChar array elements and JSON strings (other JSON values are UNKNOWN).</para>
/// <para><b>Functions.</b> <c>json_contains(p, v)</c> / <c>array_contains</c>, <c>*_all(p, [..])</c>,
/// <c>*_any(p, [..])</c> on Array fields and JSON paths: UNKNOWN for a null row or a JSON value that is not an
/// array; otherwise membership (numbers exactly across types, strings, bools; a list value equals a nested array
/// element by element). <c>_all</c> of [] is TRUE, <c>_any</c> of [] FALSE. <c>array_length(x)</c> of an Array
/// field or JSON array is an integer (UNKNOWN for null / non-arrays). text_match, phrase_match, random_sample and
/// ST_* are rejected as not supported.</para>
/// <para><b>Templates.</b> <c>{name}</c> takes a value from the template values: integers (any width), floats,
/// bools, strings, or arrays/lists of them.</para>
/// <para><b>Evaluation.</b> Rows are numbered across the batches in order. Each batch is cut into chunks of
/// 32 Ki rows; every node evaluates a whole chunk column-wise into TRUE/FALSE mask words (numeric compares on
/// Int8..Int64/Float/Double fields by SIMD, 64 rows per word, straight over the Arrow buffers; strings and like on
/// the UTF-8 bytes in place; JSON paths walked once per chunk into typed columns); and/or/not combine masks
/// word-wise; each chunk's TRUE mask is spliced into the result at its row offset.</para>
/// </remarks>
public sealed class FilterPlan
{
    private readonly FilterNode _root;
    private readonly IReadOnlyList<SegmentField> _slots;
    private readonly int _jsonSlots;
    private readonly int _primaryKeySlot;
    private readonly IndexedLeafNode[] _indexable;
    private readonly bool _onlyIndexable;
    private EvalContext? _spare;

    private FilterPlan(string expression, FilterNode root, IReadOnlyList<SegmentField> slots, int jsonSlots, string primaryKey)
    {
        Expression = expression;
        var leaves = new List<IndexedLeafNode>();
        _root = WrapIndexable(root, leaves);
        _indexable = leaves.ToArray();
        _onlyIndexable = OnlyIndexable(_root);
        _slots = slots;
        _jsonSlots = jsonSlots;
        _primaryKeySlot = slots.ToList().FindIndex(s => s.Name == primaryKey);
        Fields = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>True when the filter keeps every row (an empty expression, or one that folds to true).</summary>
    public bool IsAlwaysTrue => _root is ConstNode { Value: true };

    /// <summary>The schema fields the plan reads (<c>$meta</c> when it reads dynamic keys).</summary>
    public IReadOnlySet<string> Fields { get; }

    /// <summary>
    /// Compiles <paramref name="expression"/> against <paramref name="schema"/>; an empty or blank expression
    /// matches everything. Throws <see cref="ExpressionException"/> naming the position and the problem.
    /// </summary>
    public static FilterPlan Compile(string expression, CollectionSchema schema, IReadOnlyDictionary<string, object?>? templateValues = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(schema);
        string pk = schema.Fields.FirstOrDefault(f => f.IsPrimaryKey)?.Name ?? "";
        if (string.IsNullOrWhiteSpace(expression)) return new FilterPlan(expression, new ConstNode(true), [], 0, pk);
        var binder = new FilterBinder(expression, schema, templateValues);
        var root = binder.BindRoot(ExpressionParser.Parse(expression));
        return new FilterPlan(expression, root, binder.Slots, binder.JsonSlots, pk);
    }

    /// <summary>
    /// The rows of <paramref name="batches"/> (numbered 0..N−1 across them in order) for which the filter is TRUE.
    /// Throws <see cref="ArgumentException"/> when the segment schema lacks a field the plan reads or has it with
    /// another type.
    /// </summary>
    public Bitset Evaluate(IReadOnlyList<RecordBatch> batches, SegmentSchema segmentSchema) => Evaluate(batches, segmentSchema, null, IndexChoice.Never, out _);

    /// <summary>
    /// As <see cref="Evaluate(IReadOnlyList{RecordBatch}, SegmentSchema)"/>, with the segment's scalar indexes by
    /// field name (null or empty: none). Leaves an index answers exactly — a compare with a constant, a chained
    /// range, <c>in</c> / <c>not in</c>, <c>like "prefix%"</c> or an exact <c>like</c> on VarChar, <c>is null</c>,
    /// a Bool field, <c>array_contains*</c> — are taken from the index as whole-segment TRUE/FALSE masks when that
    /// costs less than scanning them (few matching rows, or equality on strings), and combined with the other
    /// leaves chunk by chunk; the result is exactly the scan's. Each index must have been built over these batches:
    /// an index whose row count or field type differs throws <see cref="ArgumentException"/>.
    /// </summary>
    public Bitset Evaluate(IReadOnlyList<RecordBatch> batches, SegmentSchema segmentSchema, IReadOnlyDictionary<string, ScalarIndex>? indexes) =>
        Evaluate(batches, segmentSchema, indexes, IndexChoice.Cheapest, out _);

    /// <summary>The evaluation, with the index-or-scan choice fixed (tests force each path) and the number of leaves the indexes answered.</summary>
    internal Bitset Evaluate(IReadOnlyList<RecordBatch> batches, SegmentSchema segmentSchema, IReadOnlyDictionary<string, ScalarIndex>? indexes, IndexChoice choice,
        out int answered)
    {
        answered = 0;
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(segmentSchema);
        long total = 0;
        int maxChunk = 0;
        for (int b = 0; b < batches.Count; b++)
        {
            total += batches[b].Length;
            maxChunk = Math.Max(maxChunk, Math.Min(batches[b].Length, EvalContext.ChunkRows));
        }
        if (total > int.MaxValue) throw new ArgumentException($"{total} rows exceed a bitset's {int.MaxValue}", nameof(batches));
        var result = new Bitset((int)total);
        if (total == 0) return result;
        if (IsAlwaysTrue)
        {
            result.SetAll();
            return result;
        }
        // One spare context per plan: segment after segment reuses its scratch; concurrent calls make their own.
        var ctx = Interlocked.Exchange(ref _spare, null) ?? new EvalContext(_slots.Count, _jsonSlots, _indexable.Length);
        try
        {
            var columns = ReferenceEquals(ctx.ResolvedFor, segmentSchema) ? ctx.ColumnOfSlot : ResolveColumns(segmentSchema);
            ctx.Prepare(columns, segmentSchema, maxChunk);
            if (indexes is { Count: > 0 } && choice != IndexChoice.Never && AskIndexes(ctx, indexes, (int)total, choice, result, out answered)) return result;
            EvaluateChunks(ctx, batches, result.Words);
        }
        finally
        {
            ctx.Finish();
            Volatile.Write(ref _spare, ctx);
        }
        return result;
    }

    private void EvaluateChunks(EvalContext ctx, IReadOnlyList<RecordBatch> batches, Span<ulong> words)
    {
        int row = 0;
        for (int b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            for (int start = 0; start < batch.Length; start += EvalContext.ChunkRows)
            {
                int length = Math.Min(EvalContext.ChunkRows, batch.Length - start);
                ctx.Begin(batch, start, length, row + start);
                int at = row + start;
                if ((at & 63) == 0)
                {
                    // Aligned: evaluate straight into the result (its words there are still 0 and the tail stays clear).
                    _root.Evaluate(ctx, words.Slice(at >> 6, ctx.Words), default);
                }
                else
                {
                    var t = ctx.RentMask();
                    _root.Evaluate(ctx, t, default);
                    BitWords.Splice(words, at, t, length);
                }
            }
            row += batch.Length;
        }
    }

    /// <summary>
    /// Asks each indexable leaf's index for its answer and keeps those given in the context. When the whole filter
    /// is one answered leaf, writes the result straight away and returns true.
    /// </summary>
    private bool AskIndexes(EvalContext ctx, IReadOnlyDictionary<string, ScalarIndex> indexes, int rows, IndexChoice choice, Bitset result, out int answered)
    {
        answered = 0;
        foreach (var leaf in _indexable)
        {
            var index = IndexFor(leaf, indexes, rows);
            if (index is null) continue;
            var query = leaf.Query;
            bool complement, allKnown;
            if (ReferenceEquals(leaf, _root))
            {
                // The filter is this one leaf: the index writes the result itself, then null rows come off.
                if (!index.TryAnswer(query.Query, query.ScanNsPerRow, choice, result.Words, out complement, out allKnown)) return false;
                if (complement) BitWords.Not(result.Words, rows);
                if (!allKnown && index.Nulls is { } nulls) BitOps.AndNot(result.Words, nulls.Words);
                answered = 1;
                return true;
            }
            var words = ctx.AnswerWords(leaf.Id, result.Words.Length);
            if (!index.TryAnswer(query.Query, query.ScanNsPerRow, choice, words.AsSpan(0, result.Words.Length), out complement, out allKnown)) continue;
            ctx.SetAnswer(leaf.Id, new IndexAnswer(words, complement, allKnown, index.Nulls));
            answered++;
        }
        if (answered < _indexable.Length || !_onlyIndexable) return false;
        // Every leaf came from an index: combine the answers over the segment in whole chunks, ignoring batches
        // (a growing segment of 1 000-row batches would otherwise pay a chunk's fixed cost per batch).
        ctx.Prepare(ctx.ColumnOfSlot, ctx.ResolvedFor!, rows);
        var into = result.Words;
        for (int start = 0; start < rows; start += EvalContext.ChunkRows)
        {
            int length = Math.Min(EvalContext.ChunkRows, rows - start);
            ctx.BeginSegment(start, length);
            _root.Evaluate(ctx, into.Slice(start >> 6, ctx.Words), default);
        }
        return true;
    }

    /// <summary>The index on the leaf's field, checked against the segment, or null when there is none.</summary>
    private ScalarIndex? IndexFor(IndexedLeafNode leaf, IReadOnlyDictionary<string, ScalarIndex> indexes, int rows)
    {
        var field = _slots[leaf.Query.Slot];
        if (!indexes.TryGetValue(field.Name, out var index) || index is null) return null;
        if (index.RowCount != rows)
            throw new ArgumentException($"the index on '{field.Name}' covers {index.RowCount} rows, but the batches hold {rows}", nameof(indexes));
        if (index.Field.Type != field.Type || index.Field.ElementType != field.ElementType)
            throw new ArgumentException($"the index on '{field.Name}' was built over {index.Field.Type}, but the filter reads the field as {field.Type}", nameof(indexes));
        return index;
    }

    /// <summary>
    /// Wraps the leaves an index could answer (found under and/or/not) so an evaluation given indexes can take
    /// their masks from the index; without indexes a wrapped leaf evaluates as itself.
    /// </summary>
    private static FilterNode WrapIndexable(FilterNode node, List<IndexedLeafNode> leaves) => node switch
    {
        AndNode a => new AndNode(a.Written.Select(c => WrapIndexable(c, leaves)).ToList()),
        OrNode o => new OrNode(o.Written.Select(c => WrapIndexable(c, leaves)).ToList()),
        NotNode n => new NotNode(WrapIndexable(n.Child, leaves)),
        _ when node.IndexLeaf is { } query => Add(new IndexedLeafNode(node, query, leaves.Count), leaves),
        _ => node,
    };

    /// <summary>True when the plan is and/or/not over indexable leaves only (no other node reads a column).</summary>
    private static bool OnlyIndexable(FilterNode node) => node switch
    {
        AndNode a => a.Written.All(OnlyIndexable),
        OrNode o => o.Written.All(OnlyIndexable),
        NotNode n => OnlyIndexable(n.Child),
        _ => node is IndexedLeafNode,
    };

    private static IndexedLeafNode Add(IndexedLeafNode leaf, List<IndexedLeafNode> leaves)
    {
        leaves.Add(leaf);
        return leaf;
    }

    private int[] ResolveColumns(SegmentSchema segmentSchema)
    {
        var columns = new int[_slots.Count];
        for (int s = 0; s < _slots.Count; s++)
        {
            var want = _slots[s];
            int index = -1;
            for (int i = 0; i < segmentSchema.Fields.Count; i++)
                if (segmentSchema.Fields[i].Name == want.Name) index = i;
            if (index < 0) throw new ArgumentException($"the segment has no field '{want.Name}', which the filter reads", nameof(segmentSchema));
            var have = segmentSchema.Fields[index];
            if (have.Type != want.Type || have.ElementType != want.ElementType)
                throw new ArgumentException($"the filter reads '{want.Name}' as {want.Type}, but the segment stores it as {have.Type}", nameof(segmentSchema));
            columns[s] = index;
        }
        return columns;
    }

    /// <summary>
    /// When the whole filter is <c>pk == v</c>, <c>pk in [...]</c>, or an <c>or</c> of those, the primary keys it
    /// selects (long or string, without duplicates, in no promised order) — so the engine can look rows up by key
    /// instead of scanning. False for any other filter.
    /// </summary>
    public bool TryGetPrimaryKeys(out IReadOnlyList<object> keys)
    {
        var found = new List<object>();
        if (_primaryKeySlot < 0 || !_root.TryCollectPrimaryKeys(_primaryKeySlot, found))
        {
            keys = [];
            return false;
        }
        keys = found.Distinct().ToArray();
        return true;
    }

    /// <summary>The plan, readable: node kinds, fields with their types, normalised constants.</summary>
    public override string ToString() => _root.ToString();
}
