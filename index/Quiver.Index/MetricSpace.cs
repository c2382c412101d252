using Quiver.Kernel.Distance;

namespace Quiver.Index;

/// <summary>
/// How an index realises a metric: COSINE is served as inner product over normalized vectors (what
/// Milvus does too), so every family needs only L2 and IP graphs; the reported distance is then
/// 1 − a·b, the cosine distance.
/// </summary>
internal static class MetricSpace
{
    /// <summary>True when stored vectors and queries are normalized first.</summary>
    public static bool Normalizes(Metric metric) => metric == Metric.Cosine;

    /// <summary>The constant added to internal distances to report the metric's distance.</summary>
    public static float Offset(Metric metric) => metric == Metric.Cosine ? 1f : 0f;

    public static void CheckFloatMetric(Metric metric)
    {
        if (metric is Metric.Hamming or Metric.Jaccard)
            throw new ArgumentException($"Metric {metric} applies to binary vectors; float32 indexes take L2, IP or COSINE.", nameof(metric));
    }
}
