using PureHDF;
using Quiver.Kernel.Distance;

namespace Quiver.Datasets;

/// <summary>
/// The ann-benchmarks HDF5 layout: datasets <c>train</c> (n × d float32), <c>test</c> (q × d),
/// <c>neighbors</c> (q × 100 int32), <c>distances</c> (q × 100 float32) and the root attribute
/// <c>distance</c> ("euclidean", "angular", "hamming", "jaccard", "dot"). Read through PureHDF.
/// </summary>
public static class AnnBenchmarksHdf5
{
    /// <summary>Loads train, test and metric; the file's own neighbours are exposed as <see cref="ReadNeighbors"/>.</summary>
    public static Dataset Read(string path, string cacheDirectory)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ann-benchmarks file {path} does not exist.", path);
        using var file = H5File.OpenRead(path);
        var (train, dim) = Matrix<float>(file, "train", path);
        var (test, testDim) = Matrix<float>(file, "test", path);
        if (dim != testDim) throw new InvalidDataException($"{path}: train is {dim}-d but test is {testDim}-d.");
        string distance = file.AttributeExists("distance") ? file.Attribute("distance").Read<string>() : "euclidean";
        var metric = MetricNames.Parse(distance);
        return new Dataset(Path.GetFileNameWithoutExtension(path), metric, dim, train, test) { CacheDirectory = cacheDirectory };
    }

    /// <summary>The file's <c>neighbors</c> (queries × k), or null when it has none.</summary>
    public static (int[] Ids, int K)? ReadNeighbors(string path)
    {
        using var file = H5File.OpenRead(path);
        if (!file.LinkExists("neighbors")) return null;
        var (ids, k) = Matrix<int>(file, "neighbors", path);
        return (ids, k);
    }

    /// <summary>Writes a file in the same layout (tests, and exporting generated sets for other tools).</summary>
    public static void Write(string path, Dataset dataset, int[]? neighbors = null, int k = 0)
    {
        var file = new H5File
        {
            ["train"] = To2D(dataset.Train, dataset.Dim),
            ["test"] = To2D(dataset.Test, dataset.Dim),
        };
        if (neighbors is not null) file["neighbors"] = To2D(neighbors, k);
        file.Attributes["distance"] = dataset.Metric switch
        {
            Metric.L2 => "euclidean",
            Metric.Cosine => "angular",
            Metric.InnerProduct => "dot",
            Metric.Hamming => "hamming",
            _ => "jaccard",
        };
        file.Write(path);
    }

    private static (T[] Data, int Columns) Matrix<T>(PureHDF.VOL.Native.NativeFile file, string name, string path) where T : unmanaged
    {
        if (!file.LinkExists(name)) throw new InvalidDataException($"{path}: the ann-benchmarks dataset '{name}' is missing.");
        var ds = file.Dataset(name);
        var dims = ds.Space.Dimensions;
        if (dims.Length != 2) throw new InvalidDataException($"{path}: '{name}' has rank {dims.Length}; expected a 2-d matrix.");
        var data = ds.Read<T[]>();
        return (data, (int)dims[1]);
    }

    private static T[,] To2D<T>(T[] flat, int columns)
    {
        int rows = flat.Length / columns;
        var m = new T[rows, columns];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * System.Runtime.InteropServices.Marshal.SizeOf<T>());
        return m;
    }
}
