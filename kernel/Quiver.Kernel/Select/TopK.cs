using System.Runtime.CompilerServices;

namespace Quiver.Kernel.Select;

/// <summary>
/// Top-k selection of the smallest distances. Candidates are ordered by (distance, id): equal distances
/// go to the smaller id, so results are deterministic. Both forms write into caller spans and allocate
/// nothing: <see cref="TopKHeap"/> streams candidates through a bounded max-heap (small k),
/// <see cref="Select"/> picks from a candidate array with quickselect then sorts the k winners (large k,
/// up to Milvus's 16384 and beyond).
/// </summary>
/// <remarks>
/// Each candidate is packed into one ulong, an order-preserving image of the float in the high half
/// and the id in the low half, so every comparison is a single integer compare and ties fall out of
/// the encoding. −0 counts as +0, and NaN sorts after +∞.
/// </remarks>
public static class TopK
{
    /// <summary>Below this k, <see cref="Select"/> streams through a heap; from it up, quickselect wins.</summary>
    public const int HeapThreshold = 128;

    /// <summary>Packs a candidate so that unsigned order equals (distance, id) order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Key(float distance, int id)
    {
        uint bits = BitConverter.SingleToUInt32Bits(distance + 0f); // −0 + 0 = +0
        uint ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        if (float.IsNaN(distance)) ordered = uint.MaxValue;
        return ((ulong)ordered << 32) | (uint)id;
    }

    /// <summary>The distance packed by <see cref="Key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DistanceOf(ulong key)
    {
        uint ordered = (uint)(key >> 32);
        if (ordered == uint.MaxValue) return float.NaN;
        uint bits = (ordered & 0x8000_0000u) != 0 ? ordered & 0x7FFF_FFFFu : ~ordered;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>The id packed by <see cref="Key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IdOf(ulong key) => (int)(uint)key;

    /// <summary>
    /// Writes the <paramref name="k"/> smallest candidates, ascending by (distance, id), into
    /// <paramref name="outDistances"/> and <paramref name="outIds"/>; returns how many were written
    /// (min(k, candidates)). <paramref name="scratch"/> must hold one ulong per candidate.
    /// </summary>
    public static int Select(ReadOnlySpan<float> distances, ReadOnlySpan<int> ids, int k,
        Span<ulong> scratch, Span<float> outDistances, Span<int> outIds)
    {
        if (k < 1) ThrowHelper.OutOfRange(nameof(k), k, "k ≥ 1");
        if (distances.Length != ids.Length) ThrowHelper.LengthMismatch(distances.Length, ids.Length, "distance and id spans");
        int n = distances.Length;
        int take = Math.Min(k, n);
        if (outDistances.Length < take || outIds.Length < take)
            ThrowHelper.Argument($"The output spans hold {Math.Min(outDistances.Length, outIds.Length)} entries; {take} results are due.", nameof(outDistances));
        if (take == 0) return 0;
        if (k < HeapThreshold)
        {
            if (scratch.Length < take) ThrowHelper.Argument($"The scratch span holds {scratch.Length} entries; the heap needs {take}.", nameof(scratch));
            var heap = new TopKHeap(scratch[..take], take);
            for (int i = 0; i < n; i++) heap.Push(distances[i], ids[i]);
            return heap.Drain(outDistances, outIds);
        }
        if (scratch.Length < n) ThrowHelper.Argument($"The scratch span holds {scratch.Length} entries; {n} candidates were given.", nameof(scratch));
        Span<ulong> keys = scratch[..n];
        for (int i = 0; i < n; i++) keys[i] = Key(distances[i], ids[i]);
        SelectKeys(keys, take);
        keys[..take].Sort();
        Decode(keys[..take], outDistances, outIds);
        return take;
    }

    /// <summary>
    /// Reorders <paramref name="keys"/> so its first <paramref name="k"/> entries are the k smallest (in
    /// no particular order). Quickselect with median-of-three pivots; if it recurses deeper than
    /// 2·log2(n) (adversarial input) the remaining range is sorted, keeping the worst case O(n log n).
    /// </summary>
    public static void SelectKeys(Span<ulong> keys, int k)
    {
        if (k <= 0 || k >= keys.Length) return;
        int lo = 0, hi = keys.Length - 1, budget = 2 * (64 - (int)ulong.LeadingZeroCount((ulong)keys.Length));
        while (hi > lo)
        {
            if (--budget < 0 || hi - lo < 16)
            {
                keys[lo..(hi + 1)].Sort();
                return;
            }
            int mid = lo + ((hi - lo) >> 1);
            // Median of three to keys[mid], then Hoare partition around it.
            if (keys[mid] < keys[lo]) (keys[mid], keys[lo]) = (keys[lo], keys[mid]);
            if (keys[hi] < keys[lo]) (keys[hi], keys[lo]) = (keys[lo], keys[hi]);
            if (keys[hi] < keys[mid]) (keys[hi], keys[mid]) = (keys[mid], keys[hi]);
            ulong pivot = keys[mid];
            int i = lo - 1, j = hi + 1;
            while (true)
            {
                do i++; while (keys[i] < pivot);
                do j--; while (keys[j] > pivot);
                if (i >= j) break;
                (keys[i], keys[j]) = (keys[j], keys[i]);
            }
            // keys[lo..j] ≤ pivot ≤ keys[j+1..hi]; the k-th smallest (index k−1) lies on one side.
            if (k - 1 <= j) hi = j; else lo = j + 1;
        }
    }

    /// <summary>Unpacks keys into distance and id spans.</summary>
    public static void Decode(ReadOnlySpan<ulong> keys, Span<float> distances, Span<int> ids)
    {
        for (int i = 0; i < keys.Length; i++)
        {
            distances[i] = DistanceOf(keys[i]);
            ids[i] = IdOf(keys[i]);
        }
    }
}
