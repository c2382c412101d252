using Quiver.Datasets;

namespace Quiver.Gpu;

/// <summary>
/// What <c>quiver-gpu bench</c> measures: the full sizes (fashion-mnist 60 000 × 784 and synthetic
/// 1M × 128, 10 000 queries each, batches 1 / 100 / 10 000, k 10 and 100), or <see cref="Quick"/> sizes small
/// enough for ILGPU's CPU accelerator, which runs the same code paths as an emulator.
/// </summary>
internal sealed record BenchPlan(
    int FashionRows, int FashionQueries, int FashionNlist,
    SyntheticSpec Synthetic, int SyntheticNlist,
    int[] Nprobes, int[] Batches, int[] Ks,
    int GroundTruthQueries, int Batch1Queries, int MinTimedBatches, double MaxSecondsPerPoint, long BandwidthBytes,
    int WarmUpQueries = int.MaxValue)
{
    /// <summary>Ground truth is computed for k = this, and recall@k for every k ≤ it read from it.</summary>
    public const int GroundTruthK = 100;

    /// <summary>
    /// The sizes. nlist ≈ √n·1 for 1M (1024) and 256 for 60 000 rows (FAISS users take 1–4·√n); nprobe
    /// 16 and 64. Ground truth on the first 1 000 queries: all 10 000 × 1M exact on the GPU machine's 16
    /// cores would take minutes of a 10-minute run, and 1 000 queries put recall within about ±0.01.
    /// Batch 1 times the first 1 000 queries, one at a time (the same ones recall is measured on).
    /// </summary>
    public static BenchPlan Full { get; } = new(
        FashionRows: 0, FashionQueries: 10_000, FashionNlist: 256,
        Synthetic: new SyntheticSpec(Count: 1_000_000, Dim: 128, Clusters: 256, Seed: 1, Queries: 10_000),
        SyntheticNlist: 1024,
        Nprobes: [16, 64], Batches: [1, 100, 10_000], Ks: [10, 100],
        GroundTruthQueries: 1_000, Batch1Queries: 1_000, MinTimedBatches: 5, MaxSecondsPerPoint: 15, BandwidthBytes: 1L << 30);

    /// <summary>
    /// Small sizes for a functional run on the CPU accelerator (no performance meaning). That emulator runs each
    /// thread of a group as an OS thread and pays a context switch per barrier, so a search costs milliseconds
    /// to seconds there (on a 2-core machine: 20 000 × 128 rows took 1.4 s per batch-1 query; an IVF list scan of
    /// 784-d rows about 0.2 s per query and list), hence these sizes, and a warm-up of one query per point.
    /// </summary>
    public static BenchPlan Quick { get; } = new(
        FashionRows: 1_000, FashionQueries: 10, FashionNlist: 16,
        Synthetic: new SyntheticSpec(Count: 2_000, Dim: 128, Clusters: 32, Seed: 1, Queries: 10),
        SyntheticNlist: 16,
        Nprobes: [2, 4], Batches: [1, 5, 10], Ks: [10, 100],
        GroundTruthQueries: 10, Batch1Queries: 2, MinTimedBatches: 1, MaxSecondsPerPoint: 5, BandwidthBytes: 64L << 20,
        WarmUpQueries: 1);
}
