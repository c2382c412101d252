using System.Runtime.InteropServices;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Numerics;
using Quiver.Kernel.Select;
using Quiver.Node.Errors;
using Quiver.Storage.Segments;

namespace Quiver.Node.Streaming;

// Exact search: every visible row of every batch, scored block by block straight out of the Arrow buffers.
public sealed partial class GrowingSegment
{
    /// <summary>Milvus's largest top-k.</summary>
    public const int MaxTopK = 16384;

    /// <summary>
    /// Exact top-k over the rows visible at <paramref name="snapshotTs"/> (and set in <paramref name="filter"/>,
    /// when given) for float queries: FloatVector fields (L2, IP, COSINE), and Float16 / BFloat16 fields, whose
    /// queries are rounded to the field's type first.
    /// </summary>
    /// <param name="vectorField">The vector field to search.</param>
    /// <param name="metric">L2, IP or COSINE.</param>
    /// <param name="queries">nq × dim values, row-major.</param>
    /// <param name="k">Results per query, 1..<see cref="MaxTopK"/>.</param>
    /// <param name="snapshotTs">The hybrid timestamp to read at (the request's guarantee or travel timestamp).</param>
    /// <param name="filter">Rows that pass the request's expression, by segment row number; rows at or past its
    /// length (appended after it was built) do not pass.</param>
    /// <param name="rows">nq × k segment row numbers, best first, −1 past the rows found.</param>
    /// <param name="distances">nq × k distances the Milvus way: L2 squared (smaller is better), IP and COSINE
    /// similarities (larger is better), HAMMING and JACCARD distances; −∞ / +∞ (the worst value) past the rows found.</param>
    /// <param name="found">Optional: rows found per query (nq entries).</param>
    /// <returns>Rows found over all queries.</returns>
    public int Search(string vectorField, Metric metric, ReadOnlySpan<float> queries, int k, ulong snapshotTs, Bitset? filter,
        Span<int> rows, Span<float> distances, Span<int> found = default)
    {
        var (index, f) = VectorField(vectorField, metric);
        if (f.Type is not (FieldType.FloatVector or FieldType.Float16Vector or FieldType.BFloat16Vector))
            throw QuiverException.Invalid($"field '{f.Name}' is a {f.Type}; its queries are bytes, not floats");
        if (queries.IsEmpty || queries.Length % f.Dim != 0)
            throw QuiverException.Invalid($"the query vectors hold {queries.Length} values; field '{f.Name}' needs a positive multiple of its dim {f.Dim}");
        int nq = queries.Length / f.Dim;
        CheckOutputs(nq, k, rows, distances, found);

        var state = _state;
        var s = _scratch.Rent();
        try
        {
            switch (f.Type)
            {
                case FieldType.FloatVector:
                    return metric switch
                    {
                        Metric.L2 => Run<float, L2Float32Score>(state, index, queries, f.Dim, f.Dim, k, snapshotTs, filter, s, 1f, 0f, rows, distances, found),
                        Metric.InnerProduct => Run<float, InnerProductFloat32Score>(state, index, queries, f.Dim, f.Dim, k, snapshotTs, filter, s, -1f, 0f, rows, distances, found),
                        _ => Run<float, CosineFloat32Score>(state, index, Normalized(queries, f.Dim, s), f.Dim, f.Dim, k, snapshotTs, filter, s, -1f, 0f, rows, distances, found),
                    };
                case FieldType.Float16Vector:
                {
                    var q = s.Halves(queries.Length);
                    for (int i = 0; i < q.Length; i++) q[i] = (Half)queries[i];
                    return RunPacked<Half>(state, index, metric, q, f.Dim, k, snapshotTs, filter, s, rows, distances, found);
                }
                default:
                {
                    var q = s.BFloats(queries.Length);
                    for (int i = 0; i < q.Length; i++) q[i] = (BFloat16)queries[i];
                    return RunPacked<BFloat16>(state, index, metric, q, f.Dim, k, snapshotTs, filter, s, rows, distances, found);
                }
            }
        }
        finally
        {
            _scratch.Return(s);
        }
    }

    /// <summary>
    /// <see cref="Search(string, Metric, ReadOnlySpan{float}, int, ulong, Bitset?, Span{int}, Span{float}, Span{int})"/>
    /// for queries packed as the field stores its vectors: BinaryVector (dim / 8 bytes each; HAMMING, JACCARD),
    /// Float16Vector and BFloat16Vector (2 bytes per value, little-endian) and Int8Vector (1 byte per value;
    /// L2, IP, COSINE).
    /// </summary>
    public int Search(string vectorField, Metric metric, ReadOnlySpan<byte> queries, int k, ulong snapshotTs, Bitset? filter,
        Span<int> rows, Span<float> distances, Span<int> found = default)
    {
        var (index, f) = VectorField(vectorField, metric);
        if (f.Type == FieldType.FloatVector)
            throw QuiverException.Invalid($"field '{f.Name}' is a FloatVector; its queries are floats, not bytes");
        int per = f.Type.VectorBytes(f.Dim);
        if (queries.IsEmpty || queries.Length % per != 0)
            throw QuiverException.Invalid($"the query vectors hold {queries.Length} bytes; field '{f.Name}' ({f.Type}, dim {f.Dim}) needs a positive multiple of {per}");
        int nq = queries.Length / per;
        CheckOutputs(nq, k, rows, distances, found);

        var state = _state;
        var s = _scratch.Rent();
        try
        {
            switch (f.Type)
            {
                case FieldType.Float16Vector:
                    return RunPacked(state, index, metric, MemoryMarshal.Cast<byte, Half>(queries), f.Dim, k, snapshotTs, filter, s, rows, distances, found);
                case FieldType.BFloat16Vector:
                    return RunPacked(state, index, metric, MemoryMarshal.Cast<byte, BFloat16>(queries), f.Dim, k, snapshotTs, filter, s, rows, distances, found);
                case FieldType.Int8Vector:
                    return RunPacked(state, index, metric, MemoryMarshal.Cast<byte, sbyte>(queries), f.Dim, k, snapshotTs, filter, s, rows, distances, found);
                default:
                {
                    // Each query padded with zero bytes to whole ulong words, the kernel's binary layout.
                    int stride = Bitset.WordsFor(f.Dim) * sizeof(ulong);
                    var padded = s.Bytes(nq * stride);
                    padded.Clear();
                    for (int q = 0; q < nq; q++) queries.Slice(q * per, per).CopyTo(padded.Slice(q * stride));
                    return metric == Metric.Hamming
                        ? Run<byte, BinaryScore<HammingDistance>>(state, index, padded, stride, per, k, snapshotTs, filter, s, 1f, 0f, rows, distances, found)
                        : Run<byte, BinaryScore<JaccardDistance>>(state, index, padded, stride, per, k, snapshotTs, filter, s, 1f, 0f, rows, distances, found);
                }
            }
        }
        finally
        {
            _scratch.Return(s);
        }
    }

    /// <summary>The kernel functors report −a·b for IP and 1 − cos for COSINE; the sign and offset turn them back into similarities.</summary>
    private static int RunPacked<T>(State state, int index, Metric metric, ReadOnlySpan<T> queries, int dim, int k, ulong ts, Bitset? filter,
        GrowingSearchScratch s, Span<int> rows, Span<float> distances, Span<int> found)
        where T : unmanaged, IEquatable<T>
    {
        if (typeof(T) == typeof(Half))
        {
            var q = MemoryMarshal.Cast<T, Half>(queries);
            return metric switch
            {
                Metric.L2 => Run<Half, KernelScore<Half, SquaredL2Distance>>(state, index, q, dim, dim, k, ts, filter, s, 1f, 0f, rows, distances, found),
                Metric.InnerProduct => Run<Half, KernelScore<Half, InnerProductDistance>>(state, index, q, dim, dim, k, ts, filter, s, -1f, 0f, rows, distances, found),
                _ => Run<Half, KernelScore<Half, CosineDistance>>(state, index, q, dim, dim, k, ts, filter, s, -1f, 1f, rows, distances, found),
            };
        }
        if (typeof(T) == typeof(BFloat16))
        {
            var q = MemoryMarshal.Cast<T, BFloat16>(queries);
            return metric switch
            {
                Metric.L2 => Run<BFloat16, KernelScore<BFloat16, SquaredL2Distance>>(state, index, q, dim, dim, k, ts, filter, s, 1f, 0f, rows, distances, found),
                Metric.InnerProduct => Run<BFloat16, KernelScore<BFloat16, InnerProductDistance>>(state, index, q, dim, dim, k, ts, filter, s, -1f, 0f, rows, distances, found),
                _ => Run<BFloat16, KernelScore<BFloat16, CosineDistance>>(state, index, q, dim, dim, k, ts, filter, s, -1f, 1f, rows, distances, found),
            };
        }
        var i8 = MemoryMarshal.Cast<T, sbyte>(queries);
        return metric switch
        {
            Metric.L2 => Run<sbyte, KernelScore<sbyte, SquaredL2Distance>>(state, index, i8, dim, dim, k, ts, filter, s, 1f, 0f, rows, distances, found),
            Metric.InnerProduct => Run<sbyte, KernelScore<sbyte, InnerProductDistance>>(state, index, i8, dim, dim, k, ts, filter, s, -1f, 0f, rows, distances, found),
            _ => Run<sbyte, KernelScore<sbyte, CosineDistance>>(state, index, i8, dim, dim, k, ts, filter, s, -1f, 1f, rows, distances, found),
        };
    }

    /// <summary>
    /// The scan. Per query: every batch whose smallest insert ts is within the snapshot, in blocks of
    /// <see cref="GrowingSearchScratch.Block"/> rows scored by <typeparamref name="TScore"/>; a row enters the
    /// heap only if it could beat the current k-th and is visible and passes the filter (the cheap bound
    /// first, as FLAT does). Reported distance = <paramref name="sign"/> × internal + <paramref name="offset"/>.
    /// </summary>
    private static int Run<T, TScore>(State state, int index, ReadOnlySpan<T> queries, int queryStride, int rowStride, int k, ulong ts,
        Bitset? filter, GrowingSearchScratch s, float sign, float offset, Span<int> rows, Span<float> distances, Span<int> found)
        where T : unmanaged where TScore : struct, IGrowingBlockScore<T>
    {
        int nq = queries.Length / queryStride;
        int total = 0;
        float pad = sign > 0 ? float.PositiveInfinity : float.NegativeInfinity;
        int filterLength = filter?.Length ?? 0;
        var batches = state.Batches;
        // A filter few rows pass: score only those rows (walking the set bits) instead of every row.
        bool sparse = filter is not null && filter.PopCount() * SparseFilterRatio < state.RowCount;
        for (int q = 0; q < nq; q++)
        {
            if (sparse)
            {
                int n0 = RunSparse<T, TScore>(batches, index, queries.Slice(q * queryStride, queryStride), rowStride, k, ts, filter!, s,
                    rows.Slice(q * k, k), distances.Slice(q * k, k));
                var sr = rows.Slice(q * k, k);
                var sd = distances.Slice(q * k, k);
                for (int i = 0; i < n0; i++) sd[i] = sign * sd[i] + offset;
                sr[n0..].Fill(-1);
                sd[n0..].Fill(pad);
                if (!found.IsEmpty) found[q] = n0;
                total += n0;
                continue;
            }
            var query = queries.Slice(q * queryStride, queryStride);
            var heap = new TopKHeap(s.Heap(k), k);
            foreach (var b in batches)
            {
                if (b.MinTs > ts) continue;
                var vectors = MemoryMarshal.Cast<byte, T>(b.Vectors[index].Span);
                var norms = b.InverseNorms[index];
                var inserted = b.Timestamps;
                var deleted = b.DeleteTs;
                bool checkInsert = b.MaxTs > ts;
                for (int r0 = 0; r0 < b.Length; r0 += GrowingSearchScratch.Block)
                {
                    int rn = Math.Min(GrowingSearchScratch.Block, b.Length - r0);
                    var d = s.Distances.AsSpan(0, rn);
                    TScore.Score(query, vectors.Slice(r0 * rowStride, rn * rowStride), rowStride,
                        norms is null ? default : norms.AsSpan(r0, rn), d);
                    for (int j = 0; j < rn; j++)
                    {
                        float dj = d[j];
                        if (heap.IsFull && dj > heap.WorstDistance) continue;
                        int local = r0 + j;
                        if (checkInsert && inserted[local] > ts) continue;
                        if (deleted[local] <= ts) continue;
                        int row = b.Start + local;
                        if (filter is not null && (row >= filterLength || !filter.Test(row))) continue;
                        heap.Push(dj, row);
                    }
                }
            }
            var outRows = rows.Slice(q * k, k);
            var outDistances = distances.Slice(q * k, k);
            int n = heap.Drain(outDistances, outRows);
            for (int i = 0; i < n; i++) outDistances[i] = sign * outDistances[i] + offset;
            outRows[n..].Fill(-1);
            outDistances[n..].Fill(pad);
            if (!found.IsEmpty) found[q] = n;
            total += n;
        }
        return total;
    }

    /// <summary>Below one passing row in this many, a filtered scan scores only the passing rows (per-row scoring costs about what the block kernel does).</summary>
    private const int SparseFilterRatio = 2;

    /// <summary>
    /// One query's exact top-k over the rows set in <paramref name="filter"/> (and visible at <paramref name="ts"/>); internal
    /// distances. Per batch, the passing rows' numbers are gathered a block at a time and scored by id (the float32 kernels
    /// prefetch the next rows while scoring the current ones).
    /// </summary>
    private static int RunSparse<T, TScore>(ReadOnlySpan<GrowingBatch> batches, int index, ReadOnlySpan<T> query, int rowStride, int k, ulong ts,
        Bitset filter, GrowingSearchScratch s, Span<int> rows, Span<float> distances)
        where T : unmanaged where TScore : struct, IGrowingBlockScore<T>
    {
        var heap = new TopKHeap(s.Heap(k), k);
        var ids = s.Ids(GrowingSearchScratch.Block);
        var d = s.Distances.AsSpan();
        var words = filter.Words;
        int filterLength = filter.Length;
        foreach (var b in batches)
        {
            if (b.MinTs > ts || b.Start >= filterLength) continue;
            var vectors = MemoryMarshal.Cast<byte, T>(b.Vectors[index].Span);
            var norms = b.InverseNorms[index];
            var inserted = b.Timestamps;
            var deleted = b.DeleteTs;
            bool checkInsert = b.MaxTs > ts;
            int end = Math.Min(b.Start + b.Length, filterLength);
            int n = 0;
            for (int row = b.Start; row < end;)
            {
                ulong word = words[row >> 6] >> (row & 63);
                if (word == 0)
                {
                    row = (row | 63) + 1;
                    continue;
                }
                row += System.Numerics.BitOperations.TrailingZeroCount(word);
                if (row >= end) break;
                int local = row - b.Start;
                row++;
                if ((checkInsert && inserted[local] > ts) || deleted[local] <= ts) continue;
                ids[n++] = local;
                if (n == ids.Length)
                {
                    Score<T, TScore>(ref heap, query, vectors, rowStride, ids, norms, d, b.Start);
                    n = 0;
                }
            }
            if (n > 0) Score<T, TScore>(ref heap, query, vectors, rowStride, ids[..n], norms, d, b.Start);
        }
        return heap.Drain(distances, rows);
    }

    private static void Score<T, TScore>(ref TopKHeap heap, ReadOnlySpan<T> query, ReadOnlySpan<T> vectors, int rowStride, ReadOnlySpan<int> ids,
        float[]? norms, Span<float> d, int start)
        where T : unmanaged where TScore : struct, IGrowingBlockScore<T>
    {
        var dist = d[..ids.Length];
        TScore.ScoreRows(query, vectors, rowStride, ids, norms, dist);
        for (int i = 0; i < ids.Length; i++)
            if (!heap.IsFull || dist[i] <= heap.WorstDistance) heap.Push(dist[i], start + ids[i]);
    }

    private static ReadOnlySpan<float> Normalized(ReadOnlySpan<float> queries, int dim, GrowingSearchScratch s)
    {
        var copy = s.Floats(queries.Length);
        queries.CopyTo(copy);
        VectorDistance.NormalizeRows(copy, dim);
        return copy;
    }

    private (int Index, SegmentField Field) VectorField(string name, Metric metric)
    {
        ArgumentNullException.ThrowIfNull(name);
        int index = IndexOf(name);
        if (index < 0) throw QuiverException.Invalid($"field '{name}' is not in the schema of segment {SegmentId}");
        var f = Schema.Fields[index];
        if (!f.Type.IsVector()) throw QuiverException.Invalid($"field '{name}' is a {f.Type}, not a vector field");
        bool binary = f.Type == FieldType.BinaryVector;
        bool ok = binary ? metric is Metric.Hamming or Metric.Jaccard : metric is Metric.L2 or Metric.InnerProduct or Metric.Cosine;
        if (!ok)
            throw QuiverException.Invalid($"metric {MetricName(metric)} is not valid for field '{name}' ({f.Type}); use {(binary ? "HAMMING or JACCARD" : "L2, IP or COSINE")}");
        return (index, f);
    }

    private static string MetricName(Metric metric) => metric switch
    {
        Metric.L2 => "L2",
        Metric.InnerProduct => "IP",
        Metric.Cosine => "COSINE",
        Metric.Hamming => "HAMMING",
        Metric.Jaccard => "JACCARD",
        _ => metric.ToString(),
    };

    private static void CheckOutputs(int nq, int k, Span<int> rows, Span<float> distances, Span<int> found)
    {
        if (k < 1 || k > MaxTopK) throw QuiverException.Invalid($"topk (k) = {k} is out of range; allowed: 1 ≤ k ≤ {MaxTopK}");
        long need = (long)nq * k;
        if (rows.Length < need || distances.Length < need)
            throw new ArgumentException($"the output spans hold {Math.Min(rows.Length, distances.Length)} entries; {nq} queries × k = {k} need {need}", nameof(rows));
        if (!found.IsEmpty && found.Length < nq)
            throw new ArgumentException($"found holds {found.Length} entries; {nq} queries need {nq}", nameof(found));
    }
}
