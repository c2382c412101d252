using Quiver.Index.Storage;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Clustering;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Select;

namespace Quiver.Index.Ivf;

/// <summary>
/// IVF_FLAT: a k-means coarse quantizer and one contiguous inverted list of raw vectors (and their
/// ids) per centroid. A search ranks the centroids, scans the <c>nprobe</c> nearest lists with the
/// one-to-many kernel and keeps the best k. The first <see cref="AddRange"/> trains the quantizer on
/// its rows unless <see cref="Train"/> ran before; later adds go to their nearest list.
/// </summary>
public abstract class IvfFlatIndex : VectorIndex
{
    private protected IvfFlatIndex(Metric metric, int dim, IvfParameters parameters) : base(IndexKind.IvfFlat, metric, dim)
    {
        Parameters = parameters.Validate();
    }

    /// <summary>An empty, untrained IVF_FLAT index.</summary>
    public static IvfFlatIndex Create(Metric metric, int dim, IvfParameters? parameters = null) => metric switch
    {
        Metric.L2 => new IvfFlatIndex<SquaredL2Distance>(metric, dim, parameters ?? new IvfParameters()),
        _ => new IvfFlatIndex<InnerProductDistance>(metric, dim, parameters ?? new IvfParameters()),
    };

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    public static IvfFlatIndex Load(Stream stream) => IvfFile.Read(stream);

    /// <summary>Build parameters.</summary>
    public IvfParameters Parameters { get; }

    /// <summary>True once the coarse quantizer is trained.</summary>
    public abstract bool IsTrained { get; }

    /// <summary>The trained centroids (nlist × dim), or empty before training.</summary>
    public abstract ReadOnlySpan<float> Centroids { get; }

    /// <summary>Seconds the last training took.</summary>
    public double TrainSeconds { get; private protected set; }

    /// <summary>Default nprobe when a search passes no parameters.</summary>
    public int DefaultNprobe { get; set; } = 8;

    /// <summary>Trains the coarse quantizer on row-major <paramref name="vectors"/> (at least nlist rows).</summary>
    public abstract void Train(ReadOnlySpan<float> vectors, int threads = 0);

    internal abstract void Restore(float[] centroids, int[] listSizes, int[] ids, float[] vectors, ulong[] deleted, int count);
}

/// <summary>IVF_FLAT specialised for one distance functor.</summary>
internal sealed class IvfFlatIndex<TDistance> : IvfFlatIndex where TDistance : struct, IDistance<float>
{
    /// <summary>One inverted list: rows and ids, grown by doubling; replaced whole so readers keep a consistent pair.</summary>
    internal sealed class List(int dim, int capacity)
    {
        public readonly float[] Vectors = new float[capacity * dim];
        public readonly int[] Ids = new int[capacity];
        public int Count;
    }

    private readonly object _writeLock = new();
    private readonly ScratchPool<Scratch> _pool;
    private float[] _centroids = [];
    private List[] _lists = [];
    private readonly DeletedRows _deleted = new();
    private int _count;

    public IvfFlatIndex(Metric metric, int dim, IvfParameters parameters) : base(metric, dim, parameters)
    {
        _pool = new ScratchPool<Scratch>(() => new Scratch(dim, Parameters.Nlist));
    }

    public override bool IsTrained => _centroids.Length > 0;
    public override ReadOnlySpan<float> Centroids => _centroids;
    public override int Count => Volatile.Read(ref _count);
    public override int LiveCount => _deleted.Live;

    public override long MemoryBytes
    {
        get
        {
            long bytes = (long)_centroids.Length * sizeof(float) + _deleted.MemoryBytes;
            foreach (var l in _lists) bytes += (long)l.Vectors.Length * sizeof(float) + (long)l.Ids.Length * sizeof(int) + 32;
            return bytes;
        }
    }

    public override void Train(ReadOnlySpan<float> vectors, int threads = 0)
    {
        int n = CheckRows(vectors);
        if (n < Parameters.Nlist)
            throw new ArgumentException($"IVF training needs at least nlist = {Parameters.Nlist} vectors; {n} were given.", nameof(vectors));
        var data = Prepared(vectors);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var km = KMeans.Train(data, Dimension, new KMeansOptions(Parameters.Nlist, Parameters.Iterations, Parameters.MaxPointsPerCentroid, Parameters.Seed, threads));
        TrainSeconds = sw.Elapsed.TotalSeconds;
        lock (_writeLock)
        {
            if (Count > 0) throw new InvalidOperationException("The index already holds vectors; IVF is trained once, before the first add.");
            _centroids = km.Centroids;
            var lists = new List[Parameters.Nlist];
            for (int i = 0; i < lists.Length; i++) lists[i] = new List(Dimension, 0);
            _lists = lists;
        }
    }

    public override int Add(ReadOnlySpan<float> vector)
    {
        CheckVector(vector);
        if (!IsTrained) throw new InvalidOperationException($"IVF_FLAT is not trained: call Train, or add at least nlist = {Parameters.Nlist} vectors with AddRange first.");
        var row = Prepared(vector);
        var d = new float[Parameters.Nlist];
        TDistance.OneToMany(row, _centroids, d);
        int list = ArgMin(d);
        lock (_writeLock)
        {
            int id = _count;
            _deleted.Added(id + 1, 1);
            Append(list, id, row);
            Volatile.Write(ref _count, id + 1);
            return id;
        }
    }

    public override void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null)
    {
        int n = CheckRows(vectors);
        if (n == 0) return;
        if (!IsTrained) Train(vectors, threads);
        var data = Prepared(vectors);
        var lists = Assign(data, threads);
        lock (_writeLock)
        {
            int first = _count;
            _deleted.Added(first + n, n);
            // Size every list once for what this batch brings, so lists hold no doubling slack.
            var incoming = new int[Parameters.Nlist];
            foreach (int l in lists) incoming[l]++;
            for (int l = 0; l < incoming.Length; l++) if (incoming[l] > 0) Reserve(l, _lists[l].Count + incoming[l]);
            for (int i = 0; i < n; i++) Append(lists[i], first + i, data.AsSpan(i * Dimension, Dimension));
            Volatile.Write(ref _count, first + n);
        }
        progress?.Invoke(1);
    }

    public override bool Remove(int id)
    {
        lock (_writeLock)
        {
            CheckId(id);
            return _deleted.Remove(id);
        }
    }

    public override int Search(ReadOnlySpan<float> query, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null)
    {
        CheckVector(query, "query");
        CheckK(k, ids.Length, distances.Length);
        if (!IsTrained) return 0;
        int nlist = Parameters.Nlist;
        int nprobe = parameters switch
        {
            null => Math.Min(DefaultNprobe, nlist),
            IvfSearchParameters p => p.Validate(nlist).Nprobe,
            _ => throw new ArgumentException($"IVF takes IvfSearchParameters, not {parameters.GetType().Name}.", nameof(parameters)),
        };
        var s = _pool.Rent();
        try
        {
            ReadOnlySpan<float> q = query;
            if (MetricSpace.Normalizes(Metric))
            {
                query.CopyTo(s.Query);
                VectorDistance.Normalize(s.Query);
                q = s.Query;
            }
            // Coarse step: the nprobe nearest centroids.
            TDistance.OneToMany(q, _centroids, s.Coarse);
            var probe = new TopKHeap(s.ProbeHeap.AsSpan(0, nprobe), nprobe);
            for (int c = 0; c < nlist; c++) if (!probe.IsFull || s.Coarse[c] <= probe.WorstDistance) probe.Push(s.Coarse[c], c);
            int probes = probe.Drain(s.ProbeDistances, s.ProbeLists);

            s.EnsureHeap(k);
            var heap = new TopKHeap(s.Heap.AsSpan(0, k), k);
            var deleted = _deleted.Snapshot;
            var lists = _lists;
            for (int p = 0; p < probes; p++)
            {
                var list = lists[s.ProbeLists[p]];
                int count = Volatile.Read(ref list.Count);
                if (count == 0) continue;
                s.EnsureDistances(count);
                var d = s.Distances.AsSpan(0, count);
                TDistance.OneToMany(q, list.Vectors.AsSpan(0, count * Dimension), d);
                var listIds = list.Ids;
                for (int j = 0; j < count; j++)
                {
                    if (heap.IsFull && d[j] > heap.WorstDistance) continue;
                    int id = listIds[j];
                    if (DeletedRows.IsDeleted(deleted, id) || (filter is not null && (id >= filter.Length || !filter.Test(id)))) continue;
                    heap.Push(d[j], id);
                }
            }
            int found = heap.Drain(distances, ids);
            float offset = MetricSpace.Offset(Metric);
            if (offset != 0) for (int i = 0; i < found; i++) distances[i] += offset;
            return found;
        }
        finally
        {
            _pool.Return(s);
        }
    }

    public override void Save(Stream stream)
    {
        lock (_writeLock)
        {
            int n = Count;
            var sizes = new int[_lists.Length];
            var ids = new int[n];
            var vectors = new float[(long)n * Dimension];
            int at = 0;
            for (int l = 0; l < _lists.Length; l++)
            {
                var list = _lists[l];
                sizes[l] = list.Count;
                list.Ids.AsSpan(0, list.Count).CopyTo(ids.AsSpan(at));
                list.Vectors.AsSpan(0, list.Count * Dimension).CopyTo(vectors.AsSpan(at * Dimension));
                at += list.Count;
            }
            IvfFile.Write(stream, this, _centroids, sizes, ids, vectors, _deleted.Snapshot, n);
        }
    }

    internal override void Restore(float[] centroids, int[] listSizes, int[] ids, float[] vectors, ulong[] deleted, int count)
    {
        if (centroids.Length != Parameters.Nlist * Dimension || listSizes.Length != Parameters.Nlist)
            throw new InvalidDataException("Index file is corrupt: centroids or list sizes do not match nlist.");
        var lists = new List[Parameters.Nlist];
        int at = 0;
        for (int l = 0; l < lists.Length; l++)
        {
            int size = listSizes[l];
            if (size < 0 || at + size > count) throw new InvalidDataException("Index file is corrupt: list sizes exceed the row count.");
            var list = new List(Dimension, size);
            ids.AsSpan(at, size).CopyTo(list.Ids);
            vectors.AsSpan(at * Dimension, size * Dimension).CopyTo(list.Vectors);
            list.Count = size;
            foreach (int id in list.Ids.AsSpan(0, size))
                if ((uint)id >= (uint)count) throw new InvalidDataException($"Index file is corrupt: list {l} holds id {id}, beyond {count} rows.");
            lists[l] = list;
            at += size;
        }
        if (at != count) throw new InvalidDataException("Index file is corrupt: list sizes do not add up to the row count.");
        _centroids = centroids;
        _lists = lists;
        _deleted.Restore(deleted, count);
        _count = count;
    }

    public override void Dispose() { }

    /// <summary>COSINE rows are normalized before they are clustered, stored or searched.</summary>
    private float[] Prepared(ReadOnlySpan<float> vectors)
    {
        var data = vectors.ToArray();
        if (MetricSpace.Normalizes(Metric)) VectorDistance.NormalizeRows(data, Dimension);
        return data;
    }

    /// <summary>Nearest list of every row, by the index's own distance, on all cores.</summary>
    private int[] Assign(float[] data, int threads)
    {
        int n = data.Length / Dimension, nlist = Parameters.Nlist;
        var result = new int[n];
        const int Block = 64;
        Parallel.For(0, (n + Block - 1) / Block, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount },
            () => new float[Block * nlist],
            (b, _, d) =>
            {
                int r0 = (int)b * Block, rn = Math.Min(Block, n - r0);
                TDistance.ManyToMany(data.AsSpan(r0 * Dimension, rn * Dimension), _centroids, Dimension, d.AsSpan(0, rn * nlist));
                for (int r = 0; r < rn; r++) result[r0 + r] = ArgMin(d.AsSpan(r * nlist, nlist));
                return d;
            },
            _ => { });
        return result;
    }

    private static int ArgMin(ReadOnlySpan<float> d)
    {
        int arg = 0;
        for (int i = 1; i < d.Length; i++) if (d[i] < d[arg]) arg = i;
        return arg;
    }

    /// <summary>Replaces list <paramref name="l"/> by one with room for <paramref name="capacity"/> rows (readers keep the old one).</summary>
    private void Reserve(int l, int capacity)
    {
        var list = _lists[l];
        if (capacity <= list.Ids.Length) return;
        var grown = new List(Dimension, capacity);
        list.Ids.AsSpan(0, list.Count).CopyTo(grown.Ids);
        list.Vectors.AsSpan(0, list.Count * Dimension).CopyTo(grown.Vectors);
        grown.Count = list.Count;
        _lists[l] = grown;
    }

    private void Append(int l, int id, ReadOnlySpan<float> row)
    {
        var list = _lists[l];
        if (list.Count == list.Ids.Length)
        {
            // Single adds grow by half again: amortised O(1) without doubling the slack.
            Reserve(l, Math.Max(4, list.Count + list.Count / 2));
            list = _lists[l];
        }
        row.CopyTo(list.Vectors.AsSpan(list.Count * Dimension, Dimension));
        list.Ids[list.Count] = id;
        Volatile.Write(ref list.Count, list.Count + 1);
    }

    private sealed class Scratch(int dim, int nlist)
    {
        public readonly float[] Query = new float[dim];
        public readonly float[] Coarse = new float[nlist];
        public readonly ulong[] ProbeHeap = new ulong[nlist];
        public readonly float[] ProbeDistances = new float[nlist];
        public readonly int[] ProbeLists = new int[nlist];
        public float[] Distances = new float[1024];
        public ulong[] Heap = new ulong[16];

        public void EnsureDistances(int n)
        {
            if (Distances.Length < n) Distances = new float[Math.Max(n, Distances.Length * 2)];
        }

        public void EnsureHeap(int k)
        {
            if (Heap.Length < k) Heap = new ulong[k];
        }
    }
}
