using Quiver.Kernel.Numerics;

namespace Quiver.Node.Streaming;

/// <summary>
/// Per-search scratch of a growing segment: the distance block, the top-k heap and the prepared
/// queries (normalized for COSINE, widened or narrowed to the field's element type, padded to whole
/// words for binary). Buffers only grow, so after the first searches of a shape nothing is allocated.
/// </summary>
internal sealed class GrowingSearchScratch
{
    /// <summary>Rows scored per kernel call: 4 KB of distances stays in L1 next to the rows streaming through.</summary>
    public const int Block = 1024;

    public readonly float[] Distances = new float[Block];
    private ulong[] _heap = new ulong[16];
    private float[] _floats = [];
    private int[] _ids = [];
    private Half[] _halves = [];
    private BFloat16[] _bfloats = [];
    private byte[] _bytes = [];

    public Span<ulong> Heap(int k) => Grow(ref _heap, k).AsSpan(0, k);

    public Span<int> Ids(int n) => Grow(ref _ids, n).AsSpan(0, n);

    public Span<float> Floats(int n) => Grow(ref _floats, n).AsSpan(0, n);

    public Span<Half> Halves(int n) => Grow(ref _halves, n).AsSpan(0, n);

    public Span<BFloat16> BFloats(int n) => Grow(ref _bfloats, n).AsSpan(0, n);

    public Span<byte> Bytes(int n) => Grow(ref _bytes, n).AsSpan(0, n);

    private static T[] Grow<T>(ref T[] buffer, int n)
    {
        if (buffer.Length < n) buffer = new T[Math.Max(n, 2 * buffer.Length)];
        return buffer;
    }

    /// <summary>
    /// A lock-free pool: rent takes any parked scratch with one interlocked exchange, return parks it in
    /// an empty slot. More concurrent searches than slots make a new scratch; a full pool drops one.
    /// </summary>
    public sealed class Pool
    {
        private readonly GrowingSearchScratch?[] _slots = new GrowingSearchScratch?[Math.Max(4, 2 * Environment.ProcessorCount)];

        public GrowingSearchScratch Rent()
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                var item = Interlocked.Exchange(ref _slots[i], null);
                if (item is not null) return item;
            }
            return new GrowingSearchScratch();
        }

        public void Return(GrowingSearchScratch item)
        {
            for (int i = 0; i < _slots.Length; i++)
                if (Interlocked.CompareExchange(ref _slots[i], item, null) is null) return;
        }
    }
}
