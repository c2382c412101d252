namespace Quiver.Node.Expressions;

/// <summary>
/// Distinct UTF-8 keys in ordinal (byte, hence code point) order, each with the rows holding it in ascending order,
/// laid out key after key — so any key range (a compare, a prefix) is one contiguous run of rows. The core of the
/// VarChar/Bool inverted index (Bool keys are one byte: 0, 1), BITMAP on VarChar, and VarChar/Bool Array elements.
/// </summary>
internal sealed class Utf8Postings : Postings
{
    private Utf8Postings(byte[] keyData, int[] keyStarts, int[] starts, int[] rows) : base(starts, rows)
    {
        KeyData = keyData;
        KeyStarts = keyStarts;
    }

    public byte[] KeyData { get; }

    /// <summary>Key k is <c>KeyData[KeyStarts[k]..KeyStarts[k + 1]]</c>.</summary>
    public int[] KeyStarts { get; }

    public override long MemoryBytes => KeyData.Length + 4L * KeyStarts.Length + base.MemoryBytes;

    public ReadOnlySpan<byte> Key(int k) => KeyData.AsSpan(KeyStarts[k], KeyStarts[k + 1] - KeyStarts[k]);

    /// <summary>First key ≥ <paramref name="x"/>.</summary>
    public int LowerBound(ReadOnlySpan<byte> x)
    {
        int lo = 0, hi = KeyCount;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (Key(mid).SequenceCompareTo(x) < 0) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>First key &gt; <paramref name="x"/>.</summary>
    public int UpperBound(ReadOnlySpan<byte> x)
    {
        int lo = 0, hi = KeyCount;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (Key(mid).SequenceCompareTo(x) <= 0) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>The keys starting with <paramref name="prefix"/>: they follow one another from its lower bound.</summary>
    public (int Lo, int Hi) PrefixRun(ReadOnlySpan<byte> prefix)
    {
        int from = LowerBound(prefix);
        int lo = from, hi = KeyCount;
        // Keys from the lower bound on: those starting with the prefix, then those above every extension of it.
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (Key(mid).StartsWith(prefix)) lo = mid + 1; else hi = mid;
        }
        return (from, lo);
    }

    /// <summary>The keys satisfying <c>key op c</c>, and whether the raw outcome is their complement (<c>!=</c>).</summary>
    public (int Lo, int Hi, bool Complement) Run(CompareOp op, ReadOnlySpan<byte> c) => op switch
    {
        CompareOp.Eq => (LowerBound(c), UpperBound(c), false),
        CompareOp.Ne => (LowerBound(c), UpperBound(c), true),
        CompareOp.Lt => (0, LowerBound(c), false),
        CompareOp.Le => (0, UpperBound(c), false),
        CompareOp.Gt => (UpperBound(c), KeyCount, false),
        _ => (LowerBound(c), KeyCount, false),
    };

    /// <summary>Key index of <paramref name="x"/>, or −1.</summary>
    public int Find(ReadOnlySpan<byte> x)
    {
        int k = LowerBound(x);
        return k < KeyCount && Key(k).SequenceEqual(x) ? k : -1;
    }

    /// <summary>Collects (key, row) pairs, rows in non-decreasing order, and sorts the distinct keys once at the end.</summary>
    public sealed class Builder
    {
        private byte[] _data = new byte[256];
        private int _dataUsed;
        private int[] _keyStart = new int[16];
        private int[] _keyEnd = new int[16];
        private int _keys;
        private int[] _table = new int[32];
        private int[] _ids = new int[64];
        private int[] _rows = new int[64];
        private int _adds;

        public void Add(ReadOnlySpan<byte> key, int row)
        {
            int id = Intern(key);
            if (_adds == _ids.Length)
            {
                System.Array.Resize(ref _ids, _adds * 2);
                System.Array.Resize(ref _rows, _adds * 2);
            }
            _ids[_adds] = id;
            _rows[_adds++] = row;
        }

        private int Intern(ReadOnlySpan<byte> key)
        {
            int mask = _table.Length - 1;
            for (int at = Hash(key) & mask; ; at = (at + 1) & mask)
            {
                int slot = _table[at];
                if (slot == 0) break;
                if (_data.AsSpan(_keyStart[slot - 1], _keyEnd[slot - 1] - _keyStart[slot - 1]).SequenceEqual(key)) return slot - 1;
            }
            if (_keys == _keyStart.Length)
            {
                System.Array.Resize(ref _keyStart, _keys * 2);
                System.Array.Resize(ref _keyEnd, _keys * 2);
            }
            if (_dataUsed + key.Length > _data.Length) System.Array.Resize(ref _data, Math.Max(_data.Length * 2, _dataUsed + key.Length));
            key.CopyTo(_data.AsSpan(_dataUsed));
            _keyStart[_keys] = _dataUsed;
            _keyEnd[_keys] = _dataUsed += key.Length;
            int id = _keys++;
            if (_keys * 2 > _table.Length) Rehash();
            else Place(id);
            return id;
        }

        private void Place(int id)
        {
            int mask = _table.Length - 1;
            int at = Hash(_data.AsSpan(_keyStart[id], _keyEnd[id] - _keyStart[id])) & mask;
            while (_table[at] != 0) at = (at + 1) & mask;
            _table[at] = id + 1;
        }

        private void Rehash()
        {
            _table = new int[_table.Length * 2];
            for (int id = 0; id < _keys; id++) Place(id);
        }

        private static int Hash(ReadOnlySpan<byte> s)
        {
            var h = new HashCode();
            h.AddBytes(s);
            return h.ToHashCode();
        }

        public Utf8Postings Finish()
        {
            var data = _data;
            var start = _keyStart;
            var end = _keyEnd;
            var order = new int[_keys];
            for (int i = 0; i < _keys; i++) order[i] = i;
            System.Array.Sort(order, (a, b) => data.AsSpan(start[a], end[a] - start[a]).SequenceCompareTo(data.AsSpan(start[b], end[b] - start[b])));
            var rank = new int[_keys];
            var keyStarts = new int[_keys + 1];
            var keyData = new byte[_dataUsed];
            int used = 0;
            for (int r = 0; r < _keys; r++)
            {
                int id = order[r];
                rank[id] = r;
                keyStarts[r] = used;
                data.AsSpan(start[id], end[id] - start[id]).CopyTo(keyData.AsSpan(used));
                used += end[id] - start[id];
            }
            keyStarts[_keys] = used;
            // Counting sort of the rows by key rank; stable, so each key's rows stay ascending.
            var starts = new int[_keys + 1];
            for (int i = 0; i < _adds; i++) starts[rank[_ids[i]] + 1]++;
            for (int r = 0; r < _keys; r++) starts[r + 1] += starts[r];
            var next = starts[..^1];
            var rows = new int[_adds];
            for (int i = 0; i < _adds; i++) rows[next[rank[_ids[i]]]++] = _rows[i];
            return new Utf8Postings(keyData, keyStarts, starts, rows);
        }
    }
}
