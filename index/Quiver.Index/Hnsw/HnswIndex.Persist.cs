namespace Quiver.Index.Hnsw;

internal sealed partial class HnswIndex<TDistance>
{
    public override void Save(Stream stream)
    {
        // A consistent snapshot: no insert may run while the graph is written.
        _growLock.EnterWriteLock();
        try
        {
            int n = Count;
            var upperLengths = new int[n];
            long upperTotal = 0;
            for (int i = 0; i < n; i++)
            {
                upperLengths[i] = _upper[i]?.Length ?? 0;
                upperTotal += upperLengths[i];
            }
            var upper = new int[upperTotal];
            long at = 0;
            for (int i = 0; i < n; i++)
            {
                if (_upper[i] is { } u)
                {
                    u.CopyTo(upper, at);
                    at += u.Length;
                }
            }
            HnswFile.Write(stream, this, _vectors.Current.Rows[..(n * Dimension)], _levels.AsSpan(0, n), _links0.AsSpan(0, n * _stride0), upper, _deleted, n, _entry, _maxLevel);
        }
        finally
        {
            _growLock.ExitWriteLock();
        }
    }

    /// <summary>Installs a graph read from a file into this empty index.</summary>
    internal override void Restore(ReadOnlySpan<float> vectors, int[] levels, int[] links0, int[] upper, ulong[] deleted, int entry, int maxLevel)
    {
        int n = levels.Length;
        Grow(n);
        // A mapped store already holds the rows in place; a fresh one gets them copied.
        if (!_vectors.Current.IsExternal)
            for (int i = 0; i < n; i++) _vectors.Write(i, vectors.Slice(i * Dimension, Dimension));
        levels.CopyTo(_levels, 0);
        links0.CopyTo(_links0, 0);
        long at = 0;
        for (int i = 0; i < n; i++)
        {
            int level = levels[i];
            if (level < 0 || level > MaxLevel) throw new InvalidDataException($"Index file is corrupt: node {i} has level {level}.");
            if (level == 0) continue;
            int len = level * (_m + 1);
            if (at + len > upper.Length) throw new InvalidDataException("Index file is corrupt: the upper-layer links are shorter than the levels require.");
            _upper[i] = upper.AsSpan((int)at, len).ToArray();
            at += len;
        }
        if (at != upper.Length) throw new InvalidDataException("Index file is corrupt: the upper-layer links are longer than the levels require.");
        for (int i = 0; i < n; i++)
        {
            int count = _links0[i * _stride0];
            if (count < 0 || count > _m0) throw new InvalidDataException($"Index file is corrupt: node {i} has {count} layer-0 links (at most {_m0}).");
            for (int j = 1; j <= count; j++)
                if ((uint)_links0[i * _stride0 + j] >= (uint)n) throw new InvalidDataException($"Index file is corrupt: node {i} links to {_links0[i * _stride0 + j]}, beyond {n} nodes.");
        }
        if (n > 0 && ((uint)entry >= (uint)n || maxLevel != levels[entry]))
            throw new InvalidDataException($"Index file is corrupt: entry point {entry} at level {maxLevel} does not match the nodes.");
        deleted.CopyTo(_deleted.Words);
        _nextId = n;
        _entry = n == 0 ? -1 : entry;
        _maxLevel = n == 0 ? -1 : maxLevel;
        _live = n - (int)_deleted.PopCount();
        _vectors.Publish(n);
    }
}
