using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Quiver.Kernel.Distance;

/// <summary>
/// Batch forms built from a pair kernel, for the element types and metrics without a dedicated tile.
/// Validation and output layout match the tiled float32 forms.
/// </summary>
internal static class PairBatch
{
    public static void OneToMany<T, TD>(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, Span<float> distances)
        where T : unmanaged where TD : struct, IDistance<T>
    {
        int dim = query.Length;
        if (dim == 0) ThrowHelper.Argument("The query is empty; a vector needs at least one element.", nameof(query));
        if (rows.Length % dim != 0)
            ThrowHelper.Argument($"The row block holds {rows.Length} elements, not a whole number of rows of dimension {dim}.", nameof(rows));
        int count = rows.Length / dim;
        if (distances.Length < count)
            ThrowHelper.Argument($"The distances span holds {distances.Length} values but {count} rows were given.", nameof(distances));
        for (int j = 0; j < count; j++) distances[j] = TD.Distance(query, rows.Slice(j * dim, dim));
    }

    public static void ByIds<T, TD>(ReadOnlySpan<T> query, ReadOnlySpan<T> rows, ReadOnlySpan<int> ids, Span<float> distances)
        where T : unmanaged where TD : struct, IDistance<T>
    {
        int dim = query.Length;
        if (dim == 0) ThrowHelper.Argument("The query is empty; a vector needs at least one element.", nameof(query));
        if (rows.Length % dim != 0)
            ThrowHelper.Argument($"The row block holds {rows.Length} elements, not a whole number of rows of dimension {dim}.", nameof(rows));
        if (distances.Length < ids.Length)
            ThrowHelper.Argument($"The distances span holds {distances.Length} values but {ids.Length} ids were given.", nameof(distances));
        int rowCount = rows.Length / dim;
        for (int j = 0; j < ids.Length; j++)
        {
            int id = ids[j];
            if ((uint)id >= (uint)rowCount) ThrowHelper.OutOfRange(nameof(ids), id, $"0 ≤ id < {rowCount} (the number of rows)");
            distances[j] = TD.Distance(query, rows.Slice(id * dim, dim));
        }
    }

    public static void ManyToMany<T, TD>(ReadOnlySpan<T> queries, ReadOnlySpan<T> rows, int dim, Span<float> distances)
        where T : unmanaged where TD : struct, IDistance<T>
    {
        if (dim < 1) ThrowHelper.OutOfRange(nameof(dim), dim, "dim ≥ 1");
        if (queries.Length % dim != 0 || rows.Length % dim != 0)
            ThrowHelper.Argument($"The query block ({queries.Length}) and row block ({rows.Length}) must hold whole vectors of dimension {dim}.");
        int nq = queries.Length / dim, nr = rows.Length / dim;
        if ((long)nq * nr > distances.Length)
            ThrowHelper.Argument($"The distances span holds {distances.Length} values; {nq} queries × {nr} rows need {(long)nq * nr}.", nameof(distances));
        for (int i = 0; i < nq; i++)
            OneToMany<T, TD>(queries.Slice(i * dim, dim), rows, distances.Slice(i * nr, nr));
    }

    /// <summary>Negates the first <paramref name="count"/> values (similarity → distance).</summary>
    public static void Negate(Span<float> values, int count)
    {
        ref float p = ref MemoryMarshal.GetReference(values);
        for (int i = 0; i < count; i++) Unsafe.Add(ref p, i) = -Unsafe.Add(ref p, i);
    }
}
