using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Quiver.Kernel.Distance;

/// <summary>
/// Distance kernels over dense vectors: squared L2, inner product and cosine for float32, float16,
/// bfloat16, int8 and uint8; Hamming and Jaccard for bit-packed binary vectors. Each public entry
/// validates its spans once, then runs the widest accelerated path of the ISA ladder
/// (<see cref="SimdPath"/>). Partial files hold one element type each.
/// </summary>
/// <remarks>
/// Every path keeps several independent accumulators, because one FMA chain is bound by the FMA
/// latency (4 cycles) rather than by the two FMA ports. Tails are handled by loading the last full
/// vector (it overlaps elements already summed) and zeroing the overlapping lanes with a mask, so no
/// scalar loop runs once a span is at least one vector long.
/// </remarks>
public static partial class VectorDistance
{
    /// <summary>16 zeros then 16 all-ones. Loading N lanes at (16 − N + rem) keeps exactly the last rem lanes.</summary>
    private static ReadOnlySpan<int> TailMask32 =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    ];

    /// <summary>32 zeros then 32 all-ones, for 16-bit lanes (the integer kernels widen bytes to int16).</summary>
    private static ReadOnlySpan<short> TailMask16 =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> KeepLast512(nuint rem) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask32), rem).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> KeepLast256(nuint rem) =>
        Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask32), 8 + rem).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> KeepLast128(nuint rem) =>
        Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask32), 12 + rem).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> KeepLast512x16(nuint rem) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask16), rem);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> KeepLast256x16(nuint rem) =>
        Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask16), 16 + rem);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> KeepLast128x16(nuint rem) =>
        Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask16), 24 + rem);

    /// <summary>
    /// The path to run for <paramref name="requested"/> on <paramref name="n"/> elements whose 128-bit
    /// vector holds <paramref name="lanes128"/> lanes: the widest path not above the request whose
    /// vector fits in n (a path needs at least one full vector for its overlapping tail).
    /// </summary>
    internal static SimdPath Fit(SimdPath requested, int n, int lanes128) =>
        requested == SimdPath.V512 && n >= 4 * lanes128 ? SimdPath.V512 :
        requested >= SimdPath.V256 && n >= 2 * lanes128 ? SimdPath.V256 :
        requested >= SimdPath.V128 && n >= lanes128 ? SimdPath.V128 : SimdPath.Scalar;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckPair(int a, int b)
    {
        if (a != b) ThrowHelper.LengthMismatch(a, b);
    }

    /// <summary>Checks a row block against the query dimension and returns the number of rows.</summary>
    private static int CheckRows(int dim, int rowsLength, int distancesLength)
    {
        if (dim == 0) ThrowHelper.Argument("The query is empty; a vector needs at least one element.", "query");
        if (rowsLength % dim != 0)
            ThrowHelper.Argument($"The row block holds {rowsLength} elements, not a whole number of rows of dimension {dim}.", "rows");
        int count = rowsLength / dim;
        if (distancesLength < count)
            ThrowHelper.Argument($"The distances span holds {distancesLength} values but {count} rows were given.", "distances");
        return count;
    }

    private static int CheckIds(int dim, int rowsLength, int idsLength, int distancesLength)
    {
        if (dim == 0) ThrowHelper.Argument("The query is empty; a vector needs at least one element.", "query");
        if (rowsLength % dim != 0)
            ThrowHelper.Argument($"The row block holds {rowsLength} elements, not a whole number of rows of dimension {dim}.", "rows");
        if (distancesLength < idsLength)
            ThrowHelper.Argument($"The distances span holds {distancesLength} values but {idsLength} ids were given.", "distances");
        return rowsLength / dim;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadId(int id, int rowCount) =>
        ThrowHelper.OutOfRange("ids", id, $"0 ≤ id < {rowCount} (the number of rows)");

    private static (int Queries, int Rows) CheckBlocks(int dim, int queriesLength, int rowsLength, int distancesLength)
    {
        if (dim < 1) ThrowHelper.OutOfRange(nameof(dim), dim, "dim ≥ 1");
        if (queriesLength % dim != 0)
            ThrowHelper.Argument($"The query block holds {queriesLength} elements, not a whole number of vectors of dimension {dim}.", "queries");
        if (rowsLength % dim != 0)
            ThrowHelper.Argument($"The row block holds {rowsLength} elements, not a whole number of rows of dimension {dim}.", "rows");
        int nq = queriesLength / dim, nr = rowsLength / dim;
        if ((long)nq * nr > distancesLength)
            ThrowHelper.Argument($"The distances span holds {distancesLength} values; {nq} queries × {nr} rows need {(long)nq * nr}.", "distances");
        return (nq, nr);
    }
}
