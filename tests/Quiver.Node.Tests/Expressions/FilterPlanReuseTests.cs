using Apache.Arrow;
using Quiver.Node.Expressions;
using Quiver.Node.Schema;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// A plan keeps a spare evaluation context between calls (scratch sized to the largest chunk seen, columns resolved
/// per segment schema). These tests hold one plan, evaluated over segments of growing and shrinking batch sizes,
/// over a segment whose columns are in another order, and from many threads at once, to the answers of a fresh plan.
/// </summary>
public class FilterPlanReuseTests
{
    private static readonly string[] Filters =
    [
        "i64 > 2", "i16 < 0 and f > 0.1", "(i32 % 3) == 1", "s like \"a%\" or t in [\"b\", \"é\"]", "j[\"a\"] > 1 and not b",
        "array_length(ai) > 1", "i8 in [1, 2, 3]", "d != 3 or i16 is null",
    ];

    private static void Same(FilterPlan held, string expression, CollectionSchema schema, IReadOnlyList<RecordBatch> batches)
    {
        var segment = schema.ToSegmentSchema();
        var want = FilterPlan.Compile(expression, schema).Evaluate(batches, segment);
        var got = held.Evaluate(batches, segment);
        Assert.Equal(FilterData.Rows(want), FilterData.Rows(got));
    }

    [Fact]
    public void OnePlanOverSegmentsOfDifferentShapes()
    {
        var schema = FilterData.Schema();
        // Columns in reverse order: the same fields at other indices.
        var reversed = new CollectionSchema("c", schema.Fields.Reverse().ToList()) { EnableDynamicField = true };
        var shapes = new[]
        {
            (schema, FilterData.Batches(schema, 1, 3, 70)),
            (schema, FilterData.Batches(schema, 2, 40_000, 1000, 7)),
            (reversed, FilterData.Batches(reversed, 3, 65, 1, 64)),
            (schema, FilterData.Batches(schema, 4, 1000, 1000, 999)),
            (reversed, FilterData.Batches(reversed, 5, 33_000)),
        };
        foreach (string expression in Filters)
        {
            var held = FilterPlan.Compile(expression, schema);
            foreach (var (s, batches) in shapes) Same(held, expression, s, batches);
        }
    }

    [Fact]
    public void OnePlanFromManyThreads()
    {
        var schema = FilterData.Schema();
        var segment = schema.ToSegmentSchema();
        var sets = Enumerable.Range(0, 6).Select(k => FilterData.Batches(schema, 10 + k, 1 + 300 * k, 64, 1000 - k)).ToArray();
        foreach (string expression in Filters)
        {
            var held = FilterPlan.Compile(expression, schema);
            var want = sets.Select(b => FilterData.Rows(FilterPlan.Compile(expression, schema).Evaluate(b, segment))).ToArray();
            Parallel.For(0, 48, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                var got = held.Evaluate(sets[i % sets.Length], segment);
                Assert.Equal(want[i % sets.Length], FilterData.Rows(got));
            });
        }
    }
}
