using Quiver.Node.Expressions;
using Quiver.Node.Schema;

namespace Quiver.Node.Tests.Expressions;

/// <summary>Each class of compile error names the position and what was wrong or expected.</summary>
public class FilterPlanErrorTests
{
    private static readonly CollectionSchema Dynamic = FilterData.Schema(dynamic: true);
    private static readonly CollectionSchema Static = FilterData.Schema(dynamic: false);

    private static ExpressionException Fails(string expression, CollectionSchema schema, IReadOnlyDictionary<string, object?>? templates = null) =>
        Assert.Throws<ExpressionException>(() => FilterPlan.Compile(expression, schema, templates));

    [Theory]
    // unknown names, vector fields
    [InlineData("foo > 1", 0, "unknown field 'foo'")]
    [InlineData("i8 > 0 and bar == 2", 11, "unknown field 'bar'")]
    [InlineData("$meta[\"a\"] > 1", 0, "no dynamic field")]
    [InlineData("vec > 1", 0, "vector field")]
    // wrong types
    [InlineData("i64 == \"a\"", 4, "cannot compare the Int64 field 'i64' with the string constant \"a\"")]
    [InlineData("i8 < \"a\"", 0, "cannot compare the Int8 field 'i8' with the string constant")]
    [InlineData("s > 1", 0, "cannot compare the VarChar field 's' with the integer constant 1")]
    [InlineData("b > true", 0, "bools only support == and !=")]
    [InlineData("b < i8", 0, "cannot compare the Bool field 'b'")]
    [InlineData("i8 > [1, 2]", 0, "cannot compare the Int8 field 'i8' with the list constant")]
    [InlineData("ai == 1", 3, "cannot be compared as a whole")]
    [InlineData("i8 like \"a%\"", 0, "'like' needs a VarChar field")]
    [InlineData("s like 5", 7, "'like' needs a string pattern")]
    [InlineData("array_length(i8) > 1", 13, "array_length needs an Array field or a JSON path, found the Int8 field 'i8'")]
    [InlineData("array_contains(ai, \"a\")", 19, "holds Int64 elements, which cannot equal the string \"a\"")]
    [InlineData("array_contains_all(ai, 1)", 23, "needs a list of constants")]
    [InlineData("json_contains(i8, 1)", 14, "needs an Array field or a JSON path as its first argument")]
    [InlineData("(d & 1) > 0", 1, "'&' needs integers, found the Double field 'd'")]
    [InlineData("~f > 0", 0, "'~' needs an integer")]
    [InlineData("s + 1 > 0", 0, "'+' needs numbers, found the VarChar field 's'")]
    [InlineData("i8 in [1, \"a\"]", 6, "needs a list of numbers, but the list holds the string \"a\"")]
    [InlineData("s in [\"a\", 2]", 5, "needs a list of strings")]
    [InlineData("i8 in 5", 6, "needs a list of constants")]
    [InlineData("i8 in [i16]", 7, "list items must be constants")]
    [InlineData("exists i8", 7, "'exists' needs a JSON path")]
    [InlineData("s[0] == \"a\"", 1, "only JSON fields, dynamic keys and Array fields can be indexed")]
    [InlineData("ai[\"k\"] == 1", 3, "array element index must be a non-negative integer constant")]
    [InlineData("ai[-1] == 1", 3, "index -1 is out of range")]
    [InlineData("j[1.5] == 1", 2, "a JSON path step must be a string key or a non-negative integer index")]
    // not boolean
    [InlineData("i8 + 1", 0, "a filter must be a boolean condition, but the expression is the integer value (i8 + 1)")]
    [InlineData("s", 0, "a filter must be a boolean condition, but the expression is the VarChar field 's'")]
    [InlineData("5", 0, "a filter must be a boolean condition")]
    [InlineData("i8 > 0 and s", 11, "'and' needs a boolean condition, found the VarChar field 's'")]
    [InlineData("not d", 4, "'not' needs a boolean condition, found the Double field 'd'")]
    // functions
    [InlineData("text_match(s, \"a\")", 0, "function text_match is not supported")]
    [InlineData("phrase_match(s, \"a b\", 1)", 0, "function phrase_match is not supported")]
    [InlineData("random_sample(0.1)", 0, "function random_sample is not supported")]
    [InlineData("i8 > 0 and ST_CONTAINS(s, \"POINT (0 0)\")", 11, "function ST_CONTAINS is not supported")]
    [InlineData("upper(s) == \"A\"", 0, "unknown function 'upper'")]
    [InlineData("array_length(ai, 1) > 0", 0, "array_length takes 1 argument, got 2")]
    // literals
    [InlineData("i8 > 99999999999999999999", 5, "does not fit in 64 bits")]
    [InlineData("s == \"open", 5, "not closed")]
    public void NamesThePositionAndTheProblem(string expression, int position, string problem)
    {
        var e = Fails(expression, expression.Contains("foo") || expression.Contains("bar") || expression.Contains("$meta") ? Static : Dynamic);
        Assert.Equal(position, e.Position);
        Assert.Contains(problem, e.Message);
        Assert.Contains($"position {position}", e.Message);
    }

    [Fact]
    public void UnknownFieldListsTheFields()
    {
        var e = Fails("nope == 1", Static);
        Assert.Contains("fields are id, b, i8", e.Message);
    }

    [Fact]
    public void MissingTemplateValueIsNamed()
    {
        var e = Fails("i8 > {age} and s in {names}", Dynamic, new Dictionary<string, object?> { ["age"] = 3 });
        Assert.Equal(20, e.Position);
        Assert.Contains("missing template value for {names}", e.Message);
        e = Fails("i8 > {age}", Dynamic);
        Assert.Contains("missing template value for {age}", e.Message);
    }

    [Fact]
    public void BadTemplateValuesAreNamed()
    {
        var e = Fails("i8 > {x}", Dynamic, new Dictionary<string, object?> { ["x"] = DateTime.UnixEpoch });
        Assert.Equal(5, e.Position);
        Assert.Contains("template {x}: a template value of type DateTime is not supported", e.Message);
        e = Fails("i8 in {x}", Dynamic, new Dictionary<string, object?> { ["x"] = new object?[] { 1, null } });
        Assert.Contains("cannot be null", e.Message);
        e = Fails("i64 == {x}", Dynamic, new Dictionary<string, object?> { ["x"] = ulong.MaxValue });
        Assert.Contains("does not fit in a 64-bit integer", e.Message);
        e = Fails("i64 == {x}", Dynamic, new Dictionary<string, object?> { ["x"] = "7" });
        Assert.Contains("cannot compare the Int64 field 'i64' with the string constant \"7\"", e.Message);
    }

    [Fact]
    public void EvaluatingOnAnotherSchemaIsRefused()
    {
        var plan = FilterPlan.Compile("i8 > 0 and color == \"a\"", Dynamic);
        var withoutMeta = FilterData.Schema(dynamic: false).ToSegmentSchema();
        var e = Assert.Throws<ArgumentException>(() => plan.Evaluate(FilterData.Batches(FilterData.Schema(dynamic: false), 1, 10), withoutMeta));
        Assert.Contains("no field '$meta'", e.Message);
        var retyped = new CollectionSchema("c", [.. Dynamic.Fields.Select(f => f.Name == "i8" ? f with { DataType = Quiver.Storage.Segments.FieldType.Int16 } : f)]) { EnableDynamicField = true };
        e = Assert.Throws<ArgumentException>(() => plan.Evaluate(FilterData.Batches(retyped, 1, 10), retyped.ToSegmentSchema()));
        Assert.Contains("reads 'i8' as Int8, but the segment stores it as Int16", e.Message);
    }
}
