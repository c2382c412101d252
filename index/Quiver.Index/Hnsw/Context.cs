using System.Runtime.CompilerServices;

namespace Quiver.Index.Hnsw;

/// <summary>
/// Per-search scratch: the visited set (generation tags, so starting a search costs one increment,
/// not a clear), the candidate min-heap, the bounded result max-heap, and buffers for one batch of
/// neighbours. Pooled per index; nothing here is allocated per search.
/// </summary>
internal sealed class Context
{
    public ushort[] Visited;
    public ushort Generation;
    public readonly float[] Query;
    public readonly int[] Batch;
    public readonly float[] BatchDistances;
    public Heap<Closest> Candidates = new(64);
    public Heap<Farthest> Results = new(64);
    public float[] SelectDistances = new float[64];
    public int[] SelectIds = new int[64];

    public Context(int dim, int m0, int capacity)
    {
        Visited = new ushort[capacity];
        Query = new float[dim];
        Batch = new int[Math.Max(m0, 1) + 1];
        BatchDistances = new float[Math.Max(m0, 1) + 1];
    }

    /// <summary>Starts a new visited generation, growing the tag array if the index grew.</summary>
    public void NewSearch(int capacity)
    {
        if (Visited.Length < capacity) Visited = new ushort[capacity];
        if (++Generation == 0)
        {
            Array.Clear(Visited);
            Generation = 1;
        }
    }

    /// <summary>Marks <paramref name="id"/> visited; returns false if it already was.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Visit(int id)
    {
        ref ushort tag = ref Visited[id];
        if (tag == Generation) return false;
        tag = Generation;
        return true;
    }

    public ulong[] HeapStorage = new ulong[16];

    public void EnsureHeap(int k)
    {
        if (HeapStorage.Length < k) HeapStorage = new ulong[k];
    }

    public void EnsureSelect(int n)
    {
        if (SelectIds.Length < n)
        {
            SelectIds = new int[n];
            SelectDistances = new float[n];
        }
    }
}

/// <summary>How a <see cref="Heap{TOrder}"/> orders (distance, id) pairs: the element that belongs on top.</summary>
internal interface IHeapOrder
{
    static abstract bool Above(float d1, int id1, float d2, int id2);
}

/// <summary>Closest on top: the candidates still to expand (ties in any order).</summary>
internal readonly struct Closest : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Above(float d1, int id1, float d2, int id2) => d1 < d2;
}

/// <summary>Farthest on top, ties by the larger id: the kept results, worst first so it can be evicted.</summary>
internal readonly struct Farthest : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Above(float d1, int id1, float d2, int id2) => d1 > d2 || (d1 == d2 && id1 > id2);
}

/// <summary>A binary heap of (distance, id) in two parallel arrays, ordered by <typeparamref name="TOrder"/>.</summary>
internal struct Heap<TOrder>(int capacity) where TOrder : struct, IHeapOrder
{
    private float[] _d = new float[capacity];
    private int[] _id = new int[capacity];

    public int Count { get; private set; }

    public readonly float TopDistance => _d[0];
    public readonly int TopId => _id[0];

    public void Clear() => Count = 0;

    public void Push(float d, int id)
    {
        if (Count == _d.Length) Grow();
        int i = Count++;
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            if (!TOrder.Above(d, id, _d[p], _id[p])) break;
            _d[i] = _d[p];
            _id[i] = _id[p];
            i = p;
        }
        _d[i] = d;
        _id[i] = id;
    }

    public void Pop()
    {
        int n = --Count;
        if (n == 0) return;
        float d = _d[n];
        int id = _id[n];
        int i = 0;
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && TOrder.Above(_d[c + 1], _id[c + 1], _d[c], _id[c])) c++;
            if (!TOrder.Above(_d[c], _id[c], d, id)) break;
            _d[i] = _d[c];
            _id[i] = _id[c];
            i = c;
        }
        _d[i] = d;
        _id[i] = id;
    }

    /// <summary>Empties the heap into <paramref name="distances"/>/<paramref name="ids"/> bottom-up: for <see cref="Farthest"/> that is ascending order. Returns the count.</summary>
    public int DrainAscending(Span<float> distances, Span<int> ids)
    {
        int n = Count;
        for (int i = n - 1; i >= 0; i--)
        {
            distances[i] = _d[0];
            ids[i] = _id[0];
            Pop();
        }
        return n;
    }

    private void Grow()
    {
        Array.Resize(ref _d, _d.Length * 2);
        Array.Resize(ref _id, _id.Length * 2);
    }
}
