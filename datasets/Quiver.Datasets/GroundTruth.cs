using System.Buffers.Binary;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Hashing;
using Quiver.Kernel.Select;

namespace Quiver.Datasets;

/// <summary>
/// Exact k nearest neighbours of every query, ties broken by the smaller id. Distances are first
/// computed with the float32 batch kernels on all cores; the best k + <see cref="Margin"/> candidates
/// of each query are then re-ranked in double precision, so float rounding cannot reorder the answer.
/// Results are cached beside the dataset, keyed by a CRC-32C of the vectors.
/// </summary>
public static class GroundTruth
{
    /// <summary>Extra float-ranked candidates re-ranked in double.</summary>
    public const int Margin = 28;

    private const uint Magic = 0x54475651; // "QVGT"
    private const int Version = 1;

    /// <summary>
    /// Ground truth for <paramref name="dataset"/>: an array of TestCount × k ids. Uses the cache in the
    /// dataset's cache directory when present and matching; computes and stores it otherwise.
    /// </summary>
    public static int[] Get(Dataset dataset, int k = 100, int threads = 0, Action<double>? progress = null)
    {
        string? path = dataset.CacheDirectory is null ? null : Path.Combine(dataset.CacheDirectory, $"{dataset.Name}.gt{k}.bin");
        uint checksum = Checksum(dataset);
        if (path is not null && TryRead(path, checksum, dataset.TestCount, k, out var cached)) return cached;
        var ids = Compute(dataset.Train, dataset.Test, dataset.Dim, dataset.Metric, k, threads, progress);
        // Fresh ground truth is checked against plain double-precision brute force on a sample before
        // anything is measured against it or it is cached.
        int wrong = Verify(dataset, ids, k, sample: 10);
        if (wrong > 0)
            throw new InvalidOperationException($"Ground truth for {dataset.Name} disagrees with double-precision brute force on {wrong} of 10 sampled queries.");
        if (path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Write(path, checksum, dataset.TestCount, k, ids);
        }
        return ids;
    }

    /// <summary>Exact top-k ids per query (row-major, queries × k); fewer rows than k leaves −1 in the rest.</summary>
    public static int[] Compute(float[] train, float[] test, int dim, Metric metric, int k, int threads = 0, Action<double>? progress = null)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        int n = train.Length / dim, nq = test.Length / dim;
        int take = Math.Min(n, k + Margin);
        var result = new int[nq * k];
        Array.Fill(result, -1);
        const int QueryBlock = 16;
        int rowBlock = Math.Max(64, (1 << 21) / (dim * sizeof(float)));
        int blocks = (nq + QueryBlock - 1) / QueryBlock, done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, blocks, options,
            () => new Scratch(QueryBlock, rowBlock, take),
            (b, _, s) =>
            {
                int q0 = b * QueryBlock, qn = Math.Min(QueryBlock, nq - q0);
                var queries = test.AsSpan(q0 * dim, qn * dim);
                for (int q = 0; q < qn; q++) s.Heaps[q] = 0;
                for (int r0 = 0; r0 < n; r0 += rowBlock)
                {
                    int rn = Math.Min(rowBlock, n - r0);
                    var dist = s.Distances.AsSpan(0, qn * rn);
                    Block(metric, queries, train.AsSpan(r0 * dim, rn * dim), dim, dist);
                    for (int q = 0; q < qn; q++)
                    {
                        var heap = new TopKHeap(s.HeapStorage.AsSpan(q * take, take), take);
                        heap.Restore(s.Heaps[q]);
                        var row = dist.Slice(q * rn, rn);
                        for (int j = 0; j < rn; j++)
                            if (!heap.IsFull || row[j] <= heap.WorstDistance) heap.Push(row[j], r0 + j);
                        s.Heaps[q] = heap.Count;
                    }
                }
                for (int q = 0; q < qn; q++)
                {
                    var heap = new TopKHeap(s.HeapStorage.AsSpan(q * take, take), take);
                    heap.Restore(s.Heaps[q]);
                    int got = heap.Drain(s.CandidateDistances, s.CandidateIds);
                    Rerank(train, test.AsSpan((q0 + q) * dim, dim), dim, metric, s.CandidateIds.AsSpan(0, got), result.AsSpan((q0 + q) * k, k));
                }
                if (progress is not null) progress((double)Interlocked.Add(ref done, qn) / nq);
                return s;
            },
            _ => { });
        return result;
    }

    /// <summary>
    /// Checks ground truth against double-precision brute force on <paramref name="sample"/> queries:
    /// returns the number of queries whose top-k id list differs.
    /// </summary>
    public static int Verify(Dataset dataset, int[] truth, int k, int sample = 20, int seed = 1)
    {
        var rng = new Random(seed);
        int mismatches = 0;
        var all = new double[dataset.TrainCount];
        var row = new double[dataset.Dim];
        for (int s = 0; s < Math.Min(sample, dataset.TestCount); s++)
        {
            int q = rng.Next(dataset.TestCount);
            var query = ReferenceDistance.Widen(dataset.TestRow(q));
            for (int i = 0; i < dataset.TrainCount; i++)
            {
                var src = dataset.TrainRow(i);
                for (int j = 0; j < row.Length; j++) row[j] = src[j];
                all[i] = ReferenceDist(dataset.Metric, query, row);
            }
            var want = Enumerable.Range(0, dataset.TrainCount).OrderBy(i => all[i]).ThenBy(i => i).Take(k).ToArray();
            if (!want.AsSpan().SequenceEqual(truth.AsSpan(q * k, Math.Min(k, dataset.TrainCount)))) mismatches++;
        }
        return mismatches;
    }

    private static void Block(Metric metric, ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, Span<float> dist)
    {
        switch (metric)
        {
            case Metric.L2: SquaredL2Distance.ManyToMany(queries, rows, dim, dist); break;
            case Metric.InnerProduct: InnerProductDistance.ManyToMany(queries, rows, dim, dist); break;
            case Metric.Cosine: CosineDistance.ManyToMany(queries, rows, dim, dist); break;
            default: throw new NotSupportedException($"Ground truth for {metric} needs binary vectors; this dataset is float32.");
        }
    }

    private static void Rerank(float[] train, ReadOnlySpan<float> query, int dim, Metric metric, ReadOnlySpan<int> candidates, Span<int> output)
    {
        var q = ReferenceDistance.Widen(query);
        var scored = new (double D, int Id)[candidates.Length];
        for (int i = 0; i < candidates.Length; i++)
        {
            int id = candidates[i];
            scored[i] = (ReferenceDist(metric, q, ReferenceDistance.Widen<float>(train.AsSpan(id * dim, dim))), id);
        }
        Array.Sort(scored, (x, y) => x.D != y.D ? x.D.CompareTo(y.D) : x.Id.CompareTo(y.Id));
        for (int i = 0; i < Math.Min(output.Length, scored.Length); i++) output[i] = scored[i].Id;
    }

    private static double ReferenceDist(Metric metric, double[] a, double[] b) => metric switch
    {
        Metric.L2 => ReferenceDistance.SquaredL2(a, b),
        Metric.InnerProduct => -ReferenceDistance.Dot(a, b),
        Metric.Cosine => 1 - ReferenceDistance.CosineSimilarity(a, b),
        _ => throw new NotSupportedException($"{metric} is not a float32 metric."),
    };

    /// <summary>CRC-32C over the metric, the dimension and every vector: what the cache is keyed by.</summary>
    public static uint Checksum(Dataset dataset)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(head, (int)dataset.Metric);
        BinaryPrimitives.WriteInt32LittleEndian(head[4..], dataset.Dim);
        uint c = Crc32C.Compute(head);
        c = Crc32C.Append<float>(c, dataset.Train);
        return Crc32C.Append<float>(c, dataset.Test);
    }

    private static void Write(string path, uint checksum, int queries, int k, int[] ids)
    {
        string tmp = path + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp)))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(checksum);
            w.Write(queries);
            w.Write(k);
            w.Write(Crc32C.Compute<int>(ids));
            foreach (int id in ids) w.Write(id);
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static bool TryRead(string path, uint checksum, int queries, int k, out int[] ids)
    {
        ids = [];
        if (!File.Exists(path)) return false;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadUInt32() != Magic || r.ReadInt32() != Version || r.ReadUInt32() != checksum || r.ReadInt32() != queries || r.ReadInt32() != k) return false;
            uint crc = r.ReadUInt32();
            var data = new int[queries * k];
            for (int i = 0; i < data.Length; i++) data[i] = r.ReadInt32();
            if (Crc32C.Compute<int>(data) != crc) return false;
            ids = data;
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private sealed class Scratch(int queries, int rows, int take)
    {
        public readonly float[] Distances = new float[queries * rows];
        public readonly ulong[] HeapStorage = new ulong[queries * take];
        public readonly int[] Heaps = new int[queries];
        public readonly float[] CandidateDistances = new float[take];
        public readonly int[] CandidateIds = new int[take];
    }
}
