using Quiver.Index;
using Quiver.Index.Ivf;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Node.Expressions;
using Quiver.Node.Streaming;
using Quiver.Storage.Segments;

namespace Quiver.Node.Query;

/// <summary>
/// A flushed segment as a query node serves it: its rows (the immutable Arrow batches — in memory right after a
/// flush, memory-mapped from the segment file after a restart) and, when the collection has an index on a vector
/// field, that index over the segment's rows. Searches on the indexed field with the index's metric go through
/// the index, with deleted rows masked by a bitset; everything else falls back to exact search over the rows.
/// </summary>
/// <remarks>Lifetime: owns the index and the reader (if any), reference-counted: the owner (the shard's segment list)
/// holds one reference, and every reader takes one (<see cref="TryAcquire"/> / <see cref="Release"/>, through
/// <see cref="SegmentSnapshot"/>). When compaction or a late index build swaps it out, the owner's reference is
/// dropped and the index and mapping are freed once the last search using it finishes. Deletes may still arrive
/// (a sealed segment's rows can be deleted); they are applied to the rows and reflected in the mask.</remarks>
public sealed class SealedSegment : IQuerySegment, IDisposable
{
    private readonly GrowingSegment _rows;
    private SegmentReader? _reader;
    private readonly object _maskGate = new();
    // Int64 primary keys by row, flat: a search resolves k keys of random rows, and one array read each is one
    // cache miss instead of a walk through the Arrow column objects (about 1 µs per key on this machine).
    private readonly long[]? _int64Keys;
    private long _deleteVersion;
    private int _refs = 1;
    private long _maskVersion = -1;
    private Bitset? _alive;

    /// <param name="rows">The segment's rows, sealed (no more appends).</param>
    /// <param name="reader">The mapped file the rows come from, owned from now on; null when the rows are in memory.</param>
    /// <param name="indexes">Vector indexes by field name, owned from now on.</param>
    public SealedSegment(GrowingSegment rows, SegmentReader? reader, IReadOnlyDictionary<string, SegmentIndex>? indexes)
    {
        ArgumentNullException.ThrowIfNull(rows);
        rows.Seal();
        _rows = rows;
        _reader = reader;
        _indexes = indexes ?? new Dictionary<string, SegmentIndex>();
        _int64Keys = Int64Keys(rows);
    }

    /// <summary>
    /// The same rows with another index (built after the segment was flushed): the new segment takes over the mapped
    /// file, so disposing this one afterwards frees only its own index.
    /// </summary>
    public SealedSegment WithIndex(string field, SegmentIndex index)
    {
        // The new segment takes the mapping and every other index; this one keeps only what it replaces, to free.
        var next = new Dictionary<string, SegmentIndex>(_indexes) { [field] = index };
        var kept = new Dictionary<string, SegmentIndex>();
        if (_indexes.TryGetValue(field, out var replaced)) kept[field] = replaced;
        var segment = new SealedSegment(_rows, _reader, next);
        segment.SetScalarIndexes(_scalarIndexes);
        _reader = null;
        _indexes = kept;
        return segment;
    }

    /// <summary>The rows (for rebuilding the index over them).</summary>
    internal GrowingSegment Rows => _rows;

    public long SegmentId => _rows.SegmentId;
    public long PartitionId => _rows.PartitionId;
    public long RowCount => _rows.RowCount;
    public SegmentSchema Schema => _rows.Schema;
    public bool IsSealed => true;
    private IReadOnlyDictionary<string, SegmentIndex> _indexes;

    /// <summary>The vector indexes over this segment, by field.</summary>
    public IReadOnlyDictionary<string, SegmentIndex> Indexes => _indexes;

    /// <summary>True when <paramref name="field"/> has an index here (vector or scalar).</summary>
    public bool HasIndex(string field) => _indexes.ContainsKey(field) || _scalarIndexes.ContainsKey(field);

    private volatile IReadOnlyDictionary<string, ScalarIndex> _scalarIndexes = NoScalarIndexes;
    private static readonly IReadOnlyDictionary<string, ScalarIndex> NoScalarIndexes = new Dictionary<string, ScalarIndex>();

    /// <summary>The scalar indexes over this segment's fields, by field: what filters use instead of scanning a column.</summary>
    public IReadOnlyDictionary<string, ScalarIndex> ScalarIndexes => _scalarIndexes;

    // The rows a filter plan passes never change for a sealed segment (its rows are immutable; deletes are applied
    // separately through visibility), so the last few plans' bitsets are kept: a repeated filter (a tenant, a category)
    // is evaluated once per segment. Keyed by plan object: the client hands the same plan for the same expression and values.
    private readonly (FilterPlan? Plan, Bitset? Bits)[] _filterCache = new (FilterPlan?, Bitset?)[8];
    private int _filterCacheNext;

    /// <summary>The rows <paramref name="plan"/> passes (ignoring deletes), from the cache or evaluated now and cached.</summary>
    public Bitset Passing(FilterPlan plan)
    {
        lock (_filterCache)
        {
            foreach (var (p, bits) in _filterCache)
                if (ReferenceEquals(p, plan)) return bits!;
        }
        var evaluated = plan.Evaluate(Batches, Schema, _scalarIndexes);
        lock (_filterCache)
        {
            _filterCache[_filterCacheNext] = (plan, evaluated);
            _filterCacheNext = (_filterCacheNext + 1) % _filterCache.Length;
        }
        return evaluated;
    }

    /// <summary>Replaces the scalar indexes (built in memory from the rows; readers keep the set they took).</summary>
    public void SetScalarIndexes(IReadOnlyDictionary<string, ScalarIndex> indexes) => _scalarIndexes = indexes ?? NoScalarIndexes;

    /// <summary>The segment's rows as Arrow batches (what its insert file holds).</summary>
    public IReadOnlyList<Apache.Arrow.RecordBatch> Batches => _rows.Batches;

    public long LiveCount(ulong snapshotTs) => _rows.LiveCount(snapshotTs);
    public bool IsVisible(long row, ulong snapshotTs) => _rows.IsVisible(row, snapshotTs);
    /// <summary>
    /// Visible rows at <paramref name="snapshotTs"/>. At the latest snapshot (every read but an iterator's) that is the
    /// cached mask of rows never deleted, since a sealed segment takes no more rows; older snapshots check each row.
    /// </summary>
    public Bitset VisibleRows(ulong snapshotTs)
    {
        if (snapshotTs < ulong.MaxValue - 1) return _rows.VisibleRows(snapshotTs);
        var alive = Alive();
        var copy = new Bitset(checked((int)RowCount));
        if (alive is null) copy.SetAll();
        else alive.Words.CopyTo(copy.Words);
        return copy;
    }
    public bool TryGetRow(object primaryKey, ulong snapshotTs, out long row) => _rows.TryGetRow(primaryKey, snapshotTs, out row);
    public object PrimaryKey(long row) => _int64Keys is { } keys ? keys[row] : _rows.PrimaryKey(row);
    public long Int64Key(long row) => _int64Keys is { } keys ? keys[row] : _rows.Int64Key(row);

    private static long[]? Int64Keys(GrowingSegment rows)
    {
        var pk = rows.Schema.PrimaryKey;
        if (pk.Type != FieldType.Int64) return null;
        int column = rows.Schema.Fields.ToList().IndexOf(pk);
        var keys = new long[rows.RowCount];
        long at = 0;
        foreach (var batch in rows.Batches)
        {
            var values = ((Apache.Arrow.Int64Array)batch.Column(column)).Values;
            values.CopyTo(keys.AsSpan(checked((int)at)));
            at += values.Length;
        }
        return keys;
    }
    public object? GetValue(string field, long row) => _rows.GetValue(field, row);
    public ulong DeleteTimestamp(long row) => _rows.DeleteTimestamp(row);
    public ulong InsertTimestamp(long row) => _rows.InsertTimestamp(row);

    public int Delete(ReadOnlySpan<long> primaryKeys, ulong ts) => Deleted(_rows.Delete(primaryKeys, ts));
    public int Delete(ReadOnlySpan<string> primaryKeys, ulong ts) => Deleted(_rows.Delete(primaryKeys, ts));

    private int Deleted(int count)
    {
        if (count > 0) Interlocked.Increment(ref _deleteVersion);
        return count;
    }

    public int Search(string vectorField, Metric metric, ReadOnlySpan<float> queries, int k, ulong snapshotTs, Bitset? filter,
        Span<int> rows, Span<float> distances, Span<int> found = default) =>
        Search(vectorField, metric, queries, k, snapshotTs, filter, rows, distances, found, null);

    /// <summary>Searches with explicit index parameters (ef, nprobe); see the interface method.</summary>
    public int Search(string vectorField, Metric metric, ReadOnlySpan<float> queries, int k, ulong snapshotTs, Bitset? filter,
        Span<int> rows, Span<float> distances, Span<int> found, SearchParameters? parameters)
    {
        if (!_indexes.TryGetValue(vectorField, out var si) || si.Metric != metric)
            return _rows.Search(vectorField, metric, queries, k, snapshotTs, filter, rows, distances, found);
        var index = si.Index;
        int dim = index.Dimension;
        int nq = queries.Length / dim;
        var mask = Combine(Alive(), filter);
        if (filter is not null)
        {
            // Filtered search: the index walk with the filter, or an exact scan of the passing rows, whichever the cost
            // estimate says is cheaper; IVF probes more lists the fewer rows pass.
            long passing = mask!.PopCount();
            var plan = FilteredPlan(index, parameters ?? si.Defaults, k, passing, RowCount);
            if (plan.Exact) return _rows.Search(vectorField, metric, queries, k, snapshotTs, mask, rows, distances, found);
            parameters = plan.Parameters;
        }
        int total = 0;
        // A batch index (the GPU families) takes every query in one call: one upload, one launch.
        if (index is IBatchVectorIndex batch) batch.SearchBatch(queries, k, rows[..(nq * k)], distances[..(nq * k)], parameters ?? si.Defaults, mask);
        for (int q = 0; q < nq; q++)
        {
            var r = rows.Slice(q * k, k);
            var d = distances.Slice(q * k, k);
            int n;
            if (index is IBatchVectorIndex) n = BatchVectorIndex.Found(r);
            else n = index.Search(queries.Slice(q * dim, dim), k, r, d, parameters ?? si.Defaults, mask);
            for (int i = 0; i < n; i++) d[i] = Report(metric, d[i]);
            for (int i = n; i < k; i++)
            {
                r[i] = -1;
                d[i] = metric is Metric.InnerProduct or Metric.Cosine ? float.NegativeInfinity : float.PositiveInfinity;
            }
            if (!found.IsEmpty) found[q] = n;
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Chooses how to search an index when <paramref name="passing"/> of <paramref name="rows"/> rows pass a filter, by the
    /// number of distances each way costs. Exact: the passing rows. HNSW: a filtered walk keeps ef passing results, so it
    /// visits about ef / selectivity nodes of up to 2M neighbours each. IVF: nprobe / nlist of the rows; it is widened to
    /// nprobe / selectivity lists (capped at nlist) so as many passing rows are seen as without the filter.
    /// </summary>
    internal static (bool Exact, SearchParameters? Parameters) FilteredPlan(IVectorIndex index, SearchParameters? parameters, int k, long passing, long rows)
    {
        if (passing == 0 || rows == 0) return (true, parameters);
        double selectivity = (double)passing / rows;
        switch (index)
        {
            case Quiver.Index.Hnsw.HnswIndex h:
            {
                int ef = Math.Max(k, parameters is HnswSearchParameters hp ? hp.Ef : h.DefaultEf);
                double walk = Math.Min(rows, ef * 2.0 * h.Parameters.M / selectivity);
                return (passing <= walk, parameters);
            }
            case Quiver.Index.Ivf.IvfIndex ivf:
            {
                var p = WidenedProbes(ivf.Parameters.Nlist, ivf.DefaultNprobe, parameters, selectivity);
                double scanned = (double)rows * p.Nprobe / ivf.Parameters.Nlist;
                return passing <= scanned ? (true, parameters) : (false, p);
            }
            case Quiver.Index.Gpu.GpuBruteForceIndex:
                // The device scans every row with the filter applied: exact, and cheaper there than on the CPU.
                return (false, parameters);
            case Quiver.Index.Gpu.GpuIvfFlatIndex gpuIvf:
                // The device scans the widened lists with the filter applied; no exact CPU scan competes.
                return (false, WidenedProbes(gpuIvf.Parameters.Nlist, gpuIvf.DefaultNprobe, parameters, selectivity));
            default:
                return (true, parameters);
        }
    }

    /// <summary>IVF search parameters with nprobe widened to nprobe / selectivity (capped at nlist).</summary>
    private static IvfSearchParameters WidenedProbes(int nlist, int defaultNprobe, SearchParameters? parameters, double selectivity)
    {
        var p = parameters as IvfSearchParameters ?? new IvfSearchParameters(Math.Min(defaultNprobe, nlist));
        return p with { Nprobe = (int)Math.Min(nlist, Math.Ceiling(p.Nprobe / selectivity)) };
    }

    public int Search(string vectorField, Metric metric, ReadOnlySpan<byte> queries, int k, ulong snapshotTs, Bitset? filter,
        Span<int> rows, Span<float> distances, Span<int> found = default) =>
        _rows.Search(vectorField, metric, queries, k, snapshotTs, filter, rows, distances, found);

    // The index reports "smaller is closer": −dot for IP, 1 − cos for COSINE. Milvus reports similarities for both.
    private static float Report(Metric metric, float d) => metric switch
    {
        Metric.InnerProduct => -d,
        Metric.Cosine => 1f - d,
        _ => d,
    };

    /// <summary>The rows not deleted, or null when none is; rebuilt only after new deletes.</summary>
    private Bitset? Alive()
    {
        long version = Interlocked.Read(ref _deleteVersion);
        if (version == 0) return null;
        lock (_maskGate)
        {
            if (_maskVersion == version) return _alive;
            int n = checked((int)RowCount);
            var bits = new Bitset(n);
            for (int row = 0; row < n; row++)
                if (_rows.DeleteTimestamp(row) == ulong.MaxValue) bits.Set(row);
            _alive = bits;
            _maskVersion = version;
            return bits;
        }
    }

    private static Bitset? Combine(Bitset? a, Bitset? b) => a is null ? b : b is null ? a : SegmentFilter.Intersect(a, b);

    /// <summary>Takes a reader's reference; false once the segment has been freed (take a fresh snapshot then).</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int r = Volatile.Read(ref _refs);
            if (r == 0) return false;
            if (Interlocked.CompareExchange(ref _refs, r + 1, r) == r) return true;
        }
    }

    /// <summary>Drops a reference; the last one frees the index and the mapping.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            foreach (var si in _indexes.Values) si.Index.Dispose();
            _reader?.Dispose();
        }
    }

    /// <summary>Drops the owner's reference.</summary>
    public void Dispose() => Release();
}
