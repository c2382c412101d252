using Quiver.Kernel.Distance;
using Quiver.Node.Errors;
using Quiver.Storage.Segments;

namespace Quiver.Node.Proxy;

/// <summary>Milvus's metric names, which metrics fit which vector type, and which direction is better.</summary>
public static class MetricNames
{
    public static Metric Parse(string? name, FieldType vectorType)
    {
        if (string.IsNullOrEmpty(name)) return Default(vectorType);
        var metric = name.ToUpperInvariant() switch
        {
            "L2" => Metric.L2,
            "IP" => Metric.InnerProduct,
            "COSINE" => Metric.Cosine,
            "HAMMING" => Metric.Hamming,
            "JACCARD" => Metric.Jaccard,
            _ => throw QuiverException.Invalid($"metric type '{name}' is not supported; use L2, IP, COSINE (float vectors) or HAMMING, JACCARD (binary vectors)"),
        };
        bool binary = vectorType == FieldType.BinaryVector;
        if (binary != metric is Metric.Hamming or Metric.Jaccard)
            throw QuiverException.Invalid($"metric {name} does not apply to {vectorType} fields");
        return metric;
    }

    /// <summary>Milvus's default: COSINE for float-like vectors, HAMMING for binary.</summary>
    public static Metric Default(FieldType vectorType) => vectorType == FieldType.BinaryVector ? Metric.Hamming : Metric.Cosine;

    public static string Name(Metric metric) => metric switch
    {
        Metric.L2 => "L2",
        Metric.InnerProduct => "IP",
        Metric.Cosine => "COSINE",
        Metric.Hamming => "HAMMING",
        _ => "JACCARD",
    };

    /// <summary>True when a larger reported value is a better match (IP, COSINE).</summary>
    public static bool LargerIsBetter(Metric metric) => metric is Metric.InnerProduct or Metric.Cosine;
}
