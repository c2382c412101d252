using CsCheck;
using Quiver.Node.Expressions;
using Quiver.Node.Schema;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// Property: for random schemas (a random subset of the field pool, random nullability, with or without a
/// dynamic field), random rows in random batch lengths and random well-typed filters, the plan's bitset equals
/// the reference evaluator's. CsCheck shrinks a failure to its smallest seed, depth and batch lengths.
/// </summary>
public class FilterPlanPropertyTests
{
    private static CollectionSchema RandomSchema(int mask, int nullable, bool dynamic)
    {
        var pool = FilterData.Schema(dynamic);
        var fields = new List<FieldSchema>();
        int bit = 0;
        foreach (var f in pool.Fields)
        {
            if (f.IsPrimaryKey || f.IsVector) fields.Add(f);
            else
            {
                if ((mask >> bit & 1) == 1) fields.Add(f with { Nullable = (nullable >> bit & 1) == 1 });
                bit++;
            }
        }
        return new CollectionSchema("c", fields) { EnableDynamicField = dynamic };
    }

    [Fact]
    public void RandomFiltersMatchTheReference()
    {
        Gen.Select(Gen.Int, Gen.Int[0, 3], Gen.Int[1, 140].Array[1, 4], Gen.Int[0, (1 << 15) - 1], Gen.Int[0, (1 << 15) - 1], Gen.Bool)
            .Sample(t =>
            {
                var (seed, depth, lengths, mask, nullable, dynamic) = t;
                var schema = RandomSchema(mask, nullable, dynamic);
                var batches = FilterData.Batches(schema, seed, lengths);
                var generator = new RandomFilter(schema, new Random(seed));
                for (int k = 0; k < 4; k++)
                {
                    string expression = generator.Predicate(depth);
                    FilterPlanTests.AssertSameAsReference(expression, schema, batches);
                }
            }, iter: 300, seed: null);
    }
}
