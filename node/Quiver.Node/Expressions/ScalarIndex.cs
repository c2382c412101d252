using Apache.Arrow;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

// STUB for the engine wiring while the scalar indexes are built on branch scalar-index; replaced at the merge.
public abstract class ScalarIndex
{
    public abstract string IndexType { get; }
    public abstract long MemoryBytes { get; }
    public abstract int RowCount { get; }

    public static ScalarIndex Build(string indexType, SegmentField field, IReadOnlyList<RecordBatch> batches, int column) => throw new NotSupportedException();

    public static bool Supports(string indexType, FieldType type, FieldType elementType, out string? why)
    {
        why = "scalar indexes are not merged yet";
        return false;
    }
}
