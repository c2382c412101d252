using Apache.Arrow;
using CsCheck;
using Quiver.Node.Expressions;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// Scalar indexes against the scan: for every indexable leaf and type (Int8..Int64, Float, Double, VarChar, Bool,
/// Arrays; nullable or not; data full of duplicates or all distinct; batches of odd lengths), the bitset with the
/// index forced, with the index by cost, and without it are identical — alone and inside and/or/not. Also which
/// index types take which fields, build errors, and the checks Evaluate makes of the indexes it is given.
/// </summary>
public class ScalarIndexTests
{
    private static void Same(IndexData data, string expression, IReadOnlyDictionary<string, ScalarIndex> indexes, out int answered)
    {
        var plan = FilterPlan.Compile(expression, data.Schema, IndexData.Templates);
        var scan = plan.Evaluate(data.Batches, data.Segment);
        var forced = plan.Evaluate(data.Batches, data.Segment, indexes, IndexChoice.Always, out answered);
        var chosen = plan.Evaluate(data.Batches, data.Segment, indexes);
        Check(expression, plan, scan, forced, "the index");
        Check(expression, plan, scan, chosen, "the cost-chosen path");
    }

    private static void Check(string expression, FilterPlan plan, Quiver.Kernel.Bits.Bitset scan, Quiver.Kernel.Bits.Bitset got, string path)
    {
        Assert.Equal(scan.Length, got.Length);
        var wrong = Enumerable.Range(0, scan.Length).Where(i => scan[i] != got[i]).Take(10).ToArray();
        Assert.True(wrong.Length == 0, $"{expression}\nplan: {plan}\n{path} differs from the scan at rows {string.Join(", ", wrong.Select(i => $"{i} (scan {scan[i]})"))}");
    }

    public static TheoryData<bool, bool, int> Shapes()
    {
        var data = new TheoryData<bool, bool, int>();
        foreach (bool nullable in (bool[])[false, true])
            foreach (bool distinct in (bool[])[false, true])
                foreach (int variant in (int[])[0, 1, 2, 3])
                    data.Add(nullable, distinct, variant);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryIndexedLeafMatchesTheScan(bool nullable, bool distinct, int variant)
    {
        var data = new IndexData(seed: 11 + variant, nullable, distinct, 1, 63, 130, 1000, 7, 64);
        var indexes = data.Indexes(variant);
        var answeredBy = new Dictionary<string, int>();
        foreach (string expression in data.Leaves(sample: 6))
        {
            Same(data, expression, indexes, out int answered);
            string field = expression.Split(' ', '(', ',')[0] is { Length: > 0 } first && !first.StartsWith("array", StringComparison.Ordinal) && first != "not"
                ? first : expression;
            if (answered > 0) answeredBy[field] = answeredBy.GetValueOrDefault(field) + 1;
        }
        // Each scalar field's leaves were answered by its index (not just scanned).
        foreach (string field in IndexData.Numeric.Append("s").Append("b"))
            Assert.True(answeredBy.GetValueOrDefault(field) > 0, $"no leaf on '{field}' was answered by its {indexes[field].IndexType} index");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CombinationsMatchTheScan(bool nullable, bool distinct, int variant)
    {
        var data = new IndexData(seed: 100 + variant, nullable, distinct, 65, 999, 2, 300);
        var indexes = data.Indexes(variant);
        string[] fixedOnes =
        [
            "(i64 > 2 and s == \"a\") or not b", "not (i32 in [1, 2, -4]) and d < 0.5", "i8 == 1 or i16 == 2 or s like \"a%\"",
            "(b or i64 is null) and not (s < \"b\")", "array_contains(ai, 2) and not array_contains_any(as, [\"a\", \"é\"])",
            "f > 0.1 or (f is null and d != 0)", "not (1 < i16 <= 3) or i8 % 2 == 0", "s in [\"a\", \"b\"] and i64 % 3 == 1",
        ];
        foreach (string expression in fixedOnes) Same(data, expression, indexes, out _);
        for (int k = 0; k < 150; k++) Same(data, data.Random(3), indexes, out _);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SegmentsLongerThanAChunkMatchTheScan(bool distinct)
    {
        // Over 32 Ki rows in unaligned batches: answers are cut at chunk and batch offsets, and a filter whose
        // every leaf is answered runs over the segment in whole chunks (validity from the index's null rows).
        var data = new IndexData(seed: 21, nullable: true, distinct, 20_000, 30_001, 1, 4_999);
        var indexes = data.Indexes(1);
        string[] filters =
        [
            "i64 == 2 or s like \"a%\"", "not (i16 in [1, 2]) and (b or d > 0.5)", "not (i8 < 0 or s == \"é\") and f is not null",
            "array_contains_any(ai, [1, 2]) or not i32 > 3", "i64 % 3 == 1 and not (s < \"b\")",
        ];
        foreach (string expression in filters) Same(data, expression, indexes, out _);
        for (int k = 0; k < 20; k++) Same(data, data.Random(2), indexes, out _);
    }

    [Fact]
    public void RandomDataAndFiltersMatchWithAndWithoutIndexes()
    {
        Gen.Select(Gen.Int, Gen.Int[1, 300].Array[1, 5], Gen.Bool, Gen.Bool, Gen.Int[0, 7], Gen.Int[0, 3])
            .Sample(t =>
            {
                var (seed, lengths, nullable, distinct, variant, depth) = t;
                var data = new IndexData(seed, nullable, distinct, lengths);
                var indexes = data.Indexes(variant);
                for (int k = 0; k < 6; k++) Same(data, data.Random(depth), indexes, out _);
            }, iter: 120, seed: null);
    }

    [Fact]
    public void AnAnsweredLeafIsTheWholeResultOrAPartOfIt()
    {
        var data = new IndexData(seed: 5, nullable: true, distinct: true, 500, 501);
        var indexes = data.Indexes(0);
        var plan = FilterPlan.Compile("i64 == -1000000000 or (s == \"a1\" and i32 > 0)", data.Schema);
        plan.Evaluate(data.Batches, data.Segment, indexes, IndexChoice.Always, out int answered);
        Assert.Equal(3, answered);
        plan.Evaluate(data.Batches, data.Segment, indexes, IndexChoice.Never, out answered);
        Assert.Equal(0, answered);
        // Equality on a high-cardinality column: few rows, so the cost rule takes the index.
        FilterPlan.Compile("i64 == -1000000000", data.Schema).Evaluate(data.Batches, data.Segment, indexes, IndexChoice.Cheapest, out answered);
        Assert.Equal(1, answered);
        // A range holding most rows is written as its complement (the rows outside), so it is still taken.
        FilterPlan.Compile("i64 > -999999999", data.Schema).Evaluate(data.Batches, data.Segment, indexes, IndexChoice.Cheapest, out answered);
        Assert.Equal(1, answered);
        // Half the rows on either side: scanning a SIMD-compared column is cheaper than writing 500 rows one by one.
        FilterPlan.Compile("i64 > -947635500", data.Schema).Evaluate(data.Batches, data.Segment, indexes, IndexChoice.Cheapest, out answered);
        Assert.Equal(0, answered);
    }

    [Theory]
    [InlineData("INVERTED", FieldType.Int8, FieldType.None)]
    [InlineData("inverted", FieldType.Double, FieldType.None)]
    [InlineData("INVERTED", FieldType.VarChar, FieldType.None)]
    [InlineData("INVERTED", FieldType.Bool, FieldType.None)]
    [InlineData("INVERTED", FieldType.Array, FieldType.VarChar)]
    [InlineData("INVERTED", FieldType.Array, FieldType.Float)]
    [InlineData("AUTOINDEX", FieldType.Int64, FieldType.None)]
    [InlineData("AUTOINDEX", FieldType.Array, FieldType.Bool)]
    [InlineData("STL_SORT", FieldType.Int32, FieldType.None)]
    [InlineData("STL_SORT", FieldType.Float, FieldType.None)]
    [InlineData("BITMAP", FieldType.Bool, FieldType.None)]
    [InlineData("BITMAP", FieldType.Int16, FieldType.None)]
    [InlineData("BITMAP", FieldType.VarChar, FieldType.None)]
    [InlineData("Trie", FieldType.VarChar, FieldType.None)]
    [InlineData("TRIE", FieldType.VarChar, FieldType.None)]
    public void SupportedCombinations(string type, FieldType field, FieldType element)
    {
        Assert.True(ScalarIndex.Supports(type, field, element, out string? why), why);
        Assert.Null(why);
    }

    [Theory]
    [InlineData("STL_SORT", FieldType.VarChar, FieldType.None, "STL_SORT indexes numeric fields (Int8, Int16, Int32, Int64, Float, Double), not VarChar")]
    [InlineData("STL_SORT", FieldType.Bool, FieldType.None, "numeric fields")]
    [InlineData("STL_SORT", FieldType.Array, FieldType.Int64, "not Array of Int64")]
    [InlineData("BITMAP", FieldType.Float, FieldType.None, "BITMAP indexes Bool, Int8, Int16, Int32, Int64 and VarChar fields")]
    [InlineData("BITMAP", FieldType.Double, FieldType.None, "not Double")]
    [InlineData("Trie", FieldType.Int64, FieldType.None, "Trie indexes VarChar fields, not Int64")]
    [InlineData("INVERTED", FieldType.Json, FieldType.None, "JSON fields need no scalar index")]
    [InlineData("INVERTED", FieldType.FloatVector, FieldType.None, "vector fields take vector index types")]
    [InlineData("AUTOINDEX", FieldType.Array, FieldType.Json, "not Array of Json")]
    [InlineData("HNSW", FieldType.Int64, FieldType.None, "unknown scalar index type 'HNSW': scalar fields take INVERTED, STL_SORT, BITMAP, Trie or AUTOINDEX")]
    [InlineData("", FieldType.Int64, FieldType.None, "unknown scalar index type ''")]
    public void RefusedCombinationsSayWhatIsAllowed(string type, FieldType field, FieldType element, string message)
    {
        Assert.False(ScalarIndex.Supports(type, field, element, out string? why));
        Assert.Contains(message, why);
    }

    [Fact]
    public void BuildReportsItsShapeAndRefusesWhatItCannotIndex()
    {
        var data = new IndexData(seed: 3, nullable: true, distinct: false, 10, 20);
        int i64 = data.Segment.Fields.ToList().FindIndex(f => f.Name == "i64");
        var index = ScalarIndex.Build("stl_sort", data.Segment["i64"], data.Batches, i64);
        Assert.Equal("STL_SORT", index.IndexType);
        Assert.Equal(30, index.RowCount);
        Assert.True(index.MemoryBytes >= 12 * (30 - data.Values["i64"].Count(v => v is null)));
        var auto = ScalarIndex.Build("AUTOINDEX", data.Segment["s"], data.Batches, data.Segment.Fields.ToList().FindIndex(f => f.Name == "s"));
        Assert.Equal("AUTOINDEX", auto.IndexType);
        var e = Assert.Throws<ArgumentException>(() => ScalarIndex.Build("BITMAP", data.Segment["d"], data.Batches, data.Segment.Fields.ToList().FindIndex(f => f.Name == "d")));
        Assert.Contains("field 'd': BITMAP indexes", e.Message);
        e = Assert.Throws<ArgumentException>(() => ScalarIndex.Build("INVERTED", data.Segment["i64"], data.Batches, i64 + 1)); // the i64 field over the Float column
        Assert.Contains("field 'i64' is Int64, but batch 0 holds a FloatArray", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ScalarIndex.Build("INVERTED", data.Segment["i64"], data.Batches, 99));
        var empty = ScalarIndex.Build("INVERTED", data.Segment["s"], [], 0);
        Assert.Equal(0, empty.RowCount);
    }

    [Fact]
    public void EvaluateRefusesIndexesOfOtherSegments()
    {
        var data = new IndexData(seed: 4, nullable: false, distinct: true, 100, 50);
        var other = new IndexData(seed: 4, nullable: false, distinct: true, 100);
        var plan = FilterPlan.Compile("i32 == 5 and s > \"a\"", data.Schema);
        var shortIndex = other.Indexes(0);
        var e = Assert.Throws<ArgumentException>(() => plan.Evaluate(data.Batches, data.Segment, shortIndex));
        Assert.Contains("the index on 'i32' covers 100 rows, but the batches hold 150", e.Message);
        var wrongField = new Dictionary<string, ScalarIndex> { ["i32"] = data.Indexes(0)["i64"] };
        e = Assert.Throws<ArgumentException>(() => plan.Evaluate(data.Batches, data.Segment, wrongField));
        Assert.Contains("the index on 'i32' was built over Int64, but the filter reads the field as Int32", e.Message);
        // No indexes, an empty dictionary, or indexes on fields the filter does not read: the scan.
        var want = FilterData.Rows(plan.Evaluate(data.Batches, data.Segment));
        Assert.Equal(want, FilterData.Rows(plan.Evaluate(data.Batches, data.Segment, null)));
        Assert.Equal(want, FilterData.Rows(plan.Evaluate(data.Batches, data.Segment, new Dictionary<string, ScalarIndex>())));
        Assert.Equal(want, FilterData.Rows(plan.Evaluate(data.Batches, data.Segment, new Dictionary<string, ScalarIndex> { ["d"] = data.Indexes(0)["d"] })));
    }

    [Fact]
    public void OnePlanAndOneIndexSetFromManyThreads()
    {
        var data = new IndexData(seed: 9, nullable: true, distinct: false, 333, 1000, 1);
        var indexes = data.Indexes(1);
        var plan = FilterPlan.Compile("(i16 in [1, 2] or s like \"a%\") and not b", data.Schema);
        var want = FilterData.Rows(plan.Evaluate(data.Batches, data.Segment));
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            Assert.Equal(want, FilterData.Rows(plan.Evaluate(data.Batches, data.Segment, indexes, i % 2 == 0 ? IndexChoice.Always : IndexChoice.Cheapest, out _))));
    }
}
