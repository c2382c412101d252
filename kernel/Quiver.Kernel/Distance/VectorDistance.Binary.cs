using Quiver.Kernel.Bits;

namespace Quiver.Kernel.Distance;

// Binary vectors: bit-packed into ulong words, dimension = 64 × words (Milvus packs BINARY_VECTOR
// dimensions in multiples of 8; a caller pads the last word with zeros).
public static partial class VectorDistance
{
    /// <summary>Hamming distance: the number of differing bits.</summary>
    public static int Hamming(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => (int)PopCount.Xor(a, b);

    /// <summary>Jaccard distance 1 − |a ∧ b| / |a ∨ b|; 0 for two all-zero vectors (they are identical).</summary>
    public static float Jaccard(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => Jaccard(a, b, SimdCapabilities.Best);

    internal static int Hamming(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, SimdPath path) => (int)PopCount.Xor(a, b, path);

    internal static float Jaccard(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, SimdPath path)
    {
        long union = PopCount.Or(a, b, path);
        return union == 0 ? 0f : (float)(1.0 - (double)PopCount.And(a, b, path) / union);
    }
}
