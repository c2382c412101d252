using System.Globalization;
using System.Text;

namespace Quiver.Node.Expressions;

/// <summary>
/// Parses Milvus's boolean expression language (the grammar of Milvus's <c>Plan.g4</c>, reference §5) into an
/// <see cref="Expr"/> tree: a hand-written lexer and a precedence-climbing parser, with positions on every node
/// and an error that names the position and what was expected. Nesting is bounded, so hostile input fails
/// cleanly instead of exhausting the stack.
/// </summary>
/// <remarks>
/// Precedence, lowest first: <c>or ||</c>; <c>and &amp;&amp;</c>; <c>not !</c> (prefix; as in SQL, <c>not a == 1</c> is
/// <c>not (a == 1)</c>); <c>|</c>; <c>^</c>; <c>&amp;</c>; <c>== !=</c>; <c>&lt; &lt;= &gt; &gt;=</c> (chainable:
/// <c>1 &lt; x &lt;= 5</c>); <c>in</c>, <c>not in</c>, <c>like</c>; <c>&lt;&lt; &gt;&gt;</c>; <c>+ -</c>; <c>* / %</c>;
/// <c>**</c> (right-associative); prefix <c>- + ~</c>; postfix <c>[key]</c>, <c>is [not] null</c>.
/// </remarks>
public sealed class ExpressionParser
{
    /// <summary>The deepest nesting accepted (parentheses, lists, prefix operators).</summary>
    public const int MaxDepth = 256;

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _at;
    private int _depth;

    private ExpressionParser(string text)
    {
        _text = text;
        _tokens = Lex(text);
    }

    /// <summary>Parses <paramref name="expression"/>; throws <see cref="ExpressionException"/> when it is not a valid expression.</summary>
    public static Expr Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parser = new ExpressionParser(expression);
        if (parser.Peek.Kind == TokenKind.End) throw new ExpressionException(expression, 0, "the expression is empty");
        var expr = parser.ParseOr();
        if (parser.Peek.Kind != TokenKind.End) throw parser.Error(parser.Peek, $"unexpected {parser.Peek.Describe()} after a complete expression");
        return expr;
    }

    // ---- lexer ----

    private enum TokenKind { End, Int, Float, String, Identifier, Keyword, Symbol }

    private readonly record struct Token(TokenKind Kind, string Text, object? Value, int Position)
    {
        public string Describe() => Kind switch
        {
            TokenKind.End => "end of expression",
            TokenKind.String => $"string \"{Text}\"",
            _ => $"'{Text}'",
        };
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "AND", "or", "OR", "not", "NOT", "in", "IN", "like", "LIKE", "is", "IS", "null", "NULL", "exists", "EXISTS",
        "true", "True", "TRUE", "false", "False", "FALSE",
    };

    private static readonly string[] Symbols = ["**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "~", "&", "|", "^", "(", ")", "[", "]", "{", "}", ",", "="];

    private static List<Token> Lex(string s)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i >= s.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", null, s.Length));
                return tokens;
            }
            char c = s[i];
            int start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
            {
                tokens.Add(LexNumber(s, ref i));
                continue;
            }
            if (c is '"' or '\'')
            {
                tokens.Add(new Token(TokenKind.String, LexString(s, ref i), null, start));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_' || c == '$')
            {
                i++;
                while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_')) i++;
                string word = s[start..i];
                if (word.StartsWith('$') && word != "$meta") throw new ExpressionException(s, start, $"'{word}' is not a name; the only name starting with '$' is $meta");
                tokens.Add(new Token(Keywords.Contains(word) ? TokenKind.Keyword : TokenKind.Identifier, word, null, start));
                continue;
            }
            string? symbol = null;
            foreach (var sym in Symbols)
            {
                if (string.CompareOrdinal(s, i, sym, 0, sym.Length) == 0) { symbol = sym; break; }
            }
            if (symbol is null) throw new ExpressionException(s, i, $"unexpected character '{c}'");
            tokens.Add(new Token(TokenKind.Symbol, symbol, null, i));
            i += symbol.Length;
        }
    }

    private static Token LexNumber(string s, ref int i)
    {
        int start = i;
        if (s[i] == '0' && i + 1 < s.Length && s[i + 1] is 'x' or 'X' or 'b' or 'B' or 'o' or 'O')
        {
            int radix = s[i + 1] is 'x' or 'X' ? 16 : s[i + 1] is 'b' or 'B' ? 2 : 8;
            i += 2;
            int digits = i;
            while (i < s.Length && char.IsAsciiHexDigit(s[i])) i++;
            string body = s[digits..i];
            if (body.Length == 0) throw new ExpressionException(s, start, "a number prefix without digits");
            try
            {
                return new Token(TokenKind.Int, s[start..i], checked((long)Convert.ToUInt64(body, radix)), start);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new ExpressionException(s, start, $"'{s[start..i]}' is not a valid base-{radix} integer");
            }
        }
        bool isFloat = false;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i < s.Length && s[i] == '.')
        {
            isFloat = true;
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            int mark = i;
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            if (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                isFloat = true;
                while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            }
            else i = mark;
        }
        string text = s[start..i];
        if (isFloat)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
                throw new ExpressionException(s, start, $"'{text}' is not a valid number");
            return new Token(TokenKind.Float, text, d, start);
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long l))
            throw new ExpressionException(s, start, $"integer '{text}' does not fit in 64 bits");
        return new Token(TokenKind.Int, text, l, start);
    }

    private static string LexString(string s, ref int i)
    {
        char quote = s[i];
        int start = i++;
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= s.Length) throw new ExpressionException(s, start, "a string is not closed");
            char c = s[i++];
            if (c == quote) return sb.ToString();
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (i >= s.Length) throw new ExpressionException(s, start, "a string is not closed");
            char e = s[i++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '"': sb.Append('"'); break;
                case '\'': sb.Append('\''); break;
                case '%': sb.Append("\\%"); break; // kept escaped for like patterns
                case '_': sb.Append("\\_"); break;
                case 'u':
                    if (i + 4 > s.Length || !ushort.TryParse(s.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ushort u))
                        throw new ExpressionException(s, i - 2, "\\u needs four hex digits");
                    sb.Append((char)u);
                    i += 4;
                    break;
                default:
                    throw new ExpressionException(s, i - 2, $"unknown escape '\\{e}' in a string");
            }
        }
    }

    // ---- parser ----

    private Token Peek => _tokens[_at];

    private Token Next()
    {
        var t = _tokens[_at];
        if (_at < _tokens.Count - 1) _at++; // the End token stays current
        return t;
    }

    private bool IsSymbol(string s) => Peek.Kind == TokenKind.Symbol && Peek.Text == s;

    private bool IsKeyword(string lower) => Peek.Kind == TokenKind.Keyword && string.Equals(Peek.Text, lower, StringComparison.OrdinalIgnoreCase);

    private bool IsKeywordAt(int offset, string lower) =>
        _at + offset < _tokens.Count && _tokens[_at + offset].Kind == TokenKind.Keyword && string.Equals(_tokens[_at + offset].Text, lower, StringComparison.OrdinalIgnoreCase);

    private ExpressionException Error(Token at, string problem) => new(_text, at.Position, problem);

    private Token Expect(string symbol, string what)
    {
        if (!IsSymbol(symbol)) throw Error(Peek, $"expected '{symbol}' {what}, found {Peek.Describe()}");
        return Next();
    }

    private void Enter(Token at)
    {
        if (++_depth > MaxDepth) throw Error(at, $"the expression nests deeper than {MaxDepth} levels");
    }

    private void Leave() => _depth--;

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (IsKeyword("or") || IsSymbol("||"))
        {
            var op = Next();
            left = new BinaryExpr(op.Position, "or", left, ParseAnd());
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (IsKeyword("and") || IsSymbol("&&"))
        {
            var op = Next();
            left = new BinaryExpr(op.Position, "and", left, ParseNot());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if ((IsKeyword("not") && !IsKeywordAt(1, "in")) || IsSymbol("!"))
        {
            var op = Next();
            Enter(op);
            var operand = ParseNot();
            Leave();
            return new UnaryExpr(op.Position, "not", operand);
        }
        return ParseBinary(0);
    }

    // Binary levels between `not` and the prefix operators, loosest first.
    private static readonly string[][] Levels =
    [
        ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["in", "not in", "like"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
    ];

    private string? OperatorAt(int level)
    {
        foreach (var op in Levels[level])
        {
            switch (op)
            {
                case "in" when IsKeyword("in"):
                case "like" when IsKeyword("like"):
                case "not in" when IsKeyword("not") && IsKeywordAt(1, "in"):
                    return op;
                default:
                    if (Peek.Kind == TokenKind.Symbol && Peek.Text == op) return op;
                    break;
            }
        }
        return null;
    }

    private Expr ParseBinary(int level)
    {
        if (level == Levels.Length) return ParsePower();
        var left = ParseBinary(level + 1);
        if (Levels[level][0] == "<")
        {
            // Relational operators chain: 1 < x <= 5.
            List<Expr>? operands = null;
            List<string>? ops = null;
            int position = left.Position;
            while (OperatorAt(level) is { } rel)
            {
                Next();
                operands ??= [left];
                ops ??= [];
                ops.Add(rel);
                operands.Add(ParseBinary(level + 1));
            }
            return operands is null ? left : new CompareExpr(position, operands, ops!);
        }
        while (OperatorAt(level) is { } op)
        {
            var token = Next();
            if (op == "not in") Next();
            var right = ParseBinary(level + 1);
            left = op switch
            {
                "in" => new InExpr(token.Position, left, right, false),
                "not in" => new InExpr(token.Position, left, right, true),
                _ => new BinaryExpr(token.Position, op, left, right),
            };
        }
        return left;
    }

    private Expr ParsePower()
    {
        var left = ParsePrefix();
        if (IsSymbol("**"))
        {
            var op = Next();
            Enter(op);
            var right = ParsePower(); // right-associative
            Leave();
            return new BinaryExpr(op.Position, "**", left, right);
        }
        return left;
    }

    private Expr ParsePrefix()
    {
        if (IsSymbol("-") || IsSymbol("+") || IsSymbol("~"))
        {
            var op = Next();
            Enter(op);
            var operand = ParsePrefix();
            Leave();
            // Fold a sign into a number literal so -9223372036854775808-style bounds and negative constants stay literals.
            if (op.Text == "-" && operand is LiteralExpr { Value: long l }) return new LiteralExpr(op.Position, -l);
            if (op.Text == "-" && operand is LiteralExpr { Value: double d }) return new LiteralExpr(op.Position, -d);
            return op.Text == "+" ? operand : new UnaryExpr(op.Position, op.Text, operand);
        }
        return ParsePostfix(ParsePrimary());
    }

    private Expr ParsePostfix(Expr expr)
    {
        while (true)
        {
            if (IsSymbol("["))
            {
                var open = Next();
                Enter(open);
                var key = ParseOr();
                Leave();
                Expect("]", "to close the element access");
                expr = new IndexExpr(open.Position, expr, key);
                continue;
            }
            if (IsKeyword("is"))
            {
                var isToken = Next();
                bool negated = false;
                if (IsKeyword("not"))
                {
                    Next();
                    negated = true;
                }
                if (!IsKeyword("null")) throw Error(Peek, $"expected 'null' after 'is{(negated ? " not" : "")}', found {Peek.Describe()}");
                Next();
                expr = new IsNullExpr(isToken.Position, expr, negated);
                continue;
            }
            return expr;
        }
    }

    private Expr ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Int:
            case TokenKind.Float:
                Next();
                return new LiteralExpr(t.Position, t.Value!);
            case TokenKind.String:
                Next();
                return new LiteralExpr(t.Position, t.Text);
            case TokenKind.Keyword when IsKeyword("true") || IsKeyword("false"):
                Next();
                return new LiteralExpr(t.Position, string.Equals(t.Text, "true", StringComparison.OrdinalIgnoreCase));
            case TokenKind.Keyword when IsKeyword("exists"):
            {
                Next();
                Enter(t);
                var path = ParsePostfix(ParsePrimary());
                Leave();
                return new ExistsExpr(t.Position, path);
            }
            case TokenKind.Identifier:
                Next();
                return IsSymbol("(") ? ParseCall(t) : new IdentifierExpr(t.Position, t.Text);
            case TokenKind.Symbol when t.Text == "(":
            {
                Next();
                Enter(t);
                var inner = ParseOr();
                Leave();
                Expect(")", "to close the parenthesis");
                return inner;
            }
            case TokenKind.Symbol when t.Text == "[":
                return ParseList();
            case TokenKind.Symbol when t.Text == "{":
            {
                Next();
                if (Peek.Kind != TokenKind.Identifier) throw Error(Peek, $"expected a template parameter name after '{{', found {Peek.Describe()}");
                var name = Next();
                Expect("}", "to close the template parameter");
                return new TemplateExpr(t.Position, name.Text);
            }
            case TokenKind.End:
                throw Error(t, "the expression ends where a value was expected");
            default:
                throw Error(t, $"expected a value, a field name, '(' or '[', found {t.Describe()}");
        }
    }

    private ListExpr ParseList()
    {
        var open = Next();
        Enter(open);
        var items = new List<Expr>();
        if (!IsSymbol("]"))
        {
            while (true)
            {
                items.Add(ParseOr());
                if (IsSymbol(",")) { Next(); if (IsSymbol("]")) break; continue; } // a trailing comma is allowed
                break;
            }
        }
        Expect("]", "to close the list");
        Leave();
        return new ListExpr(open.Position, items);
    }

    private CallExpr ParseCall(Token name)
    {
        var open = Next(); // (
        Enter(open);
        var args = new List<Expr>();
        var named = new Dictionary<string, Expr>(StringComparer.Ordinal);
        if (!IsSymbol(")"))
        {
            while (true)
            {
                if (Peek.Kind == TokenKind.Identifier && _tokens[_at + 1].Kind == TokenKind.Symbol && _tokens[_at + 1].Text == "=")
                {
                    var key = Next();
                    Next(); // =
                    if (!named.TryAdd(key.Text, ParseOr())) throw Error(key, $"argument '{key.Text}' is given twice");
                }
                else
                {
                    if (named.Count > 0) throw Error(Peek, "a positional argument cannot follow a named one");
                    args.Add(ParseOr());
                }
                if (IsSymbol(",")) { Next(); continue; }
                break;
            }
        }
        Expect(")", $"to close the call of {name.Text}");
        Leave();
        return new CallExpr(name.Position, name.Text, args, named);
    }
}
