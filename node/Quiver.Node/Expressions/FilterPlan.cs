using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

// STUB for the engine wiring while the evaluator is built on branch filter-eval; replaced at the merge.
public sealed class FilterPlan
{
    private FilterPlan(bool always) => IsAlwaysTrue = always;

    public static FilterPlan Compile(string expression, CollectionSchema schema, IReadOnlyDictionary<string, object?>? templateValues = null)
    {
        if (string.IsNullOrWhiteSpace(expression)) return new FilterPlan(true);
        ExpressionParser.Parse(expression);
        throw new NotSupportedException("filter evaluation is not merged yet");
    }

    public bool IsAlwaysTrue { get; }

    public IReadOnlySet<string> Fields { get; } = new HashSet<string>();

    public Bitset Evaluate(IReadOnlyList<RecordBatch> batches, SegmentSchema segmentSchema) => throw new NotSupportedException();

    public bool TryGetPrimaryKeys(out IReadOnlyList<object> keys)
    {
        keys = [];
        return false;
    }
}
