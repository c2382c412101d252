using System.Text;

namespace Quiver.Node.Expressions;

/// <summary>
/// A compiled <c>like</c> pattern matched on UTF-8 bytes straight from the column: <c>%</c> is any run of
/// characters, <c>_</c> exactly one character (one Unicode code point, 1–4 bytes), <c>\%</c> and <c>\_</c> are the
/// literal characters (any other backslash is itself). Shapes with one literal get fast paths — exact, prefix%,
/// %suffix, %infix% (a vectorised byte search) — and the rest the classic greedy matcher that backtracks to the
/// last <c>%</c>, stepping one code point at a time: O(text × pattern) at worst, no allocation.
/// </summary>
internal sealed class LikePattern
{
    public enum Shape { Exact, Prefix, Suffix, Infix, AnyValue, General }

    private enum TokenKind { Literal, One, Any }

    private readonly record struct Token(TokenKind Kind, byte[] Bytes);

    private readonly Token[] _tokens;
    private readonly byte[] _literal = [];

    public LikePattern(string pattern)
    {
        Pattern = pattern;
        var tokens = new List<Token>();
        var literal = new StringBuilder();
        void Flush()
        {
            if (literal.Length == 0) return;
            tokens.Add(new Token(TokenKind.Literal, Encoding.UTF8.GetBytes(literal.ToString())));
            literal.Clear();
        }
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && pattern[i + 1] is '%' or '_')
            {
                literal.Append(pattern[++i]);
                continue;
            }
            if (c is '%' or '_')
            {
                Flush();
                if (c == '_') tokens.Add(new Token(TokenKind.One, []));
                else if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.Any) tokens.Add(new Token(TokenKind.Any, []));
                continue;
            }
            literal.Append(c);
        }
        Flush();
        _tokens = tokens.ToArray();
        var kinds = _tokens.Select(t => t.Kind).ToArray();
        (PatternShape, _literal) = kinds switch
        {
            [] => (Shape.Exact, []),
            [TokenKind.Literal] => (Shape.Exact, _tokens[0].Bytes),
            [TokenKind.Literal, TokenKind.Any] => (Shape.Prefix, _tokens[0].Bytes),
            [TokenKind.Any, TokenKind.Literal] => (Shape.Suffix, _tokens[1].Bytes),
            [TokenKind.Any, TokenKind.Literal, TokenKind.Any] => (Shape.Infix, _tokens[1].Bytes),
            [TokenKind.Any] => (Shape.AnyValue, []),
            _ => (Shape.General, []),
        };
    }

    public string Pattern { get; }

    public Shape PatternShape { get; }

    /// <summary>The one literal of the fast-path shapes (empty for General and AnyValue).</summary>
    public ReadOnlySpan<byte> Literal => _literal;

    public bool IsMatch(ReadOnlySpan<byte> text) => PatternShape switch
    {
        Shape.Exact => text.SequenceEqual(_literal),
        Shape.Prefix => text.StartsWith(_literal),
        Shape.Suffix => text.EndsWith(_literal),
        Shape.Infix => text.IndexOf(_literal) >= 0,
        Shape.AnyValue => true,
        _ => General(text),
    };

    private bool General(ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        var tokens = _tokens;
        while (t < text.Length)
        {
            if (p < tokens.Length && tokens[p].Kind == TokenKind.Literal && text[t..].StartsWith(tokens[p].Bytes))
            {
                t += tokens[p].Bytes.Length;
                p++;
            }
            else if (p < tokens.Length && tokens[p].Kind == TokenKind.One)
            {
                t += CodePointLength(text, t);
                p++;
            }
            else if (p < tokens.Length && tokens[p].Kind == TokenKind.Any)
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                // Let the last % swallow one more character and retry from there.
                starT += CodePointLength(text, starT);
                t = starT;
                p = starP + 1;
            }
            else return false;
        }
        while (p < tokens.Length && tokens[p].Kind == TokenKind.Any) p++;
        return p == tokens.Length;
    }

    /// <summary>Bytes of the UTF-8 sequence starting at <paramref name="at"/> (at least 1, never past the end).</summary>
    private static int CodePointLength(ReadOnlySpan<byte> text, int at)
    {
        byte b = text[at];
        int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        if (b is >= 0x80 and < 0xC0) n = 1; // a stray continuation byte counts alone
        return Math.Min(n, text.Length - at);
    }

    public override string ToString() => $"{Constants.Show(Pattern)} ({PatternShape.ToString().ToLowerInvariant()})";
}

/// <summary><c>s like pattern</c> over a chunk of strings.</summary>
internal sealed class LikeNode(StringNode source, LikePattern pattern) : FilterNode
{
    public override int Cost => source.Cost + (pattern.PatternShape == LikePattern.Shape.General ? 4 : 1);

    public override IndexLeaf? IndexLeaf => source is VarCharColumnNode col
        ? pattern.PatternShape switch
        {
            LikePattern.Shape.Exact => new IndexLeaf(col.Slot, new StringQuery(CompareOp.Eq, pattern.Literal.ToArray()), ScanCosts.StringEquals),
            LikePattern.Shape.Prefix => new IndexLeaf(col.Slot, new PrefixQuery(pattern.Literal.ToArray()), ScanCosts.StringPrefix),
            _ => null,
        }
        : null;

    public override void Evaluate(EvalContext ctx, Span<ulong> whenTrue, Span<ulong> whenFalse)
    {
        var s = source.Evaluate(ctx);
        whenTrue.Clear();
        // The shape is chosen once per chunk, so each loop is one byte-span test per row.
        ReadOnlySpan<byte> lit = pattern.Literal;
        switch (pattern.PatternShape)
        {
            case LikePattern.Shape.Exact:
                for (int i = 0; i < ctx.Length; i++)
                    if (s.Ends[i] - s.Starts[i] == lit.Length && s[i].SequenceEqual(lit)) whenTrue[i >> 6] |= 1UL << i;
                break;
            case LikePattern.Shape.Prefix:
                for (int i = 0; i < ctx.Length; i++)
                    if (s[i].StartsWith(lit)) whenTrue[i >> 6] |= 1UL << i;
                break;
            case LikePattern.Shape.Suffix:
                for (int i = 0; i < ctx.Length; i++)
                    if (s[i].EndsWith(lit)) whenTrue[i >> 6] |= 1UL << i;
                break;
            case LikePattern.Shape.Infix:
                for (int i = 0; i < ctx.Length; i++)
                    if (s[i].IndexOf(lit) >= 0) whenTrue[i >> 6] |= 1UL << i;
                break;
            case LikePattern.Shape.AnyValue:
                BitWords.SetAll(whenTrue, ctx.Length);
                break;
            default:
                for (int i = 0; i < ctx.Length; i++)
                    if (pattern.IsMatch(s[i])) whenTrue[i >> 6] |= 1UL << i;
                break;
        }
        BitWords.Finish(whenTrue, whenFalse, s.Valid, ctx.Length);
    }

    public override string ToString() => $"like({source}, {pattern})";
}
