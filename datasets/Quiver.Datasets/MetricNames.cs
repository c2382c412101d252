using Quiver.Kernel.Distance;

namespace Quiver.Datasets;

/// <summary>Milvus and ann-benchmarks spellings of metrics.</summary>
public static class MetricNames
{
    /// <summary>Parses l2/euclidean, ip/dot/angular-as-ip, cosine/angular, hamming, jaccard (any case).</summary>
    public static Metric Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "l2" or "euclidean" => Metric.L2,
        "ip" or "dot" or "inner_product" => Metric.InnerProduct,
        "cosine" or "angular" => Metric.Cosine,
        "hamming" => Metric.Hamming,
        "jaccard" => Metric.Jaccard,
        _ => throw new FormatException($"Unknown metric '{text}'; expected L2, IP, COSINE, HAMMING or JACCARD."),
    };

    /// <summary>Milvus's name for a metric.</summary>
    public static string ToMilvus(Metric metric) => metric switch
    {
        Metric.L2 => "L2",
        Metric.InnerProduct => "IP",
        Metric.Cosine => "COSINE",
        Metric.Hamming => "HAMMING",
        _ => "JACCARD",
    };
}
