using Apache.Arrow;
using Quiver.Node.Expressions;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// Each operator, function and type against the reference evaluator, over rows with nulls, missing and
/// mistyped JSON keys, NaN and extremes, unicode strings and empty arrays, in batches of 1, 63, 64, 65 and 1000
/// rows (so masks are spliced at every alignment).
/// </summary>
public class FilterPlanTests
{
    private static readonly CollectionSchema Schema = FilterData.Schema();
    private static readonly SegmentSchema Segment = Schema.ToSegmentSchema();
    private static readonly List<RecordBatch> Batches = FilterData.Batches(Schema, seed: 7, 1, 63, 64, 65, 1000);

    internal static void AssertSameAsReference(string expression, CollectionSchema schema, IReadOnlyList<RecordBatch> batches,
        IReadOnlyDictionary<string, object?>? templates = null)
    {
        var segment = schema.ToSegmentSchema();
        var plan = FilterPlan.Compile(expression, schema, templates);
        var got = plan.Evaluate(batches, segment);
        var want = new ReferenceFilter(schema, templates).Evaluate(expression, batches, segment);
        Assert.Equal(want.Length, got.Length);
        var wrong = Enumerable.Range(0, want.Length).Where(i => want[i] != got[i]).Take(10).ToArray();
        Assert.True(wrong.Length == 0,
            $"{expression}\nplan: {plan}\nrows that differ (first 10): {string.Join(", ", wrong.Select(i => $"{i} (reference {want[i]})"))}");
    }

    public static TheoryData<string> Expressions => new(ExpressionList);

    private static readonly string[] ExpressionList =
    [
        // numeric compares on every width, nullable and not
        "i8 > 3", "i8 >= -128", "i8 < 1000", "i8 > 1000", "i8 == 127", "i8 != -6", "i8 <= 2.5", "i8 > 2.5", "i8 == 2.0", "i8 == 2.5", "i8 != 2.5",
        "i16 > 0", "i16 <= -1", "i16 == 32767", "i16 != 5", "i16 < -40000",
        "i32 >= 4", "i32 < -3", "i32 == -2147483648", "i32 > 3000000000", "i32 < 1e10",
        "i64 > 2", "i64 == 9223372036854775807", "i64 < -9223372036854775807", "i64 > 9.3e18", "i64 < 9.3e18", "i64 >= 5.0", "i64 != 0",
        "f > 0.1", "f < 0.1", "f == 0.1", "f != 0.1", "f >= 1e300", "f > 3", "f <= -2.5", "f == 0",
        "d > 0.1", "d == 0.1", "d < 1e300", "d >= 1e300", "d != 3", "d > 9007199254740993", "d == -0.0",
        "3 < i8", "-2 >= i64", "5 == d",
        // chains and ranges, both directions
        "1 < i8 <= 5", "-3 <= i16 < 3", "10 > i32 >= 2", "0.5 < f < 4", "-1 <= d <= 1", "2.5 < i64 < 5.5", "1 < i8 < 0", "i8 < 3 < 5", "1 < i8 > 3",
        "-100 < i8 < 100", "0 < $meta[\"price\"] <= 3", "5 > qty > -2",
        // arithmetic, fast path and general
        "i64 + 1 > 3", "i64 - 2 == 0", "i64 * 2 < 5", "3 - i64 > 0", "d * 0.5 > 1", "d / 2 <= 1", "2 / d > 1", "d + 1 == 1",
        "i8 + 1 > 3", "i32 * 2 == 4", "f * 2 > 1", "i16 % 3 == 1", "i16 / 2 == 1", "i32 / 0 == 1", "(i32 % 0) is null",
        "i8 ** 2 > 10", "(i8 & 1) == 1", "(i8 | 2) == 3", "(i8 ^ 1) > 0", "i32 << 2 > 8", "i32 >> 1 < 0", "(i32 << 64) is null", "~i8 > 0", "-i8 > 2", "-d < 0",
        "i8 * i16 > i32", "i8 > i16", "i64 == i8", "f > d", "d >= i32", "i8 + d > 0", "(i64 + i8) * 2 < d",
        "i64 * 4611686018427387904 > 0", "$meta[\"price\"] * 2 > 3", "price + qty > 2", "qty / 2 == 1", "qty % 2 == 0", "(qty & 1) == 1",
        "price / 0 > 1", "qty ** 2 > 3", "-price > 1", "~qty == 0", "price > i8", "j[\"a\"] + j[\"n\"][\"v\"] < 1",
        // bool
        "b", "not b", "b == true", "b != true", "b == false", "b == (i8 > 0)", "b != (d > 0)", "b in [true]", "b not in [false]",
        "ab[0]", "ab[1] == false", "not ab[2]",
        // three-valued logic
        "i16 > 0 or i64 > 0", "i16 > 0 and i64 > 0", "not (i16 > 0)", "not (i16 > 0 and f > 0)", "not (i16 > 0 or b)", "i16 > 0 or not (i16 > 0)",
        "(i8 > 0 and (i16 < 0 or not b)) or (f > 1 and d < 0)", "not not (i64 > 0)", "true", "false", "not false and i8 > 0", "1 < 2", "1/0 > 1", "not (1/0 > 1)",
        "1/0 > 1 or i8 > 0", "1/0 > 1 and i8 > 0",
        // strings
        "s == \"a\"", "s != \"ab\"", "s > \"a\"", "s <= \"é\"", "s < \"😀\"", "t >= \"日\"", "t == \"\"", "s == t", "s < t", "s == 'a\\%'", "t in [\"a\", \"é\", \"%\"]",
        "s not in [\"a\", \"b\"]", "t in []", "t not in []", "as[0] == \"a\"", "as[1] > \"b\"", "as[0] in [\"a\", \"ab\"]",
        // like
        "s like \"a%\"", "s like \"%a\"", "s like \"%b%\"", "s like \"ab\"", "s like \"_\"", "s like \"__\"", "s like \"_b%\"", "s like \"%\"",
        "t like \"%_%\"", "t like \"a%b\"", "t like \"%a%b%\"", "t like \"\\%%\"", "t like \"%\\_\"", "t like \"\\\\%\"", "t like \"日%\"", "t like \"_😀\"",
        "t like \"%é_\"", "t like \"\"", "as[0] like \"a%\"", "color like \"a%\"", "j[\"s\"] like \"%q\"", "j[\"s\"] like \"_\"",
        // null tests
        "i16 is null", "i16 is not null", "s is null", "b is null", "j is null", "j is not null", "ai is null", "ai[2] is null", "as[0] is not null",
        "j[\"a\"] is null", "j[\"a\"] is not null", "color is null", "$meta is null", "(i16 + 1) is null", "(i16 > 0) is null", "(s like \"a%\") is null",
        "j[\"x\"] is null", "j[\"n\"][\"k\"] is not null",
        // exists
        "exists j[\"a\"]", "exists j[\"x\"]", "exists j[\"n\"][\"k\"]", "exists j[\"arr\"][1]", "exists color", "exists $meta[\"extra\"]", "not exists j[\"flag\"]",
        // JSON paths and dynamic keys
        "j[\"a\"] > 1", "j[\"a\"] == 1", "j[\"a\"] != 1", "j[\"a\"] >= 2.5", "j[\"a\"] < 9223372036854775807", "j[\"a\"] == \"dup\"", "j[\"s\"] == \"a\"",
        "j[\"s\"] > \"a\"", "j[\"s\"] == \"é\\\"q\"", "j[\"flag\"] == true", "j[\"flag\"] != false", "j[\"flag\"]", "not j[\"flag\"]", "j[\"x\"] == 1", "j[\"x\"] == \"a\"",
        "j[\"x\"] == true", "j[\"n\"][\"k\"] == 1", "j[\"n\"][\"v\"] < 0", "j[\"arr\"][0] == 1", "j[\"arr\"][1] > 0", "j[\"arr\"][0][0] == 1", "j == 5",
        "color == \"a\"", "color != \"b\"", "price > 2", "price <= 1.0", "qty == 2", "$meta[\"qty\"] > 0", "$meta[\"tags\"][0] == \"a\"",
        "j[\"a\"] == j[\"n\"][\"v\"]", "j[\"a\"] < j[\"x\"]", "j[\"s\"] == j[\"x\"]", "j[\"flag\"] == j[\"x\"]", "color == s", "price == d", "j[\"flag\"] == b",
        "extra == extra", "extra != extra",
        // in on everything
        "i8 in [1, 2, 3]", "i8 not in [1, 2, 3]", "i8 in [1000, 2.5, 3.0, -128]", "i16 in [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]",
        "i64 in [9223372036854775807, 1, 2]", "i64 not in []", "i64 in []", "f in [0.1, 1, 2.5]", "d in [0.1, -0.0, 1e300, 3]", "i32 + 1 in [1, 2]",
        "j[\"a\"] in [1, 2.5, \"dup\"]", "j[\"a\"] in [1, 2]", "j[\"a\"] not in [1, 2]", "j[\"x\"] in [true, \"a\", 1]", "j[\"x\"] in []", "j[\"x\"] not in []",
        "color in [\"a\", \"b\", \"ab\"]", "color not in [\"a\"]", "price in [1, 2, 3]", "qty + 1 in [1, 2]", "id in [1, 5, 100, 1000]", "id not in [3, 4]",
        // functions
        "array_length(ai) == 0", "array_length(ai) > 2", "array_length(as) < 2", "array_length(j[\"arr\"]) == 2", "array_length(tags) >= 1", "array_length(j) > 0",
        "array_contains(ai, 1)", "array_contains(ai, 1.0)", "array_contains(ai, 1.5)", "array_contains_all(ai, [1, 2])", "array_contains_any(ai, [3, 4])",
        "array_contains_all(ai, [])", "array_contains_any(ai, [])", "array_contains_all(ai, [1, 1.5])", "array_contains(a8, 127)", "array_contains_any(a8, [-128, 1000])",
        "array_contains(ad, 0.1)", "array_contains_all(ad, [1, 0.1])", "array_contains_any(ad, [3, 1e300])", "array_contains(as, \"a\")",
        "array_contains_all(as, [\"a\", \"b\"])", "array_contains_any(as, [\"é\", \"日\"])", "array_contains(ab, true)", "array_contains_all(ab, [true, false])",
        "array_contains_any(ab, [false])", "not array_contains(ai, 2)",
        "json_contains(j[\"arr\"], 1)", "json_contains(j[\"arr\"], \"a\")", "json_contains(j[\"arr\"], true)", "json_contains(j[\"arr\"], 1.0)",
        "json_contains_all(j[\"arr\"], [1, \"a\"])", "json_contains_any(j[\"arr\"], [2, false])", "json_contains_all(j[\"arr\"], [])", "json_contains_any(j[\"arr\"], [])",
        "json_contains(j[\"arr\"], [1, 2])", "json_contains(tags, \"b\")", "json_contains_any(tags, [1, \"a\"])", "json_contains(j[\"x\"], 1)", "json_contains(j, 1)",
        "array_contains(tags, 0)",
        // arrays by element
        "ai[0] == 1", "ai[1] > 0", "ai[3] < 0", "a8[0] > 0", "a8[0] == 127", "ad[0] > 0.5", "ad[1] != ad[0]", "ai[0] in [1, 2]", "ai[0] + ai[1] > 0",
        // or-chains of equalities (folded into in)
        "i8 == 1 or i8 == 2 or s == \"a\" or i8 == 3.5 or 4 == i8 or s == \"é\"", "d == 0.1 or d == 3 or i8 > 2", "i64 == 1 or i64 == 2 and i8 > 0",
        // composed
        "i8 > 0 and s like \"a%\" and j[\"a\"] > 0", "(color == \"a\" or price > 2) and not (qty in [1, 2])", "i64 > 0 or exists j[\"s\"] or array_length(ai) > 1",
    ];

    [Theory]
    [MemberData(nameof(Expressions))]
    public void MatchesTheReference(string expression) => AssertSameAsReference(expression, Schema, Batches);

    [Fact]
    public void TheDataTellsOperatorsApart()
    {
        // Most expressions must select some rows and reject others, or the comparisons above prove little.
        int total = Batches.Sum(b => b.Length);
        var reference = new ReferenceFilter(Schema);
        var mixed = ExpressionList.Count(e =>
        {
            int hits = reference.Evaluate(e, Batches, Segment).Count(x => x);
            return hits > 0 && hits < total;
        });
        Assert.True(mixed > ExpressionList.Length * 0.85, $"only {mixed} of {ExpressionList.Length} expressions select a proper subset of the rows");
    }

    [Fact]
    public void EmptyExpressionMatchesEveryRow()
    {
        var plan = FilterPlan.Compile("  ", Schema);
        Assert.True(plan.IsAlwaysTrue);
        var bits = plan.Evaluate(Batches, Segment);
        Assert.Equal(Batches.Sum(b => b.Length), bits.PopCount());
        Assert.Empty(plan.Fields);
    }

    [Fact]
    public void NoBatchesGiveAnEmptyBitset()
    {
        var bits = FilterPlan.Compile("i8 > 0", Schema).Evaluate([], Segment);
        Assert.Equal(0, bits.Length);
    }

    [Fact]
    public void BatchesLongerThanAChunkAreSplicedCorrectly()
    {
        // 40 000 rows: chunks of 32 768 + the rest, after a 3-row batch so every chunk lands unaligned.
        var big = FilterData.Batches(Schema, seed: 11, 3, 40_000, 100);
        foreach (var e in new[] { "i64 > 2", "i8 in [1, 2, 3]", "s like \"a%\"", "not (i16 > 0)", "price > 1 or color == \"a\"", "1 < i32 <= 5" })
            AssertSameAsReference(e, Schema, big);
    }

    [Fact]
    public void SlicedArrowColumnsAreReadAtTheirOffset()
    {
        var schema = FilterData.Schema(keep: f => f.Name is "i16" or "s" or "b" or "ai" or "j" or "d" or "ab" or "as");
        var batch = FilterData.Batches(schema, seed: 5, 300)[0];
        var segment = schema.ToSegmentSchema();
        // Rebuild the batch from columns sliced at an odd offset.
        var sliced = new RecordBatch(segment.Arrow, Enumerable.Range(0, batch.ColumnCount).Select(c => ArrowArrayFactory.Slice(batch.Column(c), 37, 200)), 200);
        foreach (var e in new[] { "i16 > 0", "i16 is null", "s == \"a\"", "s like \"%b\"", "b", "not b", "ai[0] == 1", "array_contains(ai, 2)", "array_length(ai) > 1", "j[\"a\"] > 0", "d < 0.5", "ab[1]", "array_contains(ab, false)", "as[0] like \"a%\"", "array_contains(as, \"b\")" })
            AssertSameAsReference(e, schema, [sliced]);
    }

    [Fact]
    public void WithoutADynamicFieldTheSameFiltersHold()
    {
        var schema = FilterData.Schema(dynamic: false);
        var batches = FilterData.Batches(schema, seed: 3, 65, 130);
        foreach (var e in new[] { "i8 > 0 and j[\"a\"] > 0", "s in [\"a\", \"b\"]", "exists j[\"s\"]" })
            AssertSameAsReference(e, schema, batches);
    }

    [Fact]
    public void TemplatesTakeDotNetValues()
    {
        var templates = new Dictionary<string, object?>
        {
            ["small"] = (sbyte)2,
            ["int"] = 3,
            ["long"] = 4L,
            ["real"] = 0.5f,
            ["dbl"] = 2.5,
            ["flag"] = true,
            ["str"] = "a",
            ["ids"] = new long[] { 1, 2, 3 },
            ["strs"] = new[] { "a", "é" },
            ["objs"] = new object[] { 1, "a", true },
            ["list"] = new List<object> { 1, 2.5 },
            ["pattern"] = "a%",
        };
        foreach (var e in new[]
        {
            "i8 > {small}", "i16 < {int}", "i64 == {long}", "f > {real}", "d <= {dbl}", "b == {flag}", "s == {str}", "i32 in {ids}", "t not in {strs}",
            "j[\"x\"] in {objs}", "j[\"a\"] in {list}", "s like {pattern}", "array_contains_any(ai, {ids})", "{small} < i8 < {int}",
        })
            AssertSameAsReference(e, Schema, Batches, templates);
    }
}
