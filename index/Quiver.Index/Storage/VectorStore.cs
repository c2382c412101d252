using System.Runtime.InteropServices;

namespace Quiver.Index.Storage;

/// <summary>
/// Row-major float32 vectors in one 64-byte aligned native buffer, so batch kernels see a plain span
/// and, when dim is a multiple of 16, every row starts on a cache line.
/// </summary>
/// <remarks>
/// Growth allocates a larger buffer, copies, and swaps one immutable <see cref="Block"/> reference;
/// the old buffer is kept until <see cref="Dispose"/>, because a search running concurrently may still
/// be reading it. Callers must not write rows while another thread grows the store (indexes take a
/// writer lock around <see cref="Reserve"/>).
/// </remarks>
public sealed unsafe class VectorStore : IDisposable
{
    private readonly object _growLock = new();
    private readonly List<Block> _retired = [];
    private Block _block;
    private int _count;

    public VectorStore(int dim, int capacity = 1024)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        Dim = dim;
        _block = new Block(dim, Math.Max(1, capacity));
    }

    /// <summary>
    /// A store over rows that live elsewhere (a memory-mapped index file): nothing is copied, the rows
    /// are read-only, and the first growth copies them into an owned buffer. <paramref name="owner"/>
    /// (the mapping) is disposed with the store.
    /// </summary>
    internal VectorStore(int dim, float* rows, int count, IDisposable owner)
    {
        Dim = dim;
        _block = new Block(dim, count, rows);
        _owner = owner;
        _count = count;
    }

    private readonly IDisposable? _owner;

    /// <summary>Vector dimension.</summary>
    public int Dim { get; }

    /// <summary>Rows written and published.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Rows that fit without growing.</summary>
    public int Capacity => Volatile.Read(ref _block).Capacity;

    /// <summary>Bytes held by the current buffer.</summary>
    public long MemoryBytes => (long)Capacity * Dim * sizeof(float);

    /// <summary>The current buffer: every row id below its capacity can be read from it.</summary>
    public Block Current => Volatile.Read(ref _block);

    /// <summary>Row <paramref name="id"/> of the current buffer.</summary>
    public ReadOnlySpan<float> Row(int id) => Current.Row(id);

    /// <summary>Reserves room for <paramref name="rows"/> rows in all.</summary>
    public void Reserve(int rows)
    {
        if (rows <= Capacity) return;
        lock (_growLock)
        {
            var old = _block;
            if (rows <= old.Capacity) return;
            int newCapacity = (int)Math.Min(Array.MaxLength / Dim, Math.Max(rows, (long)old.Capacity * 3 / 2));
            var next = new Block(Dim, newCapacity);
            // SAFETY: both buffers hold at least Count rows.
            Buffer.MemoryCopy(old.Pointer, next.Pointer, (long)newCapacity * Dim * sizeof(float), (long)Count * Dim * sizeof(float));
            _retired.Add(old);
            Volatile.Write(ref _block, next);
        }
    }

    /// <summary>Writes row <paramref name="id"/>, which must be below Capacity.</summary>
    public void Write(int id, ReadOnlySpan<float> vector)
    {
        if (Current.IsExternal) Reserve(Capacity + 1); // mapped rows are read-only: move to an owned buffer first
        if (vector.Length != Dim) throw new ArgumentException($"The vector has {vector.Length} elements; this index holds {Dim}-d vectors.", nameof(vector));
        var block = Current;
        if ((uint)id >= (uint)block.Capacity) throw new ArgumentOutOfRangeException(nameof(id), id, $"Row {id} is beyond the reserved capacity {block.Capacity}.");
        // SAFETY: id < capacity, so the row lies inside the buffer.
        vector.CopyTo(new Span<float>(block.Pointer + (long)id * Dim, Dim));
    }

    /// <summary>Raises <see cref="Count"/> to at least <paramref name="count"/>.</summary>
    public void Publish(int count)
    {
        int current;
        do
        {
            current = Volatile.Read(ref _count);
            if (count <= current) return;
        }
        while (Interlocked.CompareExchange(ref _count, count, current) != current);
    }

    public void Dispose()
    {
        lock (_growLock)
        {
            foreach (var b in _retired) b.Free();
            _retired.Clear();
            _block.Free();
            _count = 0;
            _owner?.Dispose();
        }
    }

    /// <summary>One immutable buffer: a pointer and how many rows it holds.</summary>
    public sealed class Block
    {
        internal Block(int dim, int capacity)
        {
            Dim = dim;
            Capacity = capacity;
            nuint bytes = (nuint)Math.Max(64L, (long)capacity * dim * sizeof(float));
            bool large = bytes >= HugePages.Threshold;
            Pointer = (float*)NativeMemory.AlignedAlloc(bytes, large ? HugePages.Size : 64);
            if (large) HugePages.Advise(Pointer, bytes);
            NativeMemory.Clear(Pointer, bytes);
        }

        internal Block(int dim, int capacity, float* external)
        {
            Dim = dim;
            Capacity = capacity;
            Pointer = external;
            _external = true;
        }

        private readonly bool _external;

        internal float* Pointer { get; private set; }

        /// <summary>Vector dimension.</summary>
        public int Dim { get; }

        /// <summary>True for rows that live in memory the store does not own (a mapped file).</summary>
        public bool IsExternal => _external;

        /// <summary>Rows this buffer holds.</summary>
        public int Capacity { get; private set; }

        /// <summary>Every row of the buffer as one span (rows past the store's Count are zeros or in flight).</summary>
        // SAFETY: the buffer holds Capacity rows and lives until the store is disposed.
        public ReadOnlySpan<float> Rows => new(Pointer, Capacity * Dim);

        /// <summary>Row <paramref name="id"/>; ids must be below Capacity.</summary>
        public ReadOnlySpan<float> Row(int id)
        {
            if ((uint)id >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(id), id, $"Row {id} is beyond the buffer's {Capacity} rows.");
            // SAFETY: checked above.
            return new(Pointer + (long)id * Dim, Dim);
        }

        /// <summary>Hints the first cache lines of row <paramref name="id"/> into L1 (x86 only; a no-op elsewhere).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int id)
        {
            if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
            // SAFETY: a prefetch never faults; the address lies inside this live buffer for ids below Capacity.
            byte* p = (byte*)(Pointer + (long)id * Dim);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + 64);
        }

        internal void Free()
        {
            if (Pointer != null && !_external) NativeMemory.AlignedFree(Pointer);
            Pointer = null;
            Capacity = 0;
        }
    }
}
