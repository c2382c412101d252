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
    public MinHeap Candidates = new(64);
    public MaxHeap Results = new(64);
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

/// <summary>A binary min-heap of (distance, id): the candidates still to expand, closest first.</summary>
internal struct MinHeap(int capacity)
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
            if (_d[p] <= d) break;
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
            if (c + 1 < n && _d[c + 1] < _d[c]) c++;
            if (_d[c] >= d) break;
            _d[i] = _d[c];
            _id[i] = _id[c];
            i = c;
        }
        _d[i] = d;
        _id[i] = id;
    }

    private void Grow()
    {
        Array.Resize(ref _d, _d.Length * 2);
        Array.Resize(ref _id, _id.Length * 2);
    }
}

/// <summary>
/// A binary max-heap of (distance, id): the best results so far, worst on top so it can be evicted.
/// Equal distances order by id so the kept set is deterministic.
/// </summary>
internal struct MaxHeap(int capacity)
{
    private float[] _d = new float[capacity];
    private int[] _id = new int[capacity];

    public int Count { get; private set; }

    public readonly float TopDistance => _d[0];
    public readonly int TopId => _id[0];

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Above(float d1, int id1, float d2, int id2) => d1 > d2 || (d1 == d2 && id1 > id2);

    public void Push(float d, int id)
    {
        if (Count == _d.Length) Grow();
        int i = Count++;
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            if (!Above(d, id, _d[p], _id[p])) break;
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
            if (c + 1 < n && Above(_d[c + 1], _id[c + 1], _d[c], _id[c])) c++;
            if (!Above(_d[c], _id[c], d, id)) break;
            _d[i] = _d[c];
            _id[i] = _id[c];
            i = c;
        }
        _d[i] = d;
        _id[i] = id;
    }

    /// <summary>Empties the heap into ascending order (closest first); returns the count.</summary>
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
