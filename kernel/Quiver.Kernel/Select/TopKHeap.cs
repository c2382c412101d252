using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Quiver.Kernel.Select;

/// <summary>
/// A bounded max-heap keeping the k smallest (distance, id) candidates seen, over caller storage.
/// The root is the current worst kept candidate, so <see cref="WorstDistance"/> is the pruning bound
/// a graph or IVF search compares against before it even computes a key.
/// </summary>
public ref struct TopKHeap
{
    private readonly Span<ulong> _heap;
    private readonly int _k;
    private int _count;

    /// <summary>A heap keeping <paramref name="k"/> candidates in <paramref name="storage"/> (at least k long).</summary>
    public TopKHeap(Span<ulong> storage, int k)
    {
        if (k < 1) ThrowHelper.OutOfRange(nameof(k), k, "k ≥ 1");
        if (storage.Length < k) ThrowHelper.Argument($"The heap storage holds {storage.Length} entries; k = {k} needs {k}.", nameof(storage));
        _heap = storage;
        _k = k;
        _count = 0;
    }

    /// <summary>How many candidates are kept now (at most k).</summary>
    public readonly int Count => _count;

    /// <summary>The k the heap was made for.</summary>
    public readonly int K => _k;

    /// <summary>True once k candidates are kept.</summary>
    public readonly bool IsFull => _count == _k;

    /// <summary>The largest kept distance once full; +∞ before.</summary>
    public readonly float WorstDistance => _count < _k ? float.PositiveInfinity : TopK.DistanceOf(_heap[0]);

    /// <summary>Offers a candidate; returns true if it was kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Push(float distance, int id)
    {
        ulong key = TopK.Key(distance, id);
        ref ulong h = ref MemoryMarshal.GetReference(_heap);
        if (_count < _k)
        {
            SiftUp(ref h, _count++, key);
            return true;
        }
        if (key >= h) return false;
        SiftDown(ref h, _count, key);
        return true;
    }

    /// <summary>Writes the kept candidates ascending by (distance, id), empties the heap, and returns their number.</summary>
    public int Drain(Span<float> distances, Span<int> ids)
    {
        int n = _count;
        if (distances.Length < n || ids.Length < n)
            ThrowHelper.Argument($"The output spans hold {Math.Min(distances.Length, ids.Length)} entries; {n} results are due.", nameof(distances));
        Span<ulong> kept = _heap[..n];
        kept.Sort();
        TopK.Decode(kept, distances, ids);
        _count = 0;
        return n;
    }

    /// <summary>Empties the heap.</summary>
    public void Clear() => _count = 0;

    /// <summary>
    /// Adopts the first <paramref name="count"/> entries of the storage as the heap: the state an earlier
    /// heap over the same storage left behind, so a long scan can be resumed block by block.
    /// </summary>
    public void Restore(int count)
    {
        if ((uint)count > (uint)_k) ThrowHelper.OutOfRange(nameof(count), count, $"0 ≤ count ≤ k = {_k}");
        _count = count;
    }

    private static void SiftUp(ref ulong h, int i, ulong key)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            ulong p = Unsafe.Add(ref h, parent);
            if (p >= key) break;
            Unsafe.Add(ref h, i) = p;
            i = parent;
        }
        Unsafe.Add(ref h, i) = key;
    }

    /// <summary>Replaces the root with <paramref name="key"/> and restores the heap over <paramref name="n"/> entries.</summary>
    private static void SiftDown(ref ulong h, int n, ulong key)
    {
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n) break;
            ulong c = Unsafe.Add(ref h, child);
            if (child + 1 < n)
            {
                ulong c2 = Unsafe.Add(ref h, child + 1);
                if (c2 > c) { c = c2; child++; }
            }
            if (c <= key) break;
            Unsafe.Add(ref h, i) = c;
            i = child;
        }
        Unsafe.Add(ref h, i) = key;
    }
}
