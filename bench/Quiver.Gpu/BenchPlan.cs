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
    int GroundTruthQueries, int Batch1Queries, int MinTimedBatches, double MaxSecondsPerPoint, long BandwidthBytes)
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

    /// <summary>Small sizes for a functional run on the CPU accelerator in a couple of minutes (no performance meaning).</summary>
    public static BenchPlan Quick { get; } = new(
        FashionRows: 5_000, FashionQueries: 200, FashionNlist: 64,
        Synthetic: new SyntheticSpec(Count: 20_000, Dim: 128, Clusters: 256, Seed: 1, Queries: 200),
        SyntheticNlist: 128,
        Nprobes: [4, 16], Batches: [1, 100, 1_000], Ks: [10, 100],
        GroundTruthQueries: 200, Batch1Queries: 50, MinTimedBatches: 2, MaxSecondsPerPoint: 5, BandwidthBytes: 64L << 20);
}
