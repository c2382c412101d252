using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// INVERTED (and Trie, AUTOINDEX) on a VarChar field, and INVERTED on a Bool field: the distinct values in ordinal
/// UTF-8 order, each with its rows (<see cref="Utf8Postings"/>; a Bool is the one-byte key 0 or 1). Equality and
/// <c>in</c> are key lookups; <c>&lt;</c>, <c>&gt;=</c>, … and <c>like "prefix%"</c> are one run of keys, hence one
/// run of rows. (A Trie would answer the same prefixes; sorted keys give it without a second structure.)
/// </summary>
internal sealed class InvertedScalarIndex : ScalarIndex
{
    private static readonly byte[] FalseKey = [0];
    private static readonly byte[] TrueKey = [1];
    private readonly Utf8Postings _postings;

    private InvertedScalarIndex(string indexType, SegmentField field, int rowCount, Bitset? nulls, Utf8Postings postings)
        : base(indexType, field, rowCount, nulls) => _postings = postings;

    public override long MemoryBytes => _postings.MemoryBytes + NullsBytes;

    public static InvertedScalarIndex Build(string indexType, SegmentField field, IndexColumn column)
    {
        var nulls = column.Nulls();
        var builder = new Utf8Postings.Builder();
        for (int b = 0; b < column.Arrays.Length; b++)
        {
            int first = column.FirstRow[b];
            switch (column.Arrays[b])
            {
                case StringArray s:
                    for (int i = 0; i < s.Length; i++)
                        if (nulls is null || !nulls.Test(first + i)) builder.Add(s.GetBytes(i), first + i);
                    break;
                case BooleanArray bools:
                    for (int i = 0; i < bools.Length; i++)
                        if (nulls is null || !nulls.Test(first + i)) builder.Add(bools.GetValue(i) == true ? TrueKey : FalseKey, first + i);
                    break;
            }
        }
        return new InvertedScalarIndex(indexType, field, column.Rows, nulls, builder.Finish());
    }

    private protected override bool Answer(IndexQuery query, double budgetNs, Span<ulong> into, out bool complement)
    {
        complement = false;
        bool text = Field.Type == FieldType.VarChar;
        switch (query)
        {
            case StringQuery q when text:
            {
                var (lo, hi, outside) = _postings.Run(q.Op, q.Value);
                return _postings.Answer(lo, hi, outside, budgetNs, into, out complement);
            }
            case PrefixQuery q when text:
            {
                var (lo, hi) = _postings.PrefixRun(q.Prefix);
                return _postings.Answer(lo, hi, false, budgetNs, into, out complement);
            }
            case StringInQuery q when text:
            {
                var keys = new List<int>();
                var seen = new HashSet<int>();
                foreach (var v in q.Values)
                    if (_postings.Find(v) is >= 0 and var k && seen.Add(k)) keys.Add(k);
                return _postings.AnswerKeys(keys, budgetNs, into);
            }
            case BoolQuery q when !text:
            {
                int k = _postings.Find(q.Value ? TrueKey : FalseKey);
                return k < 0 ? _postings.AnswerKeys([], budgetNs, into) : _postings.Answer(k, k + 1, false, budgetNs, into, out complement);
            }
            default:
                return false;
        }
    }
}
