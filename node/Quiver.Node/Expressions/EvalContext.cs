using Apache.Arrow;
using Quiver.Kernel.Bits;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// The state of one <see cref="FilterPlan.Evaluate(IReadOnlyList{RecordBatch}, SegmentSchema)"/>
/// call: the batch and the chunk of it being evaluated, the columns the plan's field slots map to, per-chunk caches
/// (validity words per field, extracted JSON paths) and scratch arrays. Batches are evaluated in chunks of at most
/// <see cref="ChunkRows"/> rows (a multiple of 64), so every temporary a node needs — masks, long/double columns —
/// has one fixed size, stays cache-resident, and is reused chunk after chunk: an evaluation allocates its scratch
/// once, never per row. A plan is immutable and shared; everything mutable lives here, one context per call at a
/// time (so plans evaluate concurrently).
/// </summary>
/// <remarks>
/// Growing and freshly flushed segments hold many small batches (one per insert, often 1 000 rows), so what a
/// chunk costs beyond its rows is kept to a few field stores: scratch arrays are sized to the largest chunk of the
/// call (<see cref="Prepare"/>), not to <see cref="ChunkRows"/> — a 1 000-row segment does not allocate 256 KiB
/// long columns; moving to the next chunk (<see cref="Begin"/>) resets each pool's cursor and bumps a chunk
/// generation that invalidates the validity and JSON caches, instead of clearing arrays; a column without nulls
/// costs no validity words at all. A plan keeps one spare context between calls, so evaluating segment after
/// segment allocates little more than the result bitset.
/// </remarks>
internal sealed class EvalContext
{
    /// <summary>Rows per chunk: 32 Ki rows keeps a long column at 256 KiB and a mask at 4 KiB.</summary>
    public const int ChunkRows = 1 << 15;

    public const int ChunkWords = ChunkRows / 64;

    private readonly Pool<ulong> _words = new();
    private readonly Pool<long> _longs = new();
    private readonly Pool<double> _doubles = new();
    private readonly Pool<int> _ints = new();
    private readonly Pool<byte> _bytes = new();
    private NumVector[] _vectors = [];
    private int _vectorsUsed;
    private readonly ulong[]?[] _validity;
    private readonly int[] _validityChunk;
    private readonly JsonVector?[] _json;
    private readonly int[] _jsonChunk;
    private readonly IndexAnswer?[] _answers;
    private readonly ulong[]?[] _answerWords;
    private int[] _columnOfSlot = [];
    private int _capacityRows;
    private int _chunk;
    private byte[] _arena = new byte[4096];

    public EvalContext(int slots, int jsonSlots, int indexableLeaves)
    {
        _answers = new IndexAnswer?[indexableLeaves];
        _answerWords = new ulong[]?[indexableLeaves];
        _validity = new ulong[]?[slots];
        _validityChunk = new int[slots];
        _json = new JsonVector?[jsonSlots];
        _jsonChunk = new int[jsonSlots];
    }

    /// <summary>The batch of the chunk; null while <see cref="BeginSegment"/> chunks run over index answers alone.</summary>
    public RecordBatch Batch { get; private set; } = null!;

    /// <summary>Row of the segment (across all batches) the chunk starts at.</summary>
    public int SegmentRow { get; private set; }

    /// <summary>First row of the chunk within <see cref="Batch"/>.</summary>
    public int Start { get; private set; }

    /// <summary>Rows in the chunk (1..<see cref="ChunkRows"/>).</summary>
    public int Length { get; private set; }

    /// <summary>Mask words of the chunk.</summary>
    public int Words { get; private set; }

    /// <summary>Rows every scratch array holds (the largest chunk of this call, rounded up to 64).</summary>
    public int CapacityRows => _capacityRows;

    /// <summary>Bytes used in <see cref="Arena"/> (unescaped JSON strings of this chunk).</summary>
    public int ArenaUsed { get; set; }

    /// <summary>Scratch bytes for this chunk; grows, keeping what was written (offsets into it stay valid).</summary>
    public byte[] Arena => _arena;

    /// <summary>The segment schema <see cref="ColumnOfSlot"/> was resolved against (a plan's spare context skips redoing it).</summary>
    public SegmentSchema? ResolvedFor { get; private set; }

    /// <summary>The batch column of each field slot.</summary>
    public int[] ColumnOfSlot => _columnOfSlot;

    /// <summary>
    /// Readies the context for a call whose chunks have at most <paramref name="maxChunkRows"/> rows, reading the
    /// slots from <paramref name="columnOfSlot"/>. Scratch arrays from an earlier call are kept when they are big
    /// enough, else dropped and rented anew at the new size.
    /// </summary>
    public void Prepare(int[] columnOfSlot, SegmentSchema resolvedFor, int maxChunkRows)
    {
        _columnOfSlot = columnOfSlot;
        ResolvedFor = resolvedFor;
        int capacity = (Math.Min(maxChunkRows, ChunkRows) + 63) & ~63;
        if (capacity > _capacityRows)
        {
            _capacityRows = capacity;
            _words.Resize(capacity / 64);
            _longs.Resize(capacity);
            _doubles.Resize(capacity);
            _ints.Resize(capacity);
            _bytes.Resize(capacity);
        }
    }

    /// <summary>Drops the references to the caller's data (batches, JSON buffers) so a spare context pins nothing.</summary>
    public void Finish()
    {
        Batch = null!;
        System.Array.Clear(_answers);
        foreach (var j in _json)
            if (j is not null) j.Data = default;
    }

    /// <summary>
    /// Moves to segment rows [segmentRow, segmentRow + length) with no batch: for a plan whose every leaf an index
    /// answered (nothing reads a column), so chunks need not stop at batch boundaries.
    /// </summary>
    public void BeginSegment(int segmentRow, int length) => Begin(null!, 0, length, segmentRow);

    /// <summary>Moves to rows [start, start + length) of <paramref name="batch"/>, releasing the previous chunk's scratch.</summary>
    public void Begin(RecordBatch batch, int start, int length, int segmentRow)
    {
        Batch = batch;
        SegmentRow = segmentRow;
        Start = start;
        Length = length;
        Words = Bitset.WordsFor(length);
        _words.ReleaseAll();
        _longs.ReleaseAll();
        _doubles.ReleaseAll();
        _ints.ReleaseAll();
        _bytes.ReleaseAll();
        _vectorsUsed = 0;
        // A new generation invalidates every cached validity and JSON extraction (0 is never a current chunk).
        if (++_chunk == int.MaxValue)
        {
            System.Array.Clear(_validityChunk);
            System.Array.Clear(_jsonChunk);
            _chunk = 1;
        }
        ArenaUsed = 0;
    }

    /// <summary>The index answer for indexable leaf <paramref name="leaf"/> in this evaluation, or null to scan it.</summary>
    public IndexAnswer? Answer(int leaf) => _answers[leaf];

    public void SetAnswer(int leaf, IndexAnswer? answer) => _answers[leaf] = answer;

    /// <summary>
    /// Segment-long words for leaf <paramref name="leaf"/>'s index answer (at least <paramref name="words"/>, contents
    /// undefined): kept with the context, so a plan evaluated segment after segment reuses them rather than
    /// allocating a bitset per leaf per segment (1 M rows: 128 KiB, on the large-object heap).
    /// </summary>
    public ulong[] AnswerWords(int leaf, int words)
    {
        var w = _answerWords[leaf];
        if (w is null || w.Length < words) _answerWords[leaf] = w = new ulong[words];
        return w;
    }

    /// <summary>The whole Arrow column of field slot <paramref name="slot"/> in the current batch.</summary>
    public IArrowArray Column(int slot) => Batch.Column(_columnOfSlot[slot]);

    /// <summary>The validity words of slot <paramref name="slot"/> over the chunk; empty when every row has a value.</summary>
    public ReadOnlySpan<ulong> Validity(int slot)
    {
        if (_validityChunk[slot] != _chunk)
        {
            var column = Column(slot);
            ulong[]? words = null;
            if (column.NullCount != 0)
            {
                words = RentWords();
                if (!BitWords.TryValidity(column, Start, Length, words)) words = null;
            }
            _validity[slot] = words;
            _validityChunk[slot] = _chunk;
        }
        return _validity[slot] is { } v ? v.AsSpan(0, Words) : default;
    }

    /// <summary>The extracted JSON path of slot <paramref name="jsonSlot"/> for this chunk, extracting it on first use.</summary>
    public JsonVector Json(int jsonSlot, JsonPathNode path)
    {
        var v = _json[jsonSlot] ??= new JsonVector();
        if (_jsonChunk[jsonSlot] != _chunk)
        {
            path.Extract(this, v);
            _jsonChunk[jsonSlot] = _chunk;
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

    /// <summary>At least <see cref="Words"/> words (contents undefined), until the next chunk.</summary>
    public ulong[] RentWords() => _words.Rent();

    public long[] RentLongs() => _longs.Rent();

    public double[] RentDoubles() => _doubles.Rent();

    public int[] RentInts() => _ints.Rent();

    public byte[] RentBytes() => _bytes.Rent();

    /// <summary>A numeric vector holder (fields to be set by the caller), until the next chunk.</summary>
    public NumVector RentVector()
    {
        if (_vectorsUsed == _vectors.Length) System.Array.Resize(ref _vectors, Math.Max(4, _vectors.Length * 2));
        var v = _vectors[_vectorsUsed] ??= new NumVector();
        _vectorsUsed++;
        v.Forget();
        return v;
    }

    /// <summary>
    /// Arrays of one size handed out during a chunk and all taken back when the next begins: renting is a cursor
    /// step (allocating only the first time a chunk needs that many), releasing resets the cursor.
    /// </summary>
    private sealed class Pool<T>
    {
        private T[][] _arrays = [];
        private int _count;
        private int _used;
        private int _size;

        public void Resize(int size)
        {
            _size = size;
            _arrays = [];
            _count = 0;
            _used = 0;
        }

        public T[] Rent()
        {
            if (_used == _count)
            {
                if (_count == _arrays.Length) System.Array.Resize(ref _arrays, Math.Max(4, _count * 2));
                _arrays[_count++] = new T[_size];
            }
            return _arrays[_used++];
        }

        public void ReleaseAll() => _used = 0;
    }
}
