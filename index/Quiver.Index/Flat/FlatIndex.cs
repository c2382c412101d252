using Quiver.Index.Storage;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Select;

namespace Quiver.Index.Flat;

/// <summary>
/// FLAT: exact search by scanning every row with the batch kernels (one query against blocks of rows,
/// many queries against blocks with the register-tiled kernel). The reference every approximate
/// index is measured against, and the right choice for small or heavily filtered segments.
/// </summary>
public abstract class FlatIndex : VectorIndex
{
    private protected const int Block = 1024;
    private protected readonly VectorStore _vectors;
    private protected readonly object _writeLock = new();
    private protected readonly DeletedRows _deleted = new();

    private protected FlatIndex(Metric metric, int dim, int capacity) : base(IndexKind.Flat, metric, dim)
    {
        _vectors = new VectorStore(dim, Math.Max(capacity, 16));
    }

    /// <summary>A FLAT index for <paramref name="metric"/> over <paramref name="dim"/>-d float32 vectors.</summary>
    public static FlatIndex Create(Metric metric, int dim, int capacity = 1024) => metric switch
    {
        Metric.L2 => new FlatIndex<SquaredL2Distance>(metric, dim, capacity),
        _ => new FlatIndex<InnerProductDistance>(metric, dim, capacity),
    };

    public override int Count => _vectors.Count;
    public override int LiveCount => _deleted.Live;
    public override long MemoryBytes => _vectors.MemoryBytes + _deleted.MemoryBytes;

    public override int Add(ReadOnlySpan<float> vector)
    {
        CheckVector(vector);
        lock (_writeLock)
        {
            int id = _vectors.Count;
            _vectors.Reserve(id + 1);
            WriteRow(id, vector);
            _deleted.Added(id + 1, 1);
            _vectors.Publish(id + 1);
            return id;
        }
    }

    public override void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null)
    {
        int n = CheckRows(vectors);
        lock (_writeLock)
        {
            int first = _vectors.Count;
            _vectors.Reserve(first + n);
            for (int i = 0; i < n; i++) WriteRow(first + i, vectors.Slice(i * Dimension, Dimension));
            _deleted.Added(first + n, n);
            _vectors.Publish(first + n);
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

    /// <summary>
    /// Exact k nearest rows for each of many queries (row-major), using the many-to-many tile:
    /// ids and distances are queries × k, padded with −1 / +∞ where fewer rows exist.
    /// </summary>
    public abstract void SearchBatch(ReadOnlySpan<float> queries, int k, Span<int> ids, Span<float> distances, Bitset? filter = null, int threads = 0);

    public override void Save(Stream stream) => IndexFile.WriteFlat(stream, this, _vectors, _deleted.Snapshot);

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    public static FlatIndex Load(Stream stream) => IndexFile.ReadFlat(stream);

    internal void Restore(ReadOnlySpan<float> vectors, ReadOnlySpan<ulong> deletedWords)
    {
        int n = vectors.Length / Dimension;
        _vectors.Reserve(n);
        for (int i = 0; i < n; i++) _vectors.Write(i, vectors.Slice(i * Dimension, Dimension));
        _deleted.Restore(deletedWords, n);
        _vectors.Publish(n);
    }

    public override void Dispose() => _vectors.Dispose();

    /// <summary>Writes a row; COSINE rows are stored normalized (through a scratch copy, the input stays untouched).</summary>
    private void WriteRow(int id, ReadOnlySpan<float> vector)
    {
        if (!MetricSpace.Normalizes(Metric))
        {
            _vectors.Write(id, vector);
            return;
        }
        _normalized ??= new float[Dimension];
        vector.CopyTo(_normalized);
        VectorDistance.Normalize(_normalized);
        _vectors.Write(id, _normalized);
    }

    private float[]? _normalized;

}

/// <summary>FLAT specialised for one distance functor.</summary>
internal sealed class FlatIndex<TDistance> : FlatIndex where TDistance : struct, IDistance<float>
{
    private readonly ScratchPool<Scratch> _pool;

    public FlatIndex(Metric metric, int dim, int capacity) : base(metric, dim, capacity)
    {
        _pool = new ScratchPool<Scratch>(() => new Scratch(dim));
    }

    public override int Search(ReadOnlySpan<float> query, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null)
    {
        CheckVector(query);
        CheckK(k, ids.Length, distances.Length);
        var s = _pool.Rent();
        try
        {
            var q = Prepare(query, s.Query);
            int n = Count;
            var rows = _vectors.Current.Rows[..(n * Dimension)];
            var deleted = _deleted.Snapshot;
            s.EnsureHeap(k);
            var heap = new TopKHeap(s.Heap.AsSpan(0, k), k);
            for (int r0 = 0; r0 < n; r0 += Block)
            {
                int rn = Math.Min(Block, n - r0);
                var d = s.Distances.AsSpan(0, rn);
                TDistance.OneToMany(q, rows.Slice(r0 * Dimension, rn * Dimension), d);
                for (int j = 0; j < rn; j++)
                {
                    int id = r0 + j;
                    if (heap.IsFull && d[j] > heap.WorstDistance) continue;
                    if (DeletedRows.IsDeleted(deleted, id) || (filter is not null && !filter.Test(id))) continue;
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

    public override void SearchBatch(ReadOnlySpan<float> queries, int k, Span<int> ids, Span<float> distances, Bitset? filter = null, int threads = 0)
    {
        if (queries.Length % Dimension != 0) throw new ArgumentException($"{queries.Length} values are not a whole number of {Dimension}-d queries.", nameof(queries));
        int nq = queries.Length / Dimension;
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (ids.Length < nq * k || distances.Length < nq * k)
            throw new ArgumentException($"The output spans must hold queries × k = {nq * k} entries.", nameof(ids));
        var qs = queries.ToArray();
        if (MetricSpace.Normalizes(Metric)) VectorDistance.NormalizeRows(qs, Dimension);
        int n = Count;
        var block = _vectors.Current;
        var deleted = _deleted.Snapshot;
        float offset = MetricSpace.Offset(Metric);
        var outIds = new int[nq * k];
        var outD = new float[nq * k];
        // Queries per pass over the rows: 8 gave 310 QPS, 32 gave 489, 64 gave 510 on fashion-mnist (one
        // core, perf.md); 32 keeps a task's scratch at 128 KB and leaves work for every core on small batches.
        const int QueryBlock = 32;
        int blocks = (nq + QueryBlock - 1) / QueryBlock;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount }, b =>
        {
            int q0 = b * QueryBlock, qn = Math.Min(QueryBlock, nq - q0);
            var dist = new float[qn * Block];
            var heaps = new ulong[qn * k];
            var counts = new int[qn];
            var rows = block.Rows[..(n * Dimension)];
            for (int r0 = 0; r0 < n; r0 += Block)
            {
                int rn = Math.Min(Block, n - r0);
                TDistance.ManyToMany(qs.AsSpan(q0 * Dimension, qn * Dimension), rows.Slice(r0 * Dimension, rn * Dimension), Dimension, dist.AsSpan(0, qn * rn));
                for (int q = 0; q < qn; q++)
                {
                    var heap = new TopKHeap(heaps.AsSpan(q * k, k), k);
                    heap.Restore(counts[q]);
                    var d = dist.AsSpan(q * rn, rn);
                    for (int j = 0; j < rn; j++)
                    {
                        int id = r0 + j;
                        if (heap.IsFull && d[j] > heap.WorstDistance) continue;
                        if (DeletedRows.IsDeleted(deleted, id) || (filter is not null && !filter.Test(id))) continue;
                        heap.Push(d[j], id);
                    }
                    counts[q] = heap.Count;
                }
            }
            for (int q = 0; q < qn; q++)
            {
                var heap = new TopKHeap(heaps.AsSpan(q * k, k), k);
                heap.Restore(counts[q]);
                var oi = outIds.AsSpan((q0 + q) * k, k);
                var od = outD.AsSpan((q0 + q) * k, k);
                oi.Fill(-1);
                od.Fill(float.PositiveInfinity);
                int found = heap.Drain(od, oi);
                for (int i = 0; i < found; i++) od[i] += offset;
            }
        });
        outIds.CopyTo(ids);
        outD.CopyTo(distances);
    }

    private ReadOnlySpan<float> Prepare(ReadOnlySpan<float> query, float[] buffer)
    {
        if (!MetricSpace.Normalizes(Metric)) return query;
        query.CopyTo(buffer);
        VectorDistance.Normalize(buffer);
        return buffer;
    }

    private sealed class Scratch(int dim)
    {
        public readonly float[] Query = new float[dim];
        public readonly float[] Distances = new float[Block];
        public ulong[] Heap = new ulong[16];

        public void EnsureHeap(int k)
        {
            if (Heap.Length < k) Heap = new ulong[k];
        }
    }
}
