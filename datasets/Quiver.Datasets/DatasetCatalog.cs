using Quiver.Kernel.Distance;

namespace Quiver.Datasets;

/// <summary>
/// Resolves a dataset name as the runner's <c>--dataset</c> takes it:
/// <list type="bullet">
/// <item><c>fashion-mnist</c>: 60 000 × 784 base, 10 000 queries, L2, from Debian's dataset-fashion-mnist files;</item>
/// <item><c>synthetic:n=…,d=…,clusters=…,seed=…</c>: generated to the cache directory on first use;</item>
/// <item>a path to an ann-benchmarks .hdf5 file;</item>
/// <item><c>fvecs:BASE.fvecs,QUERY.fvecs[,metric]</c>: TEXMEX files.</item>
/// </list>
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Where Debian's dataset-fashion-mnist package puts its files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The default cache directory: $QUIVER_DATA, else ~/.cache/quiver.</summary>
    public static string DefaultCacheDirectory =>
        Environment.GetEnvironmentVariable("QUIVER_DATA") is { Length: > 0 } dir ? dir
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "quiver");

    /// <summary>Loads a dataset; errors say what is missing and how to get it.</summary>
    public static Dataset Load(string spec, string? cacheDirectory = null, Action<string, double>? progress = null)
    {
        string cache = cacheDirectory ?? DefaultCacheDirectory;
        if (spec.Equals("fashion-mnist", StringComparison.OrdinalIgnoreCase)) return FashionMnist(FashionMnistDirectory, cache);
        if (spec.StartsWith("synthetic:", StringComparison.OrdinalIgnoreCase)) return Synthetic(SyntheticSpec.Parse(spec["synthetic:".Length..]), cache, progress);
        if (spec.StartsWith("fvecs:", StringComparison.OrdinalIgnoreCase)) return Fvecs(spec["fvecs:".Length..], cache);
        if (spec.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase) || spec.EndsWith(".h5", StringComparison.OrdinalIgnoreCase))
            return AnnBenchmarksHdf5.Read(spec, cache);
        throw new ArgumentException($"Unknown dataset '{spec}'. Use fashion-mnist, synthetic:n=…,d=…,clusters=…,seed=…, fvecs:BASE,QUERY[,metric] or a path to an ann-benchmarks .hdf5 file.");
    }

    /// <summary>Fashion-MNIST from the IDX files of Debian's package: train images as base, test images as queries.</summary>
    public static Dataset FashionMnist(string directory, string cacheDirectory)
    {
        string train = Path.Combine(directory, "train-images-idx3-ubyte.gz");
        string test = Path.Combine(directory, "t10k-images-idx3-ubyte.gz");
        if (!File.Exists(train) || !File.Exists(test))
            throw new FileNotFoundException(
                $"Fashion-MNIST is not installed: {train} is missing. Install it with 'apt-get install -y dataset-fashion-mnist' (Debian's package of the Zalando files).", train);
        var (trainVectors, dim) = IdxFile.ReadImagesAsVectors(train);
        var (testVectors, testDim) = IdxFile.ReadImagesAsVectors(test);
        if (dim != testDim) throw new InvalidDataException($"Fashion-MNIST train images are {dim}-d but test images are {testDim}-d.");
        return new Dataset("fashion-mnist", Metric.L2, dim, trainVectors, testVectors) { CacheDirectory = cacheDirectory };
    }

    /// <summary>Generates (once) and loads a synthetic set.</summary>
    public static Dataset Synthetic(SyntheticSpec spec, string cacheDirectory, Action<string, double>? progress = null)
    {
        string dir = Path.Combine(cacheDirectory, "synthetic");
        string train = Path.Combine(dir, spec.Name + ".train.fvecs");
        string test = Path.Combine(dir, spec.Name + ".test.fvecs");
        if (!File.Exists(train) || !File.Exists(test))
            SyntheticGenerator.Write(spec, dir, p => progress?.Invoke("generate", p));
        var (t, d) = VectorFiles.ReadFvecs(train);
        var (q, _) = VectorFiles.ReadFvecs(test);
        return new Dataset(spec.Name, spec.Metric, d, t, q) { CacheDirectory = dir };
    }

    private static Dataset Fvecs(string args, string cacheDirectory)
    {
        var parts = args.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 2 or > 3) throw new ArgumentException("fvecs: expects BASE.fvecs,QUERY.fvecs[,metric].");
        var (t, d) = VectorFiles.ReadFvecs(parts[0]);
        var (q, qd) = VectorFiles.ReadFvecs(parts[1]);
        if (d != qd) throw new InvalidDataException($"Base vectors are {d}-d but queries are {qd}-d.");
        var metric = parts.Length == 3 ? MetricNames.Parse(parts[2]) : Metric.L2;
        return new Dataset(Path.GetFileNameWithoutExtension(parts[0]), metric, d, t, q) { CacheDirectory = cacheDirectory };
    }
}
