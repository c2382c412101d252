using System.Text;
using Quiver.Node.Expressions;

namespace Quiver.Node.Tests.Expressions;

public class ExpressionParserTests
{
    /// <summary>A compact, fully parenthesised rendering of a tree, to compare shapes.</summary>
    private static string Show(Expr e) => e switch
    {
        LiteralExpr { Value: string s } => $"\"{s}\"",
        LiteralExpr { Value: bool b } => b ? "true" : "false",
        LiteralExpr l => Convert.ToString(l.Value, System.Globalization.CultureInfo.InvariantCulture)!,
        ListExpr l => "[" + string.Join(",", l.Items.Select(Show)) + "]",
        IdentifierExpr i => i.Name,
        TemplateExpr t => "{" + t.Name + "}",
        IndexExpr x => $"{Show(x.Target)}[{Show(x.Key)}]",
        UnaryExpr u => $"({u.Op} {Show(u.Operand)})",
        BinaryExpr b => $"({Show(b.Left)} {b.Op} {Show(b.Right)})",
        CompareExpr c => "(" + Show(c.Operands[0]) + string.Concat(c.Ops.Select((op, i) => $" {op} {Show(c.Operands[i + 1])}")) + ")",
        InExpr i => $"({Show(i.Value)} {(i.Negated ? "not in" : "in")} {Show(i.List)})",
        IsNullExpr n => $"({Show(n.Value)} is {(n.Negated ? "not " : "")}null)",
        ExistsExpr x => $"(exists {Show(x.Path)})",
        CallExpr c => $"{c.Function}(" + string.Join(",", c.Args.Select(Show).Concat(c.Named.Select(p => $"{p.Key}={Show(p.Value)}"))) + ")",
        _ => throw new ArgumentException(e.GetType().Name),
    };

    [Theory]
    [InlineData("id in [1,2,3]", "(id in [1,2,3])")]
    [InlineData("color in [\"red\",\"green\"] and price < 100", "((color in [\"red\",\"green\"]) and (price < 100))")]
    [InlineData("name like \"Prod%\"", "(name like \"Prod%\")")]
    [InlineData("product[\"model\"] == \"JSN-087\" and product[\"price\"] < 1850", "((product[\"model\"] == \"JSN-087\") and (product[\"price\"] < 1850))")]
    [InlineData("json_contains(meta[\"tags\"], \"sale\")", "json_contains(meta[\"tags\"],\"sale\")")]
    [InlineData("array_length(history) > 10", "(array_length(history) > 10)")]
    [InlineData("desc is not null", "(desc is not null)")]
    [InlineData("text_match(text, \"vector database\", minimum_should_match=2)", "text_match(text,\"vector database\",minimum_should_match=2)")]
    [InlineData("1 < x <= 5", "(1 < x <= 5)")]
    [InlineData("price * 0.9 > 100", "((price * 0.9) > 100)")]
    [InlineData("a + b * c ** 2 ** 3 == -4", "((a + (b * (c ** (2 ** 3)))) == -4)")]
    [InlineData("not a == 1 or b != 2 && c", "((not (a == 1)) or ((b != 2) and c))")]
    [InlineData("x not in {ids} AND y IS NULL", "((x not in {ids}) and (y is null))")]
    [InlineData("age > {age} and city in {cities}", "((age > {age}) and (city in {cities}))")]
    [InlineData("exists meta[\"k\"][0]", "(exists meta[\"k\"][0])")]
    [InlineData("$meta[\"a\"] == True", "($meta[\"a\"] == true)")]
    [InlineData("flags & 4 == 4 | 1", "((flags & (4 == 4)) | 1)")]
    [InlineData("0x1F + 0b101 + 0o17 + 1.5e3 + .5", "((((31 + 5) + 15) + 1500) + 0.5)")]
    [InlineData("s == 'it\\'s \\u00e9'", "(s == \"it's é\")")]
    [InlineData("!(a > 1) || ~b < 3", "((not (a > 1)) or ((~ b) < 3))")]
    [InlineData("array_contains_any(tags, [1, 2,])", "array_contains_any(tags,[1,2])")]
    public void ParsesMilvusExpressions(string text, string expected) => Assert.Equal(expected, Show(ExpressionParser.Parse(text)));

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("a ==", 4, "ends where a value was expected")]
    [InlineData("a == 1)", 6, "unexpected ')'")]
    [InlineData("(a == 1", 7, "expected ')'")]
    [InlineData("a == \"open", 5, "not closed")]
    [InlineData("a @ 1", 2, "unexpected character '@'")]
    [InlineData("a is nul", 5, "expected 'null'")]
    [InlineData("f(x=1, 2)", 7, "positional argument cannot follow")]
    [InlineData("a == 99999999999999999999", 5, "does not fit in 64 bits")]
    [InlineData("$other == 1", 0, "only name starting with '$'")]
    [InlineData("a in [1, 2", 10, "expected ']'")]
    [InlineData("{ 1 }", 2, "template parameter name")]
    [InlineData("s == \"\\q\"", 6, "unknown escape")]
    public void BadExpressionsNameThePositionAndTheProblem(string text, int position, string problem)
    {
        var e = Assert.Throws<ExpressionException>(() => ExpressionParser.Parse(text));
        Assert.Equal(position, e.Position);
        Assert.Contains(problem, e.Message);
        Assert.Contains($"position {position}", e.Message);
        Assert.Equal(Quiver.Node.Errors.ErrorCode.ParameterInvalid, e.Code);
    }

    [Fact]
    public void DeepNestingFailsCleanly()
    {
        string deep = new string('(', 10_000) + "a" + new string(')', 10_000);
        Assert.Contains("nests deeper", Assert.Throws<ExpressionException>(() => ExpressionParser.Parse(deep)).Message);
        Assert.Contains("nests deeper", Assert.Throws<ExpressionException>(() => ExpressionParser.Parse(string.Concat(Enumerable.Repeat("not ", 5000)) + "a")).Message);
        Assert.Contains("nests deeper", Assert.Throws<ExpressionException>(() => ExpressionParser.Parse(string.Concat(Enumerable.Repeat("a ** ", 5000)) + "a")).Message);
        Assert.IsType<BinaryExpr>(ExpressionParser.Parse(string.Join(" and ", Enumerable.Range(0, 5000).Select(i => $"a{i} == {i}"))));
    }

    [Fact]
    public void RandomAndMutatedInputsEitherParseOrFailWithAnExpressionError()
    {
        var random = new Random(20261126);
        string[] seeds =
        [
            "id in [1,2,3] and price * 0.9 > 100 or not (name like \"a%\")", "json_contains_any(meta[\"tags\"], [\"a\", 'b'])",
            "1 < x <= 5 && y is not null", "{p} == z[0][\"k\"] ** 2", "exists m[\"x\"] || ~flags & 0x10 != 0",
        ];
        const string alphabet = "ab01 ()[]{}\"'=<>!&|^~+-*/%.,_$xinotlkesu\\";
        for (int trial = 0; trial < 20_000; trial++)
        {
            string text;
            if (trial % 2 == 0)
            {
                var sb = new StringBuilder(seeds[random.Next(seeds.Length)]);
                for (int m = random.Next(1, 4); m > 0; m--)
                {
                    int at = random.Next(sb.Length + 1);
                    switch (random.Next(3))
                    {
                        case 0: sb.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                        case 1: if (at < sb.Length) sb.Remove(at, 1); break;
                        default: if (at < sb.Length) sb[at] = alphabet[random.Next(alphabet.Length)]; break;
                    }
                }
                text = sb.ToString();
            }
            else
            {
                text = new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            }
            try
            {
                ExpressionParser.Parse(text);
            }
            catch (ExpressionException e)
            {
                Assert.InRange(e.Position, 0, text.Length);
            }
        }
    }
}
