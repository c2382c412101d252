using System.Runtime.CompilerServices;
using Quiver.Index.Storage;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;

namespace Quiver.Index.Hnsw;

/// <summary>HNSW specialised for one distance functor. Partial files: Core (state), Build, Search, Persist.</summary>
internal sealed partial class HnswIndex<TDistance> : HnswIndex where TDistance : struct, IDistance<float>
{
    private const int LockStripes = 4096;
    private const int MaxLevel = 30;

    private readonly int _m, _m0, _stride0;
    private readonly double _levelMult;
    private readonly VectorStore _vectors;
    private readonly object[] _locks = new object[LockStripes];
    private readonly object _entryLock = new();
    private readonly ReaderWriterLockSlim _growLock = new(LockRecursionPolicy.NoRecursion);
    private readonly ScratchPool<Context> _pool;

    // Layer-0 links: node i owns _links0[i·stride0 .. +stride0): a count then up to M0 ids.
    private int[] _links0;
    // Upper layers: node i with level L ≥ 1 owns _upper[i] = L blocks of (count, M ids).
    private int[][] _upper;
    private int[] _levels;
    private Bitset _deleted;
    private int _capacity, _nextId, _live;
    private int _entry = -1, _maxLevel = -1;

    public HnswIndex(Metric metric, int dim, HnswParameters parameters, int capacity) : this(metric, dim, parameters, capacity, null)
    {
    }

    /// <summary>An index over an existing store (a mapped file): per-node arrays are sized to its rows.</summary>
    internal HnswIndex(Metric metric, int dim, HnswParameters parameters, int capacity, VectorStore? store) : base(metric, dim, parameters)
    {
        _m = parameters.M;
        _m0 = 2 * parameters.M;
        _stride0 = _m0 + 1;
        _levelMult = 1.0 / Math.Log(Math.Max(2, _m));
        _capacity = store?.Capacity ?? Math.Max(16, capacity);
        _vectors = store ?? new VectorStore(dim, _capacity);
        _links0 = new int[(long)_capacity * _stride0 > Array.MaxLength ? throw new ArgumentOutOfRangeException(nameof(capacity)) : _capacity * _stride0];
        _upper = new int[_capacity][];
        _levels = new int[_capacity];
        _deleted = new Bitset(_capacity);
        for (int i = 0; i < LockStripes; i++) _locks[i] = new object();
        _pool = new ScratchPool<Context>(() => new Context(dim, _m0, Volatile.Read(ref _capacity)));
    }

    public override int Count => _vectors.Count;
    public override int LiveCount => Volatile.Read(ref _live);

    public override long MemoryBytes
    {
        get
        {
            long bytes = _vectors.MemoryBytes + (long)_links0.Length * sizeof(int) + (long)_levels.Length * sizeof(int) + _deleted.Words.Length * sizeof(ulong);
            bytes += (long)_upper.Length * IntPtr.Size;
            int n = Math.Min(Volatile.Read(ref _nextId), _upper.Length);
            for (int i = 0; i < n; i++) if (_upper[i] is { } u) bytes += u.Length * sizeof(int) + 24;
            return bytes;
        }
    }

    private object LockOf(int id) => _locks[id & (LockStripes - 1)];

    /// <summary>Grows every per-node array to hold <paramref name="rows"/> nodes. Caller holds the write lock.</summary>
    private void Grow(int rows)
    {
        if (rows <= _capacity) return;
        int next = (int)Math.Min(Array.MaxLength / _stride0, Math.Max(rows, (long)_capacity * 3 / 2));
        _vectors.Reserve(next);
        var links = new int[next * _stride0];
        Array.Copy(_links0, links, _links0.Length);
        var upper = new int[next][];
        Array.Copy(_upper, upper, _upper.Length);
        var levels = new int[next];
        Array.Copy(_levels, levels, _levels.Length);
        var deleted = new Bitset(next);
        _deleted.Words.CopyTo(deleted.Words);
        _links0 = links;
        _upper = upper;
        _levels = levels;
        _deleted = deleted;
        Volatile.Write(ref _capacity, next);
    }

    /// <summary>The level of a new node: ⌊−ln(u)·mL⌋ with u from a SplitMix64 of (seed, id).</summary>
    private int RandomLevel(int id)
    {
        ulong x = (ulong)(uint)Parameters.Seed * 0x9E3779B97F4A7C15UL + (ulong)id + 0x632BE59BD9B4E019UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        double u = ((x >> 11) + 1) * (1.0 / (1UL << 53)); // (0, 1]
        return Math.Min(MaxLevel, (int)(-Math.Log(u) * _levelMult));
    }

    /// <summary>The link list of <paramref name="node"/> on <paramref name="level"/>: element 0 is the count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<int> Links(int[] links0, int[][] upper, int node, int level) =>
        level == 0 ? links0.AsSpan(node * _stride0, _stride0) : upper[node].AsSpan((level - 1) * (_m + 1), _m + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Distance(ReadOnlySpan<float> query, int node) => TDistance.Distance(query, _vectors.Current.Row(node));

    public override void Dispose()
    {
        _vectors.Dispose();
        _growLock.Dispose();
    }
}
