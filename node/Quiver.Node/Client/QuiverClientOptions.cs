namespace Quiver.Node.Client;

/// <summary>Settings of an embedded engine. Defaults suit a laptop; tests shrink the WAL.</summary>
public sealed record QuiverClientOptions
{
    /// <summary>Root of every meta-store key (Milvus's etcd.rootPath).</summary>
    public string MetaRoot { get; init; } = "quiver";

    /// <summary>WAL page size bits: a single insert call is limited to about 2^bits bytes (default 4 MiB pages → ~4 MiB per call and shard).</summary>
    public int WalPageSizeBits { get; init; } = 22;

    /// <summary>WAL in-memory buffer bits.</summary>
    public int WalMemorySizeBits { get; init; } = 25;

    /// <summary>WAL segment file size bits.</summary>
    public int WalSegmentSizeBits { get; init; } = 30;

    /// <summary>
    /// Seal policy by size: when a collection's growing data (Arrow bytes in memory) reaches this, it is sealed and
    /// flushed in the background (Milvus seals at segment.maxSize × sealProportion = 1 GiB × 0.12 by default).
    /// </summary>
    public long SealBytes { get; init; } = 128L << 20;

    /// <summary>Seal policy by age: growing data older than this is sealed and flushed in the background (Milvus: maxIdleTime 600 s).</summary>
    public TimeSpan SealAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the background worker looks for compaction work (small or delete-heavy sealed segments); zero turns it off.</summary>
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the background worker checks the seal policies.</summary>
    public TimeSpan BackgroundInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Receives background failures (a flush that failed is retried at the next check); null discards them.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Compaction merges a partition's sealed segments smaller than this many rows.</summary>
    public int CompactionSmallRows { get; init; } = 100_000;

    /// <summary>Compaction rewrites a sealed segment whose deleted share of rows reaches this.</summary>
    public double CompactionDeleteRatio { get; init; } = 0.2;

    /// <summary>How stale a Bounded read may be (Milvus's common.gracefulTime, 5 s).</summary>
    public TimeSpan GracefulTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock for the TSO and leases (tests pass a manual one).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where sealed segments' FLAT, IVF_FLAT, GPU_BRUTE_FORCE and GPU_IVF_FLAT indexes are searched
    /// (<c>queryNode.gpu.accelerator</c>; see <see cref="Query.QueryNodeGpu"/>). Off by default.
    /// </summary>
    public Query.GpuPlacement Gpu { get; init; } = Query.GpuPlacement.Off;

    /// <summary>Device memory the query node may use for indexes, in bytes (<c>gpu.maxMemSize</c>); null: the device's default budget.</summary>
    public long? GpuMaxBytes { get; init; }
}
