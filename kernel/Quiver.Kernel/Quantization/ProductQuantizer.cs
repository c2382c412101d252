using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quiver.Kernel.Clustering;

namespace Quiver.Kernel.Quantization;

/// <summary>
/// Product quantization (Jégou, Douze &amp; Schmid 2011): the dimension is split into <see cref="M"/>
/// sub-vectors of <see cref="SubDim"/> values, each replaced by the index of its nearest of
/// 2^<see cref="Nbits"/> sub-centroids trained by k-means. Codes are bit-packed, least significant bit
/// first (one byte per sub-vector when nbits = 8). Distances are asymmetric: a per-query lookup table
/// holds the distance from each query sub-vector to every sub-centroid (<see cref="ComputeTable"/>),
/// and a code's distance is the sum of M table entries (<see cref="Scan"/>).
/// </summary>
public sealed class ProductQuantizer
{
    /// <summary>Largest bits per sub-quantizer (Milvus allows 1..16).</summary>
    public const int MaxNbits = 16;

    private readonly float[] _transposed; // m × dsub × ksub: centroid coordinates, one contiguous column per (sub-space, coordinate)
    private readonly float[] _norms;      // m × ksub: ‖C_jc‖²

    /// <summary>Builds a quantizer from stored codebooks (m × 2^nbits × dim/m values).</summary>
    public ProductQuantizer(int dim, int m, int nbits, float[] codebooks)
    {
        Validate(dim, m, nbits);
        Dim = dim;
        M = m;
        Nbits = nbits;
        long expected = (long)dim << nbits;
        if (codebooks.Length != expected) throw new ArgumentException($"codebooks hold {codebooks.Length} values; m = {m}, nbits = {nbits}, dim = {dim} need {expected}.", nameof(codebooks));
        Codebooks = codebooks;
        int ksub = Ksub, dsub = SubDim;
        _transposed = new float[codebooks.Length];
        _norms = new float[m * ksub];
        for (int j = 0; j < m; j++)
        {
            var (columns, norms) = Columns.Transpose(codebooks.AsSpan(j * ksub * dsub, ksub * dsub), dsub);
            columns.CopyTo(_transposed, j * ksub * dsub);
            norms.CopyTo(_norms, j * ksub);
        }
    }

    /// <summary>Dimension of the vectors.</summary>
    public int Dim { get; }

    /// <summary>Number of sub-quantizers.</summary>
    public int M { get; }

    /// <summary>Bits per sub-quantizer code.</summary>
    public int Nbits { get; }

    /// <summary>Sub-centroids per sub-quantizer (2^nbits).</summary>
    public int Ksub => 1 << Nbits;

    /// <summary>Values per sub-vector (dim / m).</summary>
    public int SubDim => Dim / M;

    /// <summary>Bytes per code: ⌈m · nbits / 8⌉.</summary>
    public int CodeSize => (M * Nbits + 7) / 8;

    /// <summary>Floats in a lookup table: m · 2^nbits.</summary>
    public int TableSize => M * Ksub;

    /// <summary>The codebooks: for each sub-quantizer j, 2^nbits centroids of dim/m values.</summary>
    public float[] Codebooks { get; }

    /// <summary>Bytes held (codebooks, their transposed copy and norms).</summary>
    public long MemoryBytes => ((long)Codebooks.Length * 2 + _norms.Length) * sizeof(float);

    /// <summary>Throws naming the parameter when m does not divide dim or nbits is outside 1..16.</summary>
    public static void Validate(int dim, int m, int nbits)
    {
        if (m < 1 || m > dim || dim % m != 0) throw new ArgumentOutOfRangeException(nameof(m), m, $"m = {m} must divide dim = {dim} (1 ≤ m ≤ dim).");
        if (nbits < 1 || nbits > MaxNbits) throw new ArgumentOutOfRangeException(nameof(nbits), nbits, $"nbits = {nbits} is out of range; allowed: 1 ≤ nbits ≤ {MaxNbits}.");
    }

    /// <summary>Trains each sub-quantizer by k-means on its slice of row-major <paramref name="rows"/> (at least 2^nbits rows).</summary>
    public static ProductQuantizer Train(ReadOnlySpan<float> rows, int dim, int m, int nbits, int iterations = 20, int seed = 1234, int threads = 0)
    {
        Validate(dim, m, nbits);
        if (rows.Length % dim != 0) throw new ArgumentException($"{rows.Length} values are not a whole number of {dim}-d rows.", nameof(rows));
        int n = rows.Length / dim, ksub = 1 << nbits, dsub = dim / m;
        if (n < ksub) throw new ArgumentException($"PQ training needs at least 2^nbits = {ksub} vectors; {n} were given.", nameof(rows));
        var codebooks = new float[(long)dim << nbits];
        var sub = new float[(long)n * dsub];
        for (int j = 0; j < m; j++)
        {
            Slice(rows, dim, j * dsub, dsub, sub);
            var km = KMeans.Train(sub, dsub, new KMeansOptions(ksub, iterations, 256, seed + j, threads, PlusPlus: false));
            km.Centroids.CopyTo(codebooks.AsSpan(j * ksub * dsub));
        }
        return new ProductQuantizer(dim, m, nbits, codebooks);
    }

    /// <summary>Codes of row-major <paramref name="rows"/> into <paramref name="codes"/> (CodeSize bytes per row), on all cores.</summary>
    public void Encode(ReadOnlySpan<float> rows, Span<byte> codes, int threads = 0)
    {
        if (rows.Length % Dim != 0) throw new ArgumentException($"{rows.Length} values are not a whole number of {Dim}-d rows.", nameof(rows));
        int n = rows.Length / Dim, dsub = SubDim, ksub = Ksub, size = CodeSize;
        if (codes.Length < (long)n * size) throw new ArgumentException($"codes must hold {(long)n * size} bytes.", nameof(codes));
        codes[..(n * size)].Clear();
        var sub = new float[(long)n * dsub];
        var assignment = new int[n];
        var distances = new float[n];
        for (int j = 0; j < M; j++)
        {
            Slice(rows, Dim, j * dsub, dsub, sub);
            KMeans.Assign(sub, dsub, Codebooks.AsSpan(j * ksub * dsub, ksub * dsub), assignment, distances, threads);
            for (int r = 0; r < n; r++) WriteCode(codes.Slice(r * size, size), j, Nbits, assignment[r]);
        }
    }

    /// <summary>The reconstruction of one code.</summary>
    public void Decode(ReadOnlySpan<byte> code, Span<float> row)
    {
        int dsub = SubDim;
        for (int j = 0; j < M; j++)
            Codebooks.AsSpan((j * Ksub + ReadCode(code, j, Nbits)) * dsub, dsub).CopyTo(row.Slice(j * dsub, dsub));
    }

    /// <summary>
    /// Lookup table for query (or query residual) <paramref name="a"/>, m × 2^nbits entries, smaller is
    /// closer: <see cref="PqTable.L2"/> ‖a_j − C_jc‖²; <see cref="PqTable.L2WithoutQueryNorm"/>
    /// ‖C_jc‖² − 2·a_j·C_jc (the L2 table less the query's own norm, for IVF over residuals where the
    /// coarse distance supplies it); <see cref="PqTable.InnerProduct"/> −a_j·C_jc.
    /// </summary>
    public void ComputeTable(ReadOnlySpan<float> a, PqTable kind, Span<float> table)
    {
        if (a.Length != Dim || table.Length < TableSize) throw new ArgumentException($"query must have {Dim} values and the table room for {TableSize}.");
        int ksub = Ksub, dsub = SubDim;
        bool l2 = kind != PqTable.InnerProduct;
        for (int j = 0; j < M; j++)
        {
            var aj = a.Slice(j * dsub, dsub);
            float aa = 0;
            if (kind == PqTable.L2) foreach (float v in aj) aa += v * v;
            Columns.Accumulate(aj, l2 ? -2f : -1f, _transposed.AsSpan(j * dsub * ksub, dsub * ksub), ksub,
                l2 ? _norms.AsSpan(j * ksub, ksub) : default, aa, table.Slice(j * ksub, ksub));
        }
    }

    /// <summary>v · x̂ for the reconstruction x̂ of <paramref name="code"/>, without decoding it.</summary>
    public float DotDecoded(ReadOnlySpan<byte> code, ReadOnlySpan<float> v)
    {
        int dsub = SubDim;
        float s = 0;
        for (int j = 0; j < M; j++)
            s += Distance.VectorDistance.Dot(Codebooks.AsSpan((j * Ksub + ReadCode(code, j, Nbits)) * dsub, dsub), v.Slice(j * dsub, dsub));
        return s;
    }

    /// <summary>Asymmetric distances of <paramref name="count"/> codes (CodeSize bytes each) from a table: Σ_j table[j, code_j].</summary>
    public void Scan(ReadOnlySpan<float> table, ReadOnlySpan<byte> codes, int count, Span<float> distances)
    {
        int size = CodeSize;
        if (table.Length < TableSize || codes.Length < (long)count * size || distances.Length < count)
            throw new ArgumentException($"table must hold {TableSize} values, codes {(long)count * size} bytes, distances {count}.");
        if (Nbits == 8) { Scan8(table, codes, count, distances); return; }
        int ksub = Ksub;
        for (int r = 0; r < count; r++)
        {
            var code = codes.Slice(r * size, size);
            float s = 0;
            for (int j = 0; j < M; j++) s += table[j * ksub + ReadCode(code, j, Nbits)];
            distances[r] = s;
        }
    }

    private void Scan8(ReadOnlySpan<float> table, ReadOnlySpan<byte> codes, int count, Span<float> distances)
    {
        int m = M;
        ref float t0 = ref MemoryMarshal.GetReference(table);
        ref byte c = ref MemoryMarshal.GetReference(codes);
        for (int r = 0; r < count; r++)
        {
            ref byte code = ref Unsafe.Add(ref c, r * m);
            ref float t = ref t0;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int j = 0;
            for (; j + 4 <= m; j += 4)
            {
                s0 += Unsafe.Add(ref t, Unsafe.Add(ref code, j));
                s1 += Unsafe.Add(ref t, 256 + Unsafe.Add(ref code, j + 1));
                s2 += Unsafe.Add(ref t, 512 + Unsafe.Add(ref code, j + 2));
                s3 += Unsafe.Add(ref t, 768 + Unsafe.Add(ref code, j + 3));
                t = ref Unsafe.Add(ref t, 1024);
            }
            for (; j < m; j++)
            {
                s0 += Unsafe.Add(ref t, Unsafe.Add(ref code, j));
                t = ref Unsafe.Add(ref t, 256);
            }
            distances[r] = (s0 + s1) + (s2 + s3);
        }
    }

    /// <summary>Code j (nbits wide) of a packed code, least significant bit first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadCode(ReadOnlySpan<byte> code, int j, int nbits)
    {
        if (nbits == 8) return code[j];
        int bit = j * nbits, at = bit >> 3, shift = bit & 7;
        uint window = 0;
        for (int b = 0, need = (shift + nbits + 7) >> 3; b < need; b++) window |= (uint)code[at + b] << (8 * b);
        return (int)((window >> shift) & ((1u << nbits) - 1));
    }

    /// <summary>Stores code j (nbits wide) into a packed code whose bits there are still zero.</summary>
    public static void WriteCode(Span<byte> code, int j, int nbits, int value)
    {
        if (nbits == 8) { code[j] = (byte)value; return; }
        int bit = j * nbits, at = bit >> 3, shift = bit & 7;
        uint v = (uint)value << shift;
        for (int b = 0, need = (shift + nbits + 7) >> 3; b < need; b++) code[at + b] |= (byte)(v >> (8 * b));
    }

    private static void Slice(ReadOnlySpan<float> rows, int dim, int offset, int width, Span<float> into)
    {
        int n = rows.Length / dim;
        for (int r = 0; r < n; r++) rows.Slice(r * dim + offset, width).CopyTo(into.Slice(r * width, width));
    }
}

/// <summary>What a <see cref="ProductQuantizer.ComputeTable"/> entry holds.</summary>
public enum PqTable
{
    /// <summary>‖a_j − C_jc‖².</summary>
    L2,
    /// <summary>‖C_jc‖² − 2·a_j·C_jc: L2 less ‖a_j‖².</summary>
    L2WithoutQueryNorm,
    /// <summary>−a_j·C_jc.</summary>
    InnerProduct,
}
