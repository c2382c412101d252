using Quiver.Kernel.Distance;

namespace Quiver.Index.Hnsw;

internal sealed partial class HnswIndex<TDistance>
{
    public override int Add(ReadOnlySpan<float> vector)
    {
        CheckVector(vector);
        int id = Interlocked.Increment(ref _nextId) - 1;
        EnsureCapacity(id + 1);
        _growLock.EnterReadLock();
        try
        {
            var c = _pool.Rent();
            try
            {
                Insert(id, vector, c);
            }
            finally
            {
                _pool.Return(c);
            }
        }
        finally
        {
            _growLock.ExitReadLock();
        }
        return id;
    }

    public override void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null)
    {
        int n = CheckRows(vectors);
        if (n == 0) return;
        int first = Interlocked.Add(ref _nextId, n) - n;
        EnsureCapacity(first + n);
        var data = vectors.ToArray();
        int done = 0, step = Math.Max(1, n / 200);
        _growLock.EnterReadLock();
        try
        {
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount },
                () => _pool.Rent(),
                (i, _, c) =>
                {
                    Insert(first + (int)i, data.AsSpan((int)i * Dimension, Dimension), c);
                    int d = Interlocked.Increment(ref done);
                    if (progress is not null && d % step == 0) progress((double)d / n);
                    return c;
                },
                c => _pool.Return(c));
        }
        finally
        {
            _growLock.ExitReadLock();
        }
        progress?.Invoke(1);
    }

    public override bool Remove(int id)
    {
        CheckId(id);
        // The read side of the grow lock: a concurrent growth copies the deleted set, and must not miss this bit.
        _growLock.EnterReadLock();
        try
        {
            lock (_entryLock)
            {
                if (_deleted.Test(id)) return false;
                _deleted.Set(id);
                _live--;
                return true;
            }
        }
        finally
        {
            _growLock.ExitReadLock();
        }
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= Volatile.Read(ref _capacity)) return;
        _growLock.EnterWriteLock();
        try
        {
            Grow(rows);
        }
        finally
        {
            _growLock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Inserts node <paramref name="id"/> (the paper's INSERT): write the vector, draw a level, descend
    /// greedily to that level, then on each layer from there to 0 search with efConstruction, link to
    /// the heuristic's choice of neighbours, and link back, pruning a neighbour's list when it overflows.
    /// </summary>
    private void Insert(int id, ReadOnlySpan<float> vector, Context c)
    {
        _vectors.Write(id, vector);
        ReadOnlySpan<float> q = _vectors.Current.Row(id);
        if (MetricSpace.Normalizes(Metric))
        {
            vector.CopyTo(c.Query);
            VectorDistance.Normalize(c.Query);
            _vectors.Write(id, c.Query);
        }
        int level = RandomLevel(id);
        _levels[id] = level;
        if (level > 0)
        {
            var up = new int[level * (_m + 1)];
            _upper[id] = up;
        }
        _vectors.Publish(id + 1);

        int entry, top;
        lock (_entryLock)
        {
            entry = _entry;
            top = _maxLevel;
            if (entry < 0)
            {
                _entry = id;
                _maxLevel = level;
                _live++;
                return;
            }
        }

        var links0 = _links0;
        var upper = _upper;
        float d = Distance(q, entry);
        for (int l = top; l > level; l--)
            (entry, d) = Greedy(q, entry, d, l, upper);

        // LinkBack reuses the selection buffers, so each layer's chosen neighbours are copied out first.
        Span<int> chosenBuffer = stackalloc int[_m];
        for (int l = Math.Min(level, top); l >= 0; l--)
        {
            int found = SearchLayer(q, entry, d, Parameters.EfConstruction, l, c, links0, upper, null, null);
            c.EnsureSelect(found);
            c.Results.DrainAscending(c.SelectDistances, c.SelectIds);
            // The closest found is the entry for the next layer down.
            entry = c.SelectIds[0];
            d = c.SelectDistances[0];
            int kept = SelectNeighbours(c.SelectIds.AsSpan(0, found), c.SelectDistances.AsSpan(0, found), _m);
            var chosen = chosenBuffer[..kept];
            c.SelectIds.AsSpan(0, kept).CopyTo(chosen);
            var mine = Links(links0, upper, id, l);
            lock (LockOf(id))
            {
                chosen.CopyTo(mine[1..]);
                Volatile.Write(ref mine[0], kept);
            }
            foreach (int n in chosen) LinkBack(n, id, l, links0, upper, c);
        }

        lock (_entryLock)
        {
            if (level > _maxLevel)
            {
                _entry = id;
                _maxLevel = level;
            }
            _live++;
        }
    }

    /// <summary>
    /// The paper's heuristic (Algorithm 4) over candidates sorted by distance to the base: keep a
    /// candidate only if it is closer to the base than to every candidate already kept, up to
    /// <paramref name="max"/>. Kept ids and distances are moved to the front; returns how many.
    /// </summary>
    private int SelectNeighbours(Span<int> ids, Span<float> dists, int max)
    {
        if (ids.Length <= max) return ids.Length;
        var rows = _vectors.Current;
        int kept = 0;
        for (int i = 0; i < ids.Length && kept < max; i++)
        {
            int e = ids[i];
            float de = dists[i];
            var ve = rows.Row(e);
            bool good = true;
            for (int j = 0; j < kept; j++)
            {
                if (TDistance.Distance(ve, rows.Row(ids[j])) < de)
                {
                    good = false;
                    break;
                }
            }
            if (good)
            {
                ids[kept] = e;
                dists[kept] = de;
                kept++;
            }
        }
        return kept;
    }

    /// <summary>Adds <paramref name="id"/> to <paramref name="node"/>'s list on a layer, pruning by the heuristic when full.</summary>
    private void LinkBack(int node, int id, int level, int[] links0, int[][] upper, Context c)
    {
        int max = level == 0 ? _m0 : _m;
        var links = Links(links0, upper, node, level);
        var rows = _vectors.Current;
        lock (LockOf(node))
        {
            int count = links[0];
            for (int i = 1; i <= count; i++) if (links[i] == id) return;
            if (count < max)
            {
                links[1 + count] = id;
                Volatile.Write(ref links[0], count + 1);
                return;
            }
            // Full: choose among the current neighbours and the newcomer, by distance to node.
            var baseRow = rows.Row(node);
            c.EnsureSelect(max + 1);
            var ids = c.SelectIds.AsSpan(0, max + 1);
            var ds = c.SelectDistances.AsSpan(0, max + 1);
            for (int i = 0; i < count; i++) ids[i] = links[1 + i];
            ids[count] = id;
            TDistance.ByIds(baseRow, rows.Rows, ids, ds);
            ds.Sort(ids);
            int kept = SelectNeighbours(ids, ds, max);
            for (int i = 0; i < kept; i++) links[1 + i] = ids[i];
            Volatile.Write(ref links[0], kept);
        }
    }
}
