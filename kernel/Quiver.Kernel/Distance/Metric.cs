namespace Quiver.Kernel.Distance;

/// <summary>The metrics Quiver supports, with Milvus's names.</summary>
public enum Metric
{
    /// <summary>Squared Euclidean distance ("L2" in Milvus, which also reports it squared).</summary>
    L2,
    /// <summary>Inner product ("IP"); larger is more similar.</summary>
    InnerProduct,
    /// <summary>Cosine similarity ("COSINE"); larger is more similar.</summary>
    Cosine,
    /// <summary>Hamming distance over binary vectors ("HAMMING").</summary>
    Hamming,
    /// <summary>Jaccard distance over binary vectors ("JACCARD").</summary>
    Jaccard,
}
