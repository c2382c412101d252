using System.Buffers.Binary;
using System.IO.Compression;
using Quiver.Datasets;
using Quiver.Kernel.Distance;

namespace Quiver.Datasets.Tests;

public sealed class DatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quiver-datasets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Vector_files_round_trip_and_refuse_bad_input()
    {
        var f = Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray();
        var path = Path.Combine(_dir, "a.fvecs");
        VectorFiles.WriteFvecs(path, f, 4);
        var (data, dim) = VectorFiles.ReadFvecs(path);
        Assert.Equal(4, dim);
        Assert.Equal(f, data);
        Assert.Equal(f.AsSpan(0, 8).ToArray(), VectorFiles.ReadFvecs(path, maxRows: 2).Data);

        var ipath = Path.Combine(_dir, "a.ivecs");
        VectorFiles.WriteIvecs(ipath, [1, 2, 3, 4, 5, 6], 3);
        Assert.Equal([1, 2, 3, 4, 5, 6], VectorFiles.ReadIvecs(ipath).Data);
        var bpath = Path.Combine(_dir, "a.bvecs");
        VectorFiles.WriteBvecs(bpath, [9, 8, 7, 6], 2);
        Assert.Equal([9, 8, 7, 6], VectorFiles.ReadBvecs(bpath).Data);

        File.WriteAllBytes(Path.Combine(_dir, "bad.fvecs"), [4, 0, 0, 0, 1, 2, 3]);
        Assert.Contains("not a .fvecs", Assert.Throws<InvalidDataException>(() => VectorFiles.ReadFvecs(Path.Combine(_dir, "bad.fvecs"))).Message);
        // Two vectors of different dimension.
        using (var s = File.Create(Path.Combine(_dir, "mixed.fvecs")))
        {
            VectorFiles.Append<float>(s, [1, 2], 2);
            VectorFiles.Append<float>(s, [1], 1);
            VectorFiles.Append<float>(s, [1], 1);
        }
        Assert.Throws<InvalidDataException>(() => VectorFiles.ReadFvecs(Path.Combine(_dir, "mixed.fvecs")));
    }

    [Fact]
    public void Idx_images_are_read_as_vectors_from_gzip()
    {
        var path = Path.Combine(_dir, "img-idx3-ubyte.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            Span<byte> header = stackalloc byte[16];
            header[2] = 0x08;
            header[3] = 3;
            BinaryPrimitives.WriteInt32BigEndian(header[4..], 2);
            BinaryPrimitives.WriteInt32BigEndian(header[8..], 2);
            BinaryPrimitives.WriteInt32BigEndian(header[12..], 3);
            gz.Write(header);
            gz.Write(new byte[] { 0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255 });
        }
        var (v, dim) = IdxFile.ReadImagesAsVectors(path);
        Assert.Equal(6, dim);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255 }, v);

        var bad = Path.Combine(_dir, "bad-idx");
        File.WriteAllBytes(bad, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        Assert.Contains("0x0D", Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(bad)).Message);
        var truncated = Path.Combine(_dir, "short-idx");
        File.WriteAllBytes(truncated, [0, 0, 0x08, 1, 0, 0, 0, 9, 1, 2]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(truncated)).Message);
    }

    [Fact]
    public void Fashion_mnist_loads_from_the_debian_package()
    {
        // .ci/run installs dataset-fashion-mnist; without it the loader must say how to get it.
        if (!File.Exists(Path.Combine(DatasetCatalog.FashionMnistDirectory, "train-images-idx3-ubyte.gz")))
        {
            var e = Assert.Throws<FileNotFoundException>(() => DatasetCatalog.Load("fashion-mnist", _dir));
            Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message);
            return;
        }
        var ds = DatasetCatalog.Load("fashion-mnist", _dir);
        Assert.Equal(784, ds.Dim);
        Assert.Equal(60_000, ds.TrainCount);
        Assert.Equal(10_000, ds.TestCount);
        Assert.Equal(Metric.L2, ds.Metric);
        Assert.InRange(ds.Train.Max(), 200f, 255f);
    }

    [Fact]
    public void Synthetic_sets_are_deterministic_and_parse_with_clear_errors()
    {
        var spec = SyntheticSpec.Parse("n=3000,d=16,clusters=8,seed=5,queries=40");
        var a = DatasetCatalog.Synthetic(spec, _dir);
        var b = DatasetCatalog.Synthetic(spec, Path.Combine(_dir, "other"));
        Assert.Equal(3000, a.TrainCount);
        Assert.Equal(40, a.TestCount);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Test, b.Test);
        var c = DatasetCatalog.Synthetic(spec with { Seed = 6 }, _dir);
        Assert.NotEqual(a.Train, c.Train);

        Assert.Contains("n and d are required", Assert.Throws<FormatException>(() => SyntheticSpec.Parse("clusters=3")).Message);
        Assert.Contains("unknown key 'x'", Assert.Throws<FormatException>(() => SyntheticSpec.Parse("n=1,d=2,x=3")).Message);
        Assert.Contains("d = '0'", Assert.Throws<FormatException>(() => SyntheticSpec.Parse("n=1,d=0")).Message);
        Assert.Contains("Unknown dataset", Assert.Throws<ArgumentException>(() => DatasetCatalog.Load("mnist-9000", _dir)).Message);
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.Cosine)]
    public void Ground_truth_equals_double_precision_brute_force_and_is_cached(Metric metric)
    {
        var spec = new SyntheticSpec(4000, 24, 10, 3, Queries: 30, Metric: metric);
        var ds = DatasetCatalog.Synthetic(spec, _dir);
        var truth = GroundTruth.Get(ds, k: 20);
        Assert.Equal(0, GroundTruth.Verify(ds, truth, 20, sample: 30));
        var cacheFile = Path.Combine(ds.CacheDirectory!, $"{ds.Name}.gt20.bin");
        Assert.True(File.Exists(cacheFile));
        Assert.Equal(truth, GroundTruth.Get(ds, k: 20));

        // A damaged cache is recomputed, not trusted.
        var bytes = File.ReadAllBytes(cacheFile);
        bytes[^1] ^= 1;
        File.WriteAllBytes(cacheFile, bytes);
        Assert.Equal(truth, GroundTruth.Get(ds, k: 20));
    }

    [Fact]
    public void Ground_truth_breaks_ties_by_the_smaller_id()
    {
        // Every base vector duplicated three times: ties everywhere.
        var baseRows = new float[] { 0, 0, 1, 1, 2, 2 };
        var train = baseRows.Concat(baseRows).Concat(baseRows).ToArray();
        var test = new float[] { 1.1f, 1.1f };
        var gt = GroundTruth.Compute(train, test, 2, Metric.L2, 9);
        Assert.Equal([1, 4, 7, 2, 5, 8, 0, 3, 6], gt);
    }

    [Fact]
    public void Ann_benchmarks_hdf5_files_round_trip()
    {
        var spec = new SyntheticSpec(500, 12, 4, 9, Queries: 20, Metric: Metric.Cosine);
        var ds = DatasetCatalog.Synthetic(spec, _dir);
        var truth = GroundTruth.Get(ds, k: 10);
        var path = Path.Combine(_dir, "small-angular.hdf5");
        AnnBenchmarksHdf5.Write(path, ds, truth, 10);

        var back = DatasetCatalog.Load(path, _dir);
        Assert.Equal(Metric.Cosine, back.Metric);
        Assert.Equal(12, back.Dim);
        Assert.Equal(ds.Train, back.Train);
        Assert.Equal(ds.Test, back.Test);
        var (ids, k) = AnnBenchmarksHdf5.ReadNeighbors(path)!.Value;
        Assert.Equal(10, k);
        Assert.Equal(truth, ids);
        Assert.Throws<FileNotFoundException>(() => DatasetCatalog.Load(Path.Combine(_dir, "missing.hdf5"), _dir));
    }
}
