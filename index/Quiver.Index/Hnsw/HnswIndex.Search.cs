using System.Runtime.CompilerServices;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Select;

namespace Quiver.Index.Hnsw;

internal sealed partial class HnswIndex<TDistance>
{
    /// <summary>Below this share of live rows passing a filter, an exact scan of the passing rows beats the graph.</summary>
    private const double ExactScanSelectivity = 0.02;

    public override int Search(ReadOnlySpan<float> query, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null)
    {
        CheckVector(query, "query");
        CheckK(k, ids.Length, distances.Length);
        int ef = parameters switch
        {
            null => DefaultEf,
            HnswSearchParameters h => h.Validate().Ef,
            _ => throw new ArgumentException($"HNSW takes HnswSearchParameters, not {parameters.GetType().Name}.", nameof(parameters)),
        };
        ef = Math.Max(ef, k);

        var c = _pool.Rent();
        try
        {
            ReadOnlySpan<float> q = query;
            if (MetricSpace.Normalizes(Metric))
            {
                query.CopyTo(c.Query);
                VectorDistance.Normalize(c.Query);
                q = c.Query;
            }
            var deleted = _deleted;
            int found;
            if (filter is not null && UseExactScan(filter, deleted))
                found = ExactScan(q, k, filter, deleted, c, ids, distances);
            else
            {
                found = SearchGraph(q, ef, c, filter, deleted, applyFilter: true);
                c.EnsureSelect(found);
                c.Results.DrainAscending(c.SelectDistances, c.SelectIds);
                found = Math.Min(found, k);
                c.SelectIds.AsSpan(0, found).CopyTo(ids);
                c.SelectDistances.AsSpan(0, found).CopyTo(distances);
            }
            float offset = MetricSpace.Offset(Metric);
            if (offset != 0) for (int i = 0; i < found; i++) distances[i] += offset;
            return found;
        }
        finally
        {
            _pool.Return(c);
        }
    }

    private bool UseExactScan(Bitset filter, Bitset deleted)
    {
        int live = Math.Max(1, LiveCount);
        long passing = filter.PopCount();
        return passing < ExactScanSelectivity * live;
    }

    /// <summary>Exact k nearest among rows passing the filter: the right plan when few pass.</summary>
    private int ExactScan(ReadOnlySpan<float> q, int k, Bitset filter, Bitset deleted, Context c, Span<int> ids, Span<float> distances)
    {
        int n = Count;
        var rows = _vectors.Current;
        c.EnsureHeap(k);
        var heap = new TopKHeap(c.HeapStorage.AsSpan(0, k), k);
        foreach (int id in filter.SetBits)
        {
            if (id >= n) break;
            if (id < deleted.Length && deleted.Test(id)) continue;
            float d = TDistance.Distance(q, rows.Row(id));
            if (!heap.IsFull || d <= heap.WorstDistance) heap.Push(d, id);
        }
        return heap.Drain(distances, ids);
    }

    /// <summary>
    /// Greedy descent through the upper layers, then the layer-0 beam search with <paramref name="ef"/>;
    /// leaves up to ef results in <see cref="Context.Results"/> and returns their number.
    /// </summary>
    private int SearchGraph(ReadOnlySpan<float> q, int ef, Context c, Bitset? filter, Bitset deleted, bool applyFilter)
    {
        int entry, top;
        lock (_entryLock)
        {
            entry = _entry;
            top = _maxLevel;
        }
        c.Results.Clear();
        if (entry < 0) return 0;
        var links0 = _links0;
        var upper = _upper;
        float d = Distance(q, entry);
        for (int level = top; level >= 1; level--)
            (entry, d) = Greedy(q, entry, d, level, upper);
        return SearchLayer(q, entry, d, ef, 0, c, links0, upper, applyFilter ? filter : null, applyFilter ? deleted : null);
    }

    /// <summary>Walks to the closest node on one upper layer.</summary>
    private (int Node, float Distance) Greedy(ReadOnlySpan<float> q, int node, float best, int level, int[][] upper)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            var links = upper[node].AsSpan((level - 1) * (_m + 1), _m + 1);
            int count = Math.Min(Volatile.Read(ref links[0]), _m);
            for (int i = 1; i <= count; i++)
            {
                int n = links[i];
                // A node added (or whose arrays grew) after this walk took its snapshot of the arrays: not visible to it.
                if ((uint)n >= (uint)upper.Length || upper[n] is null) continue;
                float d = Distance(q, n);
                if (d < best)
                {
                    best = d;
                    node = n;
                    changed = true;
                }
            }
        }
        return (node, best);
    }

    /// <summary>
    /// The beam search of one layer (the paper's SEARCH-LAYER). Neighbours are gathered first, then their
    /// distances computed in one batch call (the by-id kernel shares the query's loads across four rows
    /// and prefetches the next rows). Rows failing the filter or deleted still guide the walk but never
    /// enter the results.
    /// </summary>
    private int SearchLayer(ReadOnlySpan<float> q, int entry, float entryDistance, int ef, int level, Context c,
        int[] links0, int[][] upper, Bitset? filter, Bitset? deleted)
    {
        var rows = _vectors.Current;
        c.NewSearch(rows.Capacity);
        c.Candidates.Clear();
        c.Results.Clear();
        c.Visit(entry);
        c.Candidates.Push(entryDistance, entry);
        if (Accepts(entry, filter, deleted)) c.Results.Push(entryDistance, entry);
        float bound = c.Results.Count > 0 ? entryDistance : float.PositiveInfinity;
        int maxLinks = level == 0 ? _m0 : _m;
        var rowSpan = rows.Rows;
        var batch = c.Batch;
        var batchD = c.BatchDistances;
        // Nodes this walk can follow: those its snapshot of the link arrays holds (adds may grow the arrays meanwhile;
        // the newer nodes are simply not seen by this search).
        int limit = Math.Min(rows.Capacity, level == 0 ? links0.Length / _stride0 : upper.Length);

        while (c.Candidates.Count > 0)
        {
            float cd = c.Candidates.TopDistance;
            if (cd > bound && c.Results.Count >= ef) break;
            int cur = c.Candidates.TopId;
            c.Candidates.Pop();
            // The link list of the next candidate lives apart from its row; start it on its way now,
            // while this node's neighbours are processed.
            if (c.Candidates.Count > 0) PrefetchLinks(links0, upper, c.Candidates.TopId, level);

            var links = Links(links0, upper, cur, level);
            int count = Math.Min(Volatile.Read(ref links[0]), maxLinks);
            int nb = 0;
            for (int i = 1; i <= count; i++)
            {
                int n = links[i];
                if ((uint)n < (uint)limit && (level == 0 || upper[n] is not null) && c.Visit(n))
                {
                    batch[nb++] = n;
                    // Start every neighbour's row on its way now: all the misses overlap, instead of
                    // each waiting its turn inside the distance batch.
                    rows.Prefetch(n);
                }
            }
            if (nb == 0) continue;
            TDistance.ByIds(q, rowSpan, batch.AsSpan(0, nb), batchD.AsSpan(0, nb));
            for (int i = 0; i < nb; i++)
            {
                float d = batchD[i];
                if (c.Results.Count < ef || d < bound)
                {
                    int n = batch[i];
                    c.Candidates.Push(d, n);
                    if (Accepts(n, filter, deleted))
                    {
                        c.Results.Push(d, n);
                        if (c.Results.Count > ef) c.Results.Pop();
                        bound = c.Results.TopDistance;
                    }
                }
            }
        }
        return c.Results.Count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void PrefetchLinks(int[] links0, int[][] upper, int node, int level)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || level != 0) return;
        // SAFETY: a prefetch never faults; if the GC moves the array the hint is only wasted.
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref links0[node * _stride0]));
    }

    // A node newer than the deleted-set snapshot the search took (the index grew meanwhile) cannot be deleted yet.
    private static bool Accepts(int id, Bitset? filter, Bitset? deleted) =>
        (deleted is null || id >= deleted.Length || !deleted.Test(id)) && (filter is null || (id < filter.Length && filter.Test(id)));
}
