using Quiver.Node.Expressions;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Expressions;

/// <summary>Primary-key extraction, the fields a plan reads, its rendering, and long key lists.</summary>
public class FilterPlanApiTests
{
    private static readonly CollectionSchema Schema = FilterData.Schema();

    private static readonly CollectionSchema StringKeys = new("k",
    [
        new FieldSchema("pk", FieldType.VarChar) { IsPrimaryKey = true, MaxLength = 32 },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = 2 },
        new FieldSchema("n", FieldType.Int32),
    ]);

    [Theory]
    [InlineData("id in [1, 2, 3]", new long[] { 1, 2, 3 })]
    [InlineData("id == 5", new long[] { 5 })]
    [InlineData("5 == id", new long[] { 5 })]
    [InlineData("id == 5 or id in [6, 5] or id == 7", new long[] { 5, 6, 7 })]
    [InlineData("id in [1.0, 2.5, 3]", new long[] { 1, 3 })]
    [InlineData("id == 2.5", new long[] { })]
    [InlineData("id in []", new long[] { })]
    public void IntegerKeysAreExtracted(string expression, long[] keys)
    {
        Assert.True(FilterPlan.Compile(expression, Schema).TryGetPrimaryKeys(out var got));
        Assert.Equal(keys.Order(), got.Cast<long>().Order()); // no order is promised, nor duplicates given
        Assert.Equal(got.Count, got.Distinct().Count());
    }

    [Theory]
    [InlineData("id > 5")]
    [InlineData("id != 5")]
    [InlineData("id not in [1, 2]")]
    [InlineData("not (id in [1, 2])")]
    [InlineData("id in [1, 2] and i8 > 0")]
    [InlineData("id in [1, 2] or i8 > 0")]
    [InlineData("i64 in [1, 2]")]
    [InlineData("id + 1 == 2")]
    [InlineData("")]
    public void OtherFiltersHaveNoKeys(string expression) =>
        Assert.False(FilterPlan.Compile(expression, Schema).TryGetPrimaryKeys(out _));

    [Fact]
    public void StringKeysAreExtracted()
    {
        Assert.True(FilterPlan.Compile("pk in [\"a\", \"b\"] or pk == \"c\" or pk == \"a\"", StringKeys).TryGetPrimaryKeys(out var keys));
        Assert.Equal(new[] { "a", "b", "c" }, keys.Cast<string>().Order(StringComparer.Ordinal));
        Assert.False(FilterPlan.Compile("pk like \"a%\"", StringKeys).TryGetPrimaryKeys(out _));
    }

    [Fact]
    public void AHundredThousandKeysRunThroughAHashSet()
    {
        var batches = FilterData.Batches(Schema, seed: 1, 700, 64, 2000, 1);
        int rows = batches.Sum(b => b.Length);
        // Every third id from a 150 000-key list (most keys absent from the segment).
        var ids = Enumerable.Range(0, 150_000).Select(i => (long)i * 3).ToArray();
        var plan = FilterPlan.Compile("id in {ids}", Schema, new Dictionary<string, object?> { ["ids"] = ids });
        Assert.True(plan.TryGetPrimaryKeys(out var keys));
        Assert.Equal(150_000, keys.Count);
        var bits = plan.Evaluate(batches, Schema.ToSegmentSchema());
        for (int i = 0; i < rows; i++) Assert.Equal(i % 3 == 0, bits[i]); // ids are 0..rows-1 in order
        var negated = FilterPlan.Compile("id not in {ids}", Schema, new Dictionary<string, object?> { ["ids"] = ids }).Evaluate(batches, Schema.ToSegmentSchema());
        for (int i = 0; i < rows; i++) Assert.Equal(i % 3 != 0, negated[i]);
    }

    [Fact]
    public void ALongOrChainOfKeysCompilesWithoutDeepRecursion()
    {
        string expression = string.Join(" or ", Enumerable.Range(0, 50_000).Select(i => $"id == {i * 2}"));
        var plan = FilterPlan.Compile(expression, Schema);
        Assert.True(plan.TryGetPrimaryKeys(out var keys));
        Assert.Equal(50_000, keys.Count);
        var batches = FilterData.Batches(Schema, seed: 2, 130);
        var bits = plan.Evaluate(batches, Schema.ToSegmentSchema());
        for (int i = 0; i < 130; i++) Assert.Equal(i % 2 == 0, bits[i]);
    }

    [Fact]
    public void AHundredThousandStringKeysRunThroughAHashSet()
    {
        var segment = StringKeys.ToSegmentSchema();
        int rows = 3000;
        var batch = new SegmentBatchBuilder(segment, rows).Timestamps(new ulong[rows])
            .Column("pk", Enumerable.Range(0, rows).Select(i => $"key-{i}").ToArray())
            .Column("vec", new float[rows * 2])
            .Column("n", new int[rows])
            .Build();
        var keys = Enumerable.Range(0, 100_000).Select(i => $"key-{i * 7}").ToArray();
        var bits = FilterPlan.Compile("pk in {keys}", StringKeys, new Dictionary<string, object?> { ["keys"] = keys }).Evaluate([batch], segment);
        for (int i = 0; i < rows; i++) Assert.Equal(i % 7 == 0, bits[i]);
    }

    [Theory]
    [InlineData("i8 > 0 and color == \"a\"", new[] { "i8", "$meta" })]
    [InlineData("s like \"a%\" or array_contains(ai, 1) or j[\"a\"] > i16", new[] { "s", "ai", "j", "i16" })]
    [InlineData("1 < 2", new string[] { })]
    public void FieldsAreTheColumnsRead(string expression, string[] fields) =>
        Assert.Equal(fields.OrderBy(f => f, StringComparer.Ordinal), FilterPlan.Compile(expression, Schema).Fields.OrderBy(f => f, StringComparer.Ordinal));

    [Theory]
    [InlineData("i64 > 2", "compare(i64:Int64 >= 3)")]
    [InlineData("1 < i8 <= 5.5", "compare(i8:Int8 in [2, 5])")]
    [InlineData("i8 < 1000", "compare(i8:Int8 any)")]
    [InlineData("d * 2 > 1", "compare((d:Double * 2) > 1)")]
    [InlineData("f > 0.1", "compare(f:Float >= 0.1)")]
    [InlineData("not (s like \"ab%\") and color in [\"a\"]", "and(not(like(s, \"ab%\" (prefix))), in($meta[\"color\"], [\"a\"]))")]
    [InlineData("i8 in [1, 2] or exists j[\"k\"][0]", "or(in(i8:Int8, [1, 2]), exists(j[\"k\"][0]))")]
    [InlineData("id == 1 or i8 > 0 or id == 2", "or(compare(i8:Int8 >= 1), in(id:Int64, [1, 2]))")]
    [InlineData("1 < 2", "true")]
    public void ThePlanReadsBack(string expression, string rendering) => Assert.Equal(rendering, FilterPlan.Compile(expression, Schema).ToString());

    [Fact]
    public void ConstantFiltersFold()
    {
        Assert.True(FilterPlan.Compile("1 < 2 or i8 > 0", Schema).IsAlwaysTrue);
        Assert.False(FilterPlan.Compile("i8 > 0", Schema).IsAlwaysTrue);
        var none = FilterPlan.Compile("1 > 2 and i8 > 0", Schema);
        Assert.Equal("false", none.ToString());
        Assert.Equal(0, none.Evaluate(FilterData.Batches(Schema, 1, 100), Schema.ToSegmentSchema()).PopCount());
    }
}
