using System.Runtime.InteropServices;
using Quiver.Index.Storage;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Clustering;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Quantization;
using Quiver.Kernel.Select;

namespace Quiver.Index.Ivf;

/// <summary>
/// The IVF family: a k-means coarse quantizer and one contiguous inverted list per centroid, holding
/// row ids and codes — raw vectors (IVF_FLAT), 8-bit scalar codes (IVF_SQ8) or product-quantization
/// codes (IVF_PQ). A search ranks the centroids, scans the <c>nprobe</c> nearest lists and keeps the best
/// k (or k × refine_k, reranked by exact distance when the index keeps raw vectors). The first
/// <see cref="AddRange"/> trains the index on its rows unless <see cref="Train"/> ran before; later adds
/// are encoded with the trained quantizers and go to their nearest list.
/// </summary>
public abstract class IvfIndex : VectorIndex
{
    private protected IvfIndex(IndexKind kind, Metric metric, int dim, IvfParameters parameters) : base(kind, metric, dim)
    {
        Parameters = parameters.Validate(kind, dim);
    }

    /// <summary>An empty, untrained IVF index of the given kind (IvfFlat, IvfSq8 or IvfPq).</summary>
    public static IvfIndex Create(IndexKind kind, Metric metric, int dim, IvfParameters? parameters = null)
    {
        if (kind is not (IndexKind.IvfFlat or IndexKind.IvfSq8 or IndexKind.IvfPq))
            throw new ArgumentException($"{kind} is not an IVF index; IVF kinds are IvfFlat, IvfSq8 and IvfPq.", nameof(kind));
        parameters ??= new IvfParameters();
        return metric switch
        {
            Metric.L2 => new IvfIndex<SquaredL2Distance>(kind, metric, dim, parameters),
            _ => new IvfIndex<InnerProductDistance>(kind, metric, dim, parameters),
        };
    }

    /// <summary>Reads an index written by <see cref="VectorIndex.Save"/>.</summary>
    public static IvfIndex Load(Stream stream) => IvfFile.Read(stream);

    /// <summary>Build parameters.</summary>
    public IvfParameters Parameters { get; }

    /// <summary>True once the coarse quantizer (and the codec's quantizer) are trained.</summary>
    public abstract bool IsTrained { get; }

    /// <summary>The trained centroids (nlist × dim), or empty before training.</summary>
    public abstract ReadOnlySpan<float> Centroids { get; }

    /// <summary>Seconds the last training took (coarse k-means and codec training).</summary>
    public double TrainSeconds { get; private protected set; }

    /// <summary>Seconds the coarse k-means of the last training took.</summary>
    public double CoarseTrainSeconds { get; private protected set; }

    /// <summary>Default nprobe when a search passes no parameters.</summary>
    public int DefaultNprobe { get; set; } = 8;

    /// <summary>Bytes of the codes and codebooks alone (coarse centroids, codec tables, per-row codes and terms), without ids or rerank vectors.</summary>
    public abstract long CodeBytes { get; }

    /// <summary>Trains the coarse quantizer and the codec on row-major <paramref name="vectors"/> (at least nlist rows).</summary>
    public abstract void Train(ReadOnlySpan<float> vectors, int threads = 0);

    internal abstract IvfCodec Codec { get; }
    internal abstract void Write(BinaryWriter w);
    internal abstract void Read(BinaryReader r, int count);
}

/// <summary>An IVF index specialised for one distance functor.</summary>
internal sealed class IvfIndex<TDistance> : IvfIndex where TDistance : struct, IDistance<float>
{
    /// <summary>One inverted list; replaced whole when it grows, so readers keep a consistent set of arrays.</summary>
    internal sealed class List(int codeSize, bool terms, int capacity)
    {
        public readonly byte[] Codes = new byte[(long)capacity * codeSize];
        public readonly int[] Ids = new int[capacity];
        public readonly float[] Terms = terms ? new float[capacity] : [];
        public int Count;
    }

    private const int CodecTrainingRows = 65536;

    private readonly object _writeLock = new();
    private readonly ScratchPool<Scratch> _pool;
    private readonly IvfCodec _codec;
    private readonly VectorStore? _raw;
    private float[] _centroids = [];
    private CoarseCodes? _coarseCodes;
    private List[] _lists = [];
    private readonly DeletedRows _deleted = new();
    private int _count;

    public IvfIndex(IndexKind kind, Metric metric, int dim, IvfParameters parameters) : base(kind, metric, dim, parameters)
    {
        _codec = IvfCodec.Create<TDistance>(kind, dim, Parameters);
        if (Parameters.Refine) _raw = new VectorStore(dim, 0);
        _pool = new ScratchPool<Scratch>(() => new Scratch(dim, Parameters.Nlist, _codec));
    }

    internal override IvfCodec Codec => _codec;
    public override bool IsTrained => _centroids.Length > 0 && _codec.IsTrained;
    public override ReadOnlySpan<float> Centroids => _centroids;
    public override int Count => Volatile.Read(ref _count);
    public override int LiveCount => _deleted.Live;

    public override long CodeBytes
    {
        get
        {
            long bytes = (long)_centroids.Length * sizeof(float) + _codec.MemoryBytes;
            foreach (var l in _lists) bytes += l.Codes.LongLength + (long)l.Terms.Length * sizeof(float);
            return bytes;
        }
    }

    public override long MemoryBytes
    {
        get
        {
            long bytes = CodeBytes + _deleted.MemoryBytes + (_raw?.MemoryBytes ?? 0) + (_coarseCodes?.MemoryBytes ?? 0);
            foreach (var l in _lists) bytes += (long)l.Ids.Length * sizeof(int) + 32;
            return bytes;
        }
    }

    public override void Train(ReadOnlySpan<float> vectors, int threads = 0)
    {
        int n = CheckRows(vectors);
        if (n < Parameters.Nlist)
            throw new ArgumentException($"IVF training needs at least nlist = {Parameters.Nlist} vectors; {n} were given.", nameof(vectors));
        var data = Prepared(vectors);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var km = KMeans.Train(data, Dimension, new KMeansOptions(Parameters.Nlist, Parameters.Iterations, Parameters.MaxPointsPerCentroid, Parameters.Seed, threads));
        CoarseTrainSeconds = sw.Elapsed.TotalSeconds;
        if (_codec is not FlatCodec<TDistance>)
        {
            // The codec learns from an evenly strided sample of at most 65 536 rows, residuals when it encodes residuals.
            int m = Math.Min(n, CodecTrainingRows);
            var sample = new float[(long)m * Dimension];
            for (int i = 0; i < m; i++) data.AsSpan((int)((long)i * n / m) * Dimension, Dimension).CopyTo(sample.AsSpan(i * Dimension));
            if (_codec.ByResidual) Residuals(sample, Assign(sample, km.Centroids, threads), km.Centroids);
            _codec.Train(sample, threads);
        }
        TrainSeconds = sw.Elapsed.TotalSeconds;
        lock (_writeLock)
        {
            if (Count > 0) throw new InvalidOperationException("The index already holds vectors; IVF is trained once, before the first add.");
            _centroids = km.Centroids;
            _coarseCodes = CoarseCodes.For(km.Centroids, Dimension, TDistance.Metric == Metric.L2);
            var lists = new List[Parameters.Nlist];
            for (int i = 0; i < lists.Length; i++) lists[i] = new List(_codec.CodeSize, _codec.HasRowTerm, 0);
            _lists = lists;
        }
    }

    public override int Add(ReadOnlySpan<float> vector)
    {
        CheckVector(vector);
        if (!IsTrained) throw new InvalidOperationException($"{Name} is not trained: call Train, or add at least nlist = {Parameters.Nlist} vectors with AddRange first.");
        lock (_writeLock)
        {
            int id = _count;
            AddRange(vector, 1);
            return id;
        }
    }

    public override void AddRange(ReadOnlySpan<float> vectors, int threads = 0, Action<double>? progress = null)
    {
        int n = CheckRows(vectors);
        if (n == 0) return;
        if (!IsTrained) Train(vectors, threads);
        var data = Prepared(vectors);
        var lists = Assign(data, _centroids, threads);
        var raw = _raw is null ? null : (float[])data.Clone();
        if (_codec.ByResidual) Residuals(data, lists, _centroids);
        int size = _codec.CodeSize;
        var codes = new byte[(long)n * size];
        var terms = new float[_codec.HasRowTerm ? n : 0];
        _codec.Encode(data, lists, _centroids, codes, terms, threads);
        lock (_writeLock)
        {
            int first = _count;
            _deleted.Added(first + n, n);
            if (raw is not null)
            {
                _raw!.Reserve(first + n);
                for (int i = 0; i < n; i++) _raw.Write(first + i, raw.AsSpan(i * Dimension, Dimension));
                _raw.Publish(first + n);
            }
            // Size every list once for what this batch brings, so lists hold no doubling slack.
            var incoming = new int[Parameters.Nlist];
            foreach (int l in lists) incoming[l]++;
            for (int l = 0; l < incoming.Length; l++)
                if (incoming[l] > 0) Reserve(l, _lists[l].Count + Math.Max(incoming[l], n == 1 ? _lists[l].Count / 2 + 3 : 0));
            for (int i = 0; i < n; i++)
            {
                var list = _lists[lists[i]];
                int at = list.Count;
                codes.AsSpan(i * size, size).CopyTo(list.Codes.AsSpan(at * size));
                if (terms.Length > 0) list.Terms[at] = terms[i];
                list.Ids[at] = first + i;
                Volatile.Write(ref list.Count, at + 1);
            }
            Volatile.Write(ref _count, first + n);
        }
        progress?.Invoke(1);
    }

    public override bool Remove(int id)
    {
        lock (_writeLock)
        {
            CheckId(id);
            return _deleted.Remove(id);
        }
    }

    public override int Search(ReadOnlySpan<float> query, int k, Span<int> ids, Span<float> distances, SearchParameters? parameters = null, Bitset? filter = null)
    {
        CheckVector(query, "query");
        CheckK(k, ids.Length, distances.Length);
        if (!IsTrained) return 0;
        int nlist = Parameters.Nlist;
        var p = parameters switch
        {
            null => new IvfSearchParameters(Math.Min(DefaultNprobe, nlist)),
            IvfSearchParameters sp => sp.Validate(nlist),
            _ => throw new ArgumentException($"IVF takes IvfSearchParameters, not {parameters.GetType().Name}.", nameof(parameters)),
        };
        if (p.RefineK > 1 && _raw is null)
            throw new ArgumentException($"refine_k = {p.RefineK} needs an index built with refine = true (it keeps the raw vectors to rerank with).", nameof(parameters));
        int nprobe = p.Nprobe;
        var s = _pool.Rent();
        try
        {
            ReadOnlySpan<float> q = query;
            if (MetricSpace.Normalizes(Metric))
            {
                query.CopyTo(s.Query);
                VectorDistance.Normalize(s.Query);
                q = s.Query;
            }
            // Coarse step: the nprobe nearest centroids, exact distances.
            int probes;
            var coarseCodes = _coarseCodes;
            if (coarseCodes is not null && nprobe <= nlist / 4)
            {
                // Rank every centroid by its 8-bit code (a quarter of the bytes to stream), then the
                // best 2·nprobe + 16 by their float rows.
                int wide = Math.Min(nlist, 2 * nprobe + 16);
                coarseCodes.Distances(q, s.CoarseWeights, s.Coarse);
                var shortlist = new TopKHeap(s.ProbeHeap.AsSpan(0, wide), wide);
                for (int c = 0; c < nlist; c++) if (!shortlist.IsFull || s.Coarse[c] <= shortlist.WorstDistance) shortlist.Push(s.Coarse[c], c);
                int n = shortlist.Drain(s.ProbeDistances, s.ProbeLists);
                var probe = new TopKHeap(s.ProbeHeap.AsSpan(0, nprobe), nprobe);
                for (int i = 0; i < n; i++)
                {
                    int c = s.ProbeLists[i];
                    probe.Push(TDistance.Distance(q, _centroids.AsSpan(c * Dimension, Dimension)), c);
                }
                probes = probe.Drain(s.ProbeDistances, s.ProbeLists);
            }
            else
            {
                TDistance.OneToMany(q, _centroids, s.Coarse);
                var probe = new TopKHeap(s.ProbeHeap.AsSpan(0, nprobe), nprobe);
                for (int c = 0; c < nlist; c++) if (!probe.IsFull || s.Coarse[c] <= probe.WorstDistance) probe.Push(s.Coarse[c], c);
                probes = probe.Drain(s.ProbeDistances, s.ProbeLists);
            }

            _codec.Prepare(q, s.Codec);
            int kk = _raw is null ? k : (int)Math.Min((long)k * p.RefineK, int.MaxValue);
            s.EnsureHeap(kk);
            var heap = new TopKHeap(s.Heap.AsSpan(0, kk), kk);
            var deleted = _deleted.Snapshot;
            var lists = _lists;
            int size = _codec.CodeSize;
            for (int pi = 0; pi < probes; pi++)
            {
                int l = s.ProbeLists[pi];
                var list = lists[l];
                int count = Volatile.Read(ref list.Count);
                if (count == 0) continue;
                // Residual codes: the list adds its coarse distance (‖q − c‖², or −q·c for inner product).
                float listConstant = _codec.ByResidual ? s.ProbeDistances[pi] : 0f;
                s.EnsureDistances(count);
                var d = s.Distances.AsSpan(0, count);
                _codec.Scan(q, s.Codec, list.Codes.AsSpan(0, count * size), list.Terms, count, d);
                var listIds = list.Ids;
                for (int j = 0; j < count; j++)
                {
                    float dist = d[j] + listConstant;
                    if (heap.IsFull && dist > heap.WorstDistance) continue;
                    int id = listIds[j];
                    if (DeletedRows.IsDeleted(deleted, id) || (filter is not null && (id >= filter.Length || !filter.Test(id)))) continue;
                    heap.Push(dist, id);
                }
            }
            int found;
            if (_raw is null) found = heap.Drain(distances, ids);
            else found = Rerank(q, ref heap, k, s, ids, distances);
            float offset = MetricSpace.Offset(Metric);
            if (offset != 0) for (int i = 0; i < found; i++) distances[i] += offset;
            return found;
        }
        finally
        {
            _pool.Return(s);
        }
    }

    /// <summary>Exact distances for the candidates in <paramref name="candidates"/>, best k kept.</summary>
    private int Rerank(ReadOnlySpan<float> q, ref TopKHeap candidates, int k, Scratch s, Span<int> ids, Span<float> distances)
    {
        int n = candidates.Count;
        s.EnsureCandidates(n);
        n = candidates.Drain(s.CandidateDistances, s.CandidateIds);
        var block = _raw!.Current;
        var final = new TopKHeap(s.FinalHeap.AsSpan(0, k), k);
        for (int i = 0; i < n; i++)
        {
            int id = s.CandidateIds[i];
            final.Push(TDistance.Distance(q, block.Row(id)), id);
        }
        return final.Drain(distances, ids);
    }

    public override void Save(Stream stream)
    {
        lock (_writeLock) IvfFile.Write(stream, this, Count);
    }

    internal override void Write(BinaryWriter w)
    {
        int n = Count;
        _codec.Write(w);
        var sizes = new int[_lists.Length];
        var ids = new int[n];
        int size = _codec.CodeSize;
        var codes = new byte[(long)n * size];
        var terms = new float[_codec.HasRowTerm ? n : 0];
        int at = 0;
        for (int l = 0; l < _lists.Length; l++)
        {
            var list = _lists[l];
            sizes[l] = list.Count;
            list.Ids.AsSpan(0, list.Count).CopyTo(ids.AsSpan(at));
            list.Codes.AsSpan(0, list.Count * size).CopyTo(codes.AsSpan(at * size));
            if (terms.Length > 0) list.Terms.AsSpan(0, list.Count).CopyTo(terms.AsSpan(at));
            at += list.Count;
        }
        IndexFile.WriteSection<float>(w, IvfFile.CentroidsTag, _centroids);
        IndexFile.WriteSection<int>(w, IvfFile.SizesTag, sizes);
        IndexFile.WriteSection<int>(w, IvfFile.IdsTag, ids);
        IndexFile.WriteSection<byte>(w, IvfFile.CodesTag, codes);
        if (terms.Length > 0) IndexFile.WriteSection<float>(w, IvfFile.TermsTag, terms);
        if (_raw is not null) IndexFile.WriteVectors(w, _raw.Current.Rows[..(n * Dimension)]);
        IndexFile.WriteDeleted(w, _deleted.Snapshot, n);
    }

    internal override void Read(BinaryReader r, int count)
    {
        int nlist = Parameters.Nlist, size = _codec.CodeSize;
        _codec.Read(r);
        var centroids = IndexFile.ReadSection<float>(r, IvfFile.CentroidsTag, "centroids", (long)nlist * Dimension);
        var sizes = IndexFile.ReadSection<int>(r, IvfFile.SizesTag, "list sizes", nlist);
        var ids = IndexFile.ReadSection<int>(r, IvfFile.IdsTag, "list ids", count);
        var codes = IndexFile.ReadSection<byte>(r, IvfFile.CodesTag, "codes", (long)count * size);
        var terms = _codec.HasRowTerm ? IndexFile.ReadSection<float>(r, IvfFile.TermsTag, "row terms", count) : [];
        if (_raw is not null)
        {
            var raw = IndexFile.ReadVectors(r, (long)count * Dimension);
            _raw.Reserve(count);
            for (int i = 0; i < count; i++) _raw.Write(i, raw.AsSpan(i * Dimension, Dimension));
            _raw.Publish(count);
        }
        var deleted = IndexFile.ReadDeleted(r, count);
        var lists = new List[nlist];
        int at = 0;
        for (int l = 0; l < nlist; l++)
        {
            int n = sizes[l];
            if (n < 0 || at + n > count) throw new InvalidDataException("Index file is corrupt: list sizes exceed the row count.");
            var list = new List(size, _codec.HasRowTerm, n);
            ids.AsSpan(at, n).CopyTo(list.Ids);
            codes.AsSpan(at * size, n * size).CopyTo(list.Codes);
            if (terms.Length > 0) terms.AsSpan(at, n).CopyTo(list.Terms);
            list.Count = n;
            foreach (int id in list.Ids)
                if ((uint)id >= (uint)count) throw new InvalidDataException($"Index file is corrupt: list {l} holds id {id}, beyond {count} rows.");
            lists[l] = list;
            at += n;
        }
        if (at != count) throw new InvalidDataException("Index file is corrupt: list sizes do not add up to the row count.");
        _centroids = centroids;
        _coarseCodes = CoarseCodes.For(centroids, Dimension, TDistance.Metric == Metric.L2);
        _lists = lists;
        _deleted.Restore(deleted, count);
        _count = count;
    }

    public override void Dispose() => _raw?.Dispose();

    private string Name => Kind switch { IndexKind.IvfSq8 => "IVF_SQ8", IndexKind.IvfPq => "IVF_PQ", _ => "IVF_FLAT" };

    /// <summary>COSINE rows are normalized before they are clustered, stored or searched.</summary>
    private float[] Prepared(ReadOnlySpan<float> vectors)
    {
        var data = vectors.ToArray();
        if (MetricSpace.Normalizes(Metric)) VectorDistance.NormalizeRows(data, Dimension);
        return data;
    }

    /// <summary>Each row minus the centroid of its list, in place.</summary>
    private void Residuals(float[] rows, int[] lists, float[] centroids)
    {
        for (int i = 0; i < lists.Length; i++)
        {
            var row = rows.AsSpan(i * Dimension, Dimension);
            var c = centroids.AsSpan(lists[i] * Dimension, Dimension);
            for (int j = 0; j < Dimension; j++) row[j] -= c[j];
        }
    }

    /// <summary>Nearest list of every row, by the index's own distance, on all cores.</summary>
    private int[] Assign(float[] data, float[] centroids, int threads)
    {
        int n = data.Length / Dimension, nlist = centroids.Length / Dimension;
        var result = new int[n];
        const int Block = 64;
        if (n == 1)
        {
            var d1 = new float[nlist];
            TDistance.OneToMany(data, centroids, d1);
            result[0] = ArgMin(d1);
            return result;
        }
        Parallel.For(0, (n + Block - 1) / Block, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount },
            () => new float[Block * nlist],
            (b, _, d) =>
            {
                int r0 = (int)b * Block, rn = Math.Min(Block, n - r0);
                TDistance.ManyToMany(data.AsSpan(r0 * Dimension, rn * Dimension), centroids, Dimension, d.AsSpan(0, rn * nlist));
                for (int r = 0; r < rn; r++) result[r0 + r] = ArgMin(d.AsSpan(r * nlist, nlist));
                return d;
            },
            _ => { });
        return result;
    }

    private static int ArgMin(ReadOnlySpan<float> d)
    {
        int arg = 0;
        for (int i = 1; i < d.Length; i++) if (d[i] < d[arg]) arg = i;
        return arg;
    }

    /// <summary>Replaces list <paramref name="l"/> by one with room for <paramref name="capacity"/> rows (readers keep the old one).</summary>
    private void Reserve(int l, int capacity)
    {
        var list = _lists[l];
        if (capacity <= list.Ids.Length) return;
        int size = _codec.CodeSize;
        var grown = new List(size, _codec.HasRowTerm, capacity);
        list.Ids.AsSpan(0, list.Count).CopyTo(grown.Ids);
        list.Codes.AsSpan(0, list.Count * size).CopyTo(grown.Codes);
        list.Terms.AsSpan(0, Math.Min(list.Terms.Length, list.Count)).CopyTo(grown.Terms);
        grown.Count = list.Count;
        _lists[l] = grown;
    }

    private sealed class Scratch(int dim, int nlist, IvfCodec codec)
    {
        public readonly float[] Query = new float[dim];
        public readonly float[] Coarse = new float[nlist];
        public readonly ulong[] ProbeHeap = new ulong[nlist];
        public readonly float[] ProbeDistances = new float[nlist];
        public readonly int[] ProbeLists = new int[nlist];
        public readonly CodecQuery Codec = new(codec.TableLength, codec.WeightLength);
        public readonly short[] CoarseWeights = new short[dim];
        public float[] Distances = new float[1024];
        public ulong[] Heap = new ulong[16];
        public ulong[] FinalHeap = new ulong[16];
        public float[] CandidateDistances = [];
        public int[] CandidateIds = [];

        public void EnsureDistances(int n)
        {
            if (Distances.Length < n) Distances = new float[Math.Max(n, Distances.Length * 2)];
        }

        public void EnsureHeap(int k)
        {
            if (Heap.Length < k) Heap = new ulong[k];
            if (FinalHeap.Length < k) FinalHeap = new ulong[k];
        }

        public void EnsureCandidates(int n)
        {
            if (CandidateIds.Length < n)
            {
                CandidateIds = new int[n];
                CandidateDistances = new float[n];
            }
        }
    }
}

/// <summary>
/// The coarse centroids as 8-bit scalar codes, for a first ranking that streams a quarter of the bytes
/// of the float centroids (1 024 × 784 floats are 3.2 MB, more than L2; their codes fit). Only built
/// when nlist ≥ 256, where the coarse step costs as much as scanning several lists.
/// </summary>
internal sealed class CoarseCodes
{
    private readonly ScalarQuantizer _sq;
    private readonly byte[] _codes;
    private readonly float[] _norms;
    private readonly int _dim;
    private readonly bool _l2;

    private CoarseCodes(ScalarQuantizer sq, byte[] codes, float[] norms, int dim, bool l2)
    {
        (_sq, _codes, _norms, _dim, _l2) = (sq, codes, norms, dim, l2);
    }

    public long MemoryBytes => _codes.LongLength + (long)_norms.Length * sizeof(float) + 2L * _dim * sizeof(float);

    public static CoarseCodes? For(float[] centroids, int dim, bool l2)
    {
        int nlist = centroids.Length / dim;
        if (nlist < 256) return null;
        var sq = ScalarQuantizer.Train(centroids, dim);
        var codes = new byte[centroids.Length];
        var norms = new float[nlist];
        for (int c = 0; c < nlist; c++) norms[c] = sq.Encode(centroids.AsSpan(c * dim, dim), codes.AsSpan(c * dim, dim));
        return new CoarseCodes(sq, codes, norms, dim, l2);
    }

    /// <summary>Approximate distance from q to every centroid (the index's internal convention).</summary>
    public void Distances(ReadOnlySpan<float> q, Span<short> weights, Span<float> distances)
    {
        float sigma = _sq.QuantizeWeights(q, weights, out float dotMin);
        ReadOnlySpan<short> w = weights[.._dim];
        int nlist = _norms.Length;
        if (_l2)
        {
            float qq = VectorDistance.Dot(q, q) - 2 * dotMin, s2 = -2 * sigma;
            for (int c = 0; c < nlist; c++) distances[c] = qq + _norms[c] + s2 * VectorDistance.Dot(_codes.AsSpan(c * _dim, _dim), w);
        }
        else
        {
            for (int c = 0; c < nlist; c++) distances[c] = -(dotMin + sigma * VectorDistance.Dot(_codes.AsSpan(c * _dim, _dim), w));
        }
    }
}
