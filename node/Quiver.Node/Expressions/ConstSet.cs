namespace Quiver.Node.Expressions;

/// <summary>
/// A set of UTF-8 strings looked up by span (no string per row): a short list is scanned, a long one hashed
/// (open addressing, power-of-two table at most half full).
/// </summary>
internal sealed class Utf8Set
{
    private const int LinearLimit = 8;
    private readonly byte[][] _keys;
    private readonly int[] _table = [];
    private readonly int _mask;

    public Utf8Set(IEnumerable<byte[]> keys)
    {
        _keys = keys.ToArray(); // duplicates are harmless: a lookup stops at the first equal key
        if (_keys.Length <= LinearLimit) return;
        int size = 1;
        while (size < _keys.Length * 2) size <<= 1;
        _table = new int[size];
        _mask = size - 1;
        for (int i = 0; i < _keys.Length; i++)
        {
            int at = Hash(_keys[i]) & _mask;
            while (_table[at] != 0) at = (at + 1) & _mask;
            _table[at] = i + 1;
        }
    }

    public int Count => _keys.Length;

    public bool Contains(ReadOnlySpan<byte> s)
    {
        if (_table.Length == 0)
        {
            foreach (var k in _keys)
                if (s.SequenceEqual(k)) return true;
            return false;
        }
        for (int at = Hash(s) & _mask; ; at = (at + 1) & _mask)
        {
            int slot = _table[at];
            if (slot == 0) return false;
            if (s.SequenceEqual(_keys[slot - 1])) return true;
        }
    }

    private static int Hash(ReadOnlySpan<byte> s)
    {
        var h = new HashCode();
        h.AddBytes(s);
        return h.ToHashCode();
    }
}

/// <summary>
/// The constants of an <c>in</c> list or a contains function, split by type for membership tests: numbers keyed
/// so that equal numbers meet whatever their type (an integral value is its long, others their double; NaN is
/// never a member), strings as UTF-8, and the two bools.
/// </summary>
internal sealed class ConstSet
{
    public ConstSet(IReadOnlyList<object> values)
    {
        Values = values;
        var strings = new List<byte[]>();
        foreach (var v in values)
        {
            switch (v)
            {
                case long l:
                    Longs.Add(l);
                    HasNumbers = true;
                    break;
                case double d:
                    HasNumbers = true;
                    if (NumberSemantics.IsLongKey(d, out long k)) Longs.Add(k);
                    else if (!double.IsNaN(d)) Doubles.Add(d);
                    break;
                case string s:
                    strings.Add(Constants.Utf8(s));
                    HasStrings = true;
                    break;
                case bool b:
                    if (b) HasTrue = true; else HasFalse = true;
                    break;
                default:
                    HasOther = true; // a nested list
                    break;
            }
        }
        Strings = new Utf8Set(strings);
    }

    public IReadOnlyList<object> Values { get; }
    public HashSet<long> Longs { get; } = [];
    public HashSet<double> Doubles { get; } = [];
    public Utf8Set Strings { get; }
    public bool HasTrue { get; }
    public bool HasFalse { get; }
    public bool HasNumbers { get; }
    public bool HasStrings { get; }
    public bool HasBools => HasTrue || HasFalse;
    public bool HasOther { get; }

    public int Count => Values.Count;

    public bool ContainsNumber(long x) => Longs.Contains(x);

    public bool ContainsNumber(double x) => NumberSemantics.IsLongKey(x, out long k) ? Longs.Contains(k) : Doubles.Contains(x);

    public override string ToString() => Constants.Show(Values.ToArray());
}
