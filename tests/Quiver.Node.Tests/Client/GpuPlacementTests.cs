using Quiver.Index.Gpu;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Node.Query;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Client;

/// <summary>
/// GPU_BRUTE_FORCE and GPU_IVF_FLAT through the engine: built as their CPU twins, placed on the query node's GPU when it
/// has one (here ILGPU's CPU accelerator stands in for it), and equal to the CPU twins' answers — with filters, deletes,
/// batches of queries and a restart that loads the saved files onto the device again.
/// </summary>
public class GpuPlacementTests
{
    private const int Dim = 12;

    private static QuiverClientOptions Options(GpuPlacement gpu, List<string>? log = null) => new()
    {
        WalPageSizeBits = 20, WalMemorySizeBits = 22, WalSegmentSizeBits = 24, Gpu = gpu,
        Log = log is null ? null : m => { lock (log) log.Add(m); },
    };

    private static CollectionSchema Schema => new("docs",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = Dim },
        new FieldSchema("n", FieldType.Int64),
    ]);

    private static float[] Vectors(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n * Dim).Select(_ => (float)r.Next(-8, 9)).ToArray(); // small integers: exact sums, ties resolved by id
    }

    private static async Task<QuiverClient> Filled(string dir, GpuPlacement gpu, string indexType, List<string>? log = null)
    {
        var client = await QuiverClient.OpenAsync(dir, Options(gpu, log));
        await client.CreateCollectionAsync(Schema);
        var parameters = indexType.EndsWith("IVF_FLAT", StringComparison.Ordinal) ? new Dictionary<string, string> { ["nlist"] = "8" } : null;
        await client.CreateIndexAsync("docs", new IndexSpec("vec", indexType, "L2", parameters));
        for (int part = 0; part < 2; part++)
        {
            int n = 600;
            await client.InsertAsync("docs", new InsertData(n)
                .Column("id", Enumerable.Range(part * n, n).Select(i => (long)i).ToArray())
                .Column("vec", Vectors(n, 10 + part))
                .Column("n", Enumerable.Range(part * n, n).Select(i => (long)i).ToArray()));
            await client.FlushAsync("docs");
        }
        await client.DeleteAsync("docs", Enumerable.Range(0, 1200).Where(i => i % 7 == 0).Select(i => (long)i).ToArray());
        await client.LoadCollectionAsync("docs");
        return client;
    }

    private static async Task<List<(long Id, float Distance)[]>> Answers(QuiverClient client, string? filter = null, Dictionary<string, string>? search = null)
    {
        var hits = await client.SearchAsync("docs", new SearchRequest { Vectors = Vectors(5, 99), Limit = 15, Metric = "L2", Filter = filter, Params = search });
        return [.. hits.Select(q => q.Select(h => ((long)h.Id, h.Distance)).ToArray())];
    }

    [Theory]
    [InlineData("GPU_BRUTE_FORCE")]
    [InlineData("GPU_IVF_FLAT")]
    [InlineData("FLAT")]
    [InlineData("IVF_FLAT")]
    public async Task TheGpuAnswersAsItsCpuTwinWithFiltersDeletesAndAfterRestart(string indexType)
    {
        using var cpuDir = new ScratchDirectory("gpu-cpu");
        using var gpuDir = new ScratchDirectory("gpu-dev");
        var probe = new Dictionary<string, string> { ["nprobe"] = "3" };
        var search = indexType.EndsWith("IVF_FLAT", StringComparison.Ordinal) ? probe : null;
        List<(long, float)[]> cpu, cpuFiltered;
        await using (var client = await Filled(cpuDir.Path, GpuPlacement.Off, indexType))
        {
            cpu = await Answers(client, search: search);
            cpuFiltered = await Answers(client, "n % 3 == 1", search);
        }
        var log = new List<string>();
        await using (var client = await Filled(gpuDir.Path, GpuPlacement.CpuAccelerator, indexType, log))
        {
            Assert.Equal(cpu, await Answers(client, search: search));
            Assert.Equal(cpuFiltered, await Answers(client, "n % 3 == 1", search));
            Assert.Contains(log, m => m.Contains("query node GPU:", StringComparison.Ordinal));
            Assert.All((await Answers(client, search: search)).SelectMany(q => q), h => Assert.NotEqual(0, h.Item1 % 7));
        }
        await using (var client = await QuiverClient.OpenAsync(gpuDir.Path, Options(GpuPlacement.CpuAccelerator)))
        {
            Assert.Equal(cpu, await Answers(client, search: search));
        }
    }

    [Fact]
    public async Task WithoutAGpuTheCpuTwinsServeAndSaySoOnce()
    {
        using var dir = new ScratchDirectory("gpu-off");
        var log = new List<string>();
        await using (var client = await Filled(dir.Path, GpuPlacement.Off, "GPU_IVF_FLAT", log))
        {
            Assert.Equal(15, (await Answers(client, search: new() { ["nprobe"] = "8" }))[0].Length);
            Assert.Single(log, m => m.Contains("searched on the CPU", StringComparison.Ordinal));
        }
        log.Clear();
        // Auto on a machine without CUDA: said once, then the CPU serves.
        if (Quiver.Kernel.Gpu.GpuDevice.CudaAvailable(out _)) return;
        await using (var client = await QuiverClient.OpenAsync(dir.Path, Options(GpuPlacement.Auto, log)))
        {
            Assert.Equal(15, (await Answers(client, search: new() { ["nprobe"] = "8" }))[0].Length);
            Assert.Single(log, m => m.Contains("no CUDA device", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AnUnknownOrBadVectorIndexIsRefusedWhenCreated()
    {
        using var dir = new ScratchDirectory("gpu-bad");
        await using var client = await QuiverClient.OpenAsync(dir.Path, Options(GpuPlacement.Off));
        await client.CreateCollectionAsync(Schema);
        var e = await Assert.ThrowsAsync<QuiverException>(() => client.CreateIndexAsync("docs", new IndexSpec("vec", "GPU_CAGRA", "L2")));
        Assert.Equal(ErrorCode.IndexNotSupported, e.Code);
        Assert.Contains("GPU_IVF_FLAT", e.Message);
        e = await Assert.ThrowsAsync<QuiverException>(() => client.CreateIndexAsync("docs", new IndexSpec("vec", "GPU_IVF_FLAT", "L2", new Dictionary<string, string> { ["nlist"] = "0" })));
        Assert.Contains("nlist", e.Message);
        Assert.Empty(await client.ListIndexesAsync("docs"));
    }
}
