using Apache.Arrow;
using Quiver.Kernel.Bits;

namespace Quiver.Node.Expressions;

/// <summary>
/// The state of one <see cref="FilterPlan.Evaluate"/> call: the batch and the chunk of it being evaluated, the
/// columns the plan's field slots map to, per-chunk caches (validity words per field, extracted JSON paths) and
/// scratch arrays. Batches are evaluated in chunks of at most <see cref="ChunkRows"/> rows (a multiple of 64),
/// so every temporary a node needs — masks, long/double columns — has one fixed size, stays cache-resident, and
/// is reused chunk after chunk: an evaluation allocates its scratch once, never per row. A plan is immutable
/// and shared; everything mutable lives here, one context per call (so plans evaluate concurrently).
/// </summary>
internal sealed class EvalContext
{
    /// <summary>Rows per chunk: 32 Ki rows keeps a long column at 256 KiB and a mask at 4 KiB.</summary>
    public const int ChunkRows = 1 << 15;

    public const int ChunkWords = ChunkRows / 64;

    private readonly int[] _columnOfSlot;
    private readonly Pool<ulong> _words = new(ChunkWords);
    private readonly Pool<long> _longs = new(ChunkRows);
    private readonly Pool<double> _doubles = new(ChunkRows);
    private readonly Pool<int> _ints = new(ChunkRows);
    private readonly Pool<byte> _bytes = new(ChunkRows);
    private readonly ulong[]?[] _validity;
    private readonly bool[] _validityDone;
    private readonly JsonVector?[] _json;
    private readonly bool[] _jsonDone;
    private byte[] _arena = new byte[4096];

    public EvalContext(int[] columnOfSlot, int jsonSlots)
    {
        _columnOfSlot = columnOfSlot;
        _validity = new ulong[]?[columnOfSlot.Length];
        _validityDone = new bool[columnOfSlot.Length];
        _json = new JsonVector?[jsonSlots];
        _jsonDone = new bool[jsonSlots];
    }

    public RecordBatch Batch { get; private set; } = null!;

    /// <summary>First row of the chunk within <see cref="Batch"/>.</summary>
    public int Start { get; private set; }

    /// <summary>Rows in the chunk (1..<see cref="ChunkRows"/>).</summary>
    public int Length { get; private set; }

    /// <summary>Mask words of the chunk.</summary>
    public int Words { get; private set; }

    /// <summary>Bytes used in <see cref="Arena"/> (unescaped JSON strings of this chunk).</summary>
    public int ArenaUsed { get; set; }

    /// <summary>Scratch bytes for this chunk; grows, keeping what was written (offsets into it stay valid).</summary>
    public byte[] Arena => _arena;

    /// <summary>Moves to rows [start, start + length) of <paramref name="batch"/>, releasing the previous chunk's scratch.</summary>
    public void Begin(RecordBatch batch, int start, int length)
    {
        Batch = batch;
        Start = start;
        Length = length;
        Words = Bitset.WordsFor(length);
        _words.ReleaseAll();
        _longs.ReleaseAll();
        _doubles.ReleaseAll();
        _ints.ReleaseAll();
        _bytes.ReleaseAll();
        System.Array.Clear(_validityDone);
        System.Array.Clear(_jsonDone);
        ArenaUsed = 0;
    }

    /// <summary>The whole Arrow column of field slot <paramref name="slot"/> in the current batch.</summary>
    public IArrowArray Column(int slot) => Batch.Column(_columnOfSlot[slot]);

    /// <summary>The validity words of slot <paramref name="slot"/> over the chunk; empty when every row has a value.</summary>
    public ReadOnlySpan<ulong> Validity(int slot)
    {
        if (!_validityDone[slot])
        {
            var words = RentWords();
            _validity[slot] = BitWords.TryValidity(Column(slot), Start, Length, words) ? words : null;
            _validityDone[slot] = true;
        }
        return _validity[slot] is { } v ? v.AsSpan(0, Words) : default;
    }

    /// <summary>The extracted JSON path of slot <paramref name="jsonSlot"/> for this chunk, extracting it on first use.</summary>
    public JsonVector Json(int jsonSlot, JsonPathNode path)
    {
        var v = _json[jsonSlot] ??= new JsonVector();
        if (!_jsonDone[jsonSlot])
        {
            path.Extract(this, v);
            _jsonDone[jsonSlot] = true;
        }
        return v;
    }

    /// <summary>Makes room for <paramref name="bytes"/> more bytes in the arena and returns the offset to write at.</summary>
    public int ReserveArena(int bytes)
    {
        if (ArenaUsed + bytes > _arena.Length) System.Array.Resize(ref _arena, Math.Max(_arena.Length * 2, ArenaUsed + bytes));
        return ArenaUsed;
    }

    /// <summary>A mask of <see cref="Words"/> words (contents undefined) that lives until the next chunk.</summary>
    public Span<ulong> RentMask() => _words.Rent().AsSpan(0, Words);

    public ulong[] RentWords() => _words.Rent();

    public long[] RentLongs() => _longs.Rent();

    public double[] RentDoubles() => _doubles.Rent();

    public int[] RentInts() => _ints.Rent();

    public byte[] RentBytes() => _bytes.Rent();

    /// <summary>Fixed-size arrays handed out during a chunk and all taken back when the next begins.</summary>
    private sealed class Pool<T>(int size)
    {
        private readonly Stack<T[]> _free = new();
        private readonly List<T[]> _used = [];

        public T[] Rent()
        {
            var a = _free.Count > 0 ? _free.Pop() : new T[size];
            _used.Add(a);
            return a;
        }

        public void ReleaseAll()
        {
            foreach (var a in _used) _free.Push(a);
            _used.Clear();
        }
    }
}
