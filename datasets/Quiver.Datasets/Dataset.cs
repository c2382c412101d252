using Quiver.Kernel.Distance;

namespace Quiver.Datasets;

/// <summary>
/// A benchmark dataset held in memory: base vectors (train), query vectors (test), both row-major
/// float32 of one dimension, the metric the set is meant for, and optionally its ground truth.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, Metric metric, int dim, float[] train, float[] test)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be at least 1.");
        if (train.Length % dim != 0) throw new ArgumentException($"train holds {train.Length} values, not a whole number of {dim}-d rows.", nameof(train));
        if (test.Length % dim != 0) throw new ArgumentException($"test holds {test.Length} values, not a whole number of {dim}-d rows.", nameof(test));
        Name = name;
        Metric = metric;
        Dim = dim;
        Train = train;
        Test = test;
    }

    /// <summary>Short name used in result lines and cache files (for example "fashion-mnist").</summary>
    public string Name { get; }

    /// <summary>The metric ground truth and recall are computed with.</summary>
    public Metric Metric { get; }

    /// <summary>Vector dimension.</summary>
    public int Dim { get; }

    /// <summary>Base vectors, row-major.</summary>
    public float[] Train { get; }

    /// <summary>Query vectors, row-major.</summary>
    public float[] Test { get; }

    /// <summary>Number of base vectors.</summary>
    public int TrainCount => Train.Length / Dim;

    /// <summary>Number of queries.</summary>
    public int TestCount => Test.Length / Dim;

    /// <summary>Base vector <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> TrainRow(int i) => Train.AsSpan(i * Dim, Dim);

    /// <summary>Query <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> TestRow(int i) => Test.AsSpan(i * Dim, Dim);

    /// <summary>Where cached derived files (ground truth, generated data) live, if the set came from disk.</summary>
    public string? CacheDirectory { get; init; }
}
