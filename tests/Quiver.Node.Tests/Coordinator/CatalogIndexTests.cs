using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Coordinator;

public class CatalogIndexTests : CatalogHarness
{
    private static readonly Dictionary<string, string> Hnsw = new() { ["M"] = "16", ["efConstruction"] = "200" };

    private Task<CollectionInfo> CreateDocsAsync() => Catalog.CreateCollectionAsync(null, Schema("docs",
        new FieldSchema("bits", FieldType.BinaryVector) { Dim = 64 },
        new FieldSchema("year", FieldType.Int32)));

    [Fact]
    public async Task CreateDescribeListDrop()
    {
        var c = await CreateDocsAsync();
        var vec = await Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "hnsw", "l2", Hnsw));
        Assert.Equal(("vec", "HNSW", "L2", c.Id, 101L), (vec.IndexName, vec.IndexType, vec.MetricType, vec.CollectionId, vec.FieldId));
        Assert.Equal("200", vec.Params["efConstruction"]);
        var bits = await Catalog.CreateIndexAsync(null, "docs", new IndexSpec("bits", "BIN_FLAT", IndexName: "bits_idx"));
        Assert.Equal(("bits_idx", "HAMMING"), (bits.IndexName, bits.MetricType)); // binary default metric
        Assert.NotEqual(vec.IndexId, bits.IndexId);

        Assert.Equal(vec, await Catalog.DescribeIndexAsync(null, "docs", "vec"));
        Assert.Equal(["vec", "bits_idx"], (await Catalog.ListIndexesAsync(null, "docs")).Select(i => i.IndexName));

        await ReopenAsync();
        var reread = await Catalog.DescribeIndexAsync(null, "docs", "vec");
        Assert.Equal((vec.IndexId, vec.IndexType, vec.MetricType, vec.CreatedTs), (reread.IndexId, reread.IndexType, reread.MetricType, reread.CreatedTs));
        Assert.Equal(Hnsw.OrderBy(p => p.Key), reread.Params.OrderBy(p => p.Key));

        var dropped = await Catalog.DropIndexAsync(null, "docs", "vec");
        Assert.Equal(vec.IndexId, dropped!.IndexId);
        Assert.Null(await Catalog.DropIndexAsync(null, "docs", "vec"));
        await Fails(ErrorCode.IndexNotFound, async () => await Catalog.DescribeIndexAsync(null, "docs", "vec"), "vec", "docs");
        Assert.Equal(["bits_idx"], (await Catalog.ListIndexesAsync(null, "docs")).Select(i => i.IndexName));
        // The field is free again.
        var again = await Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "IVF_FLAT", "IP", new Dictionary<string, string> { ["nlist"] = "128" }));
        Assert.True(again.IndexId > vec.IndexId);
    }

    [Fact]
    public async Task ARepeatWithTheSameSettingsIsANoOpAndDifferentSettingsAreADuplicate()
    {
        await CreateDocsAsync();
        var first = await Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "HNSW", null, Hnsw));
        Assert.Equal("COSINE", first.MetricType); // float default metric
        var same = await Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "HNSW", "cosine", new Dictionary<string, string>(Hnsw)));
        Assert.Same(first, same);

        await Fails(ErrorCode.IndexDuplicate, () => Catalog.CreateIndexAsync(null, "docs",
            new IndexSpec("vec", "HNSW", "COSINE", new Dictionary<string, string> { ["M"] = "32", ["efConstruction"] = "200" })), "vec", "docs");
        await Fails(ErrorCode.IndexDuplicate, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "IVF_FLAT")), "vec");
        await Fails(ErrorCode.IndexDuplicate, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "HNSW", "L2", Hnsw)), "vec");
        await Fails(ErrorCode.IndexDuplicate, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "HNSW", null, Hnsw, "renamed")), "vec");
        // The name is taken by another field's index.
        await Fails(ErrorCode.IndexDuplicate, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("bits", "BIN_FLAT", IndexName: "vec")), "vec", "docs");
        Assert.Single(await Catalog.ListIndexesAsync(null, "docs"));
    }

    [Fact]
    public async Task BadRequestsNameTheirProblem()
    {
        await CreateDocsAsync();
        await Fails(ErrorCode.FieldNotFound, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("nope", "HNSW")), "nope", "docs");
        await Fails(ErrorCode.IndexNotSupported, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("year", "HNSW")), "year", "docs");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "HNSW", "HAMMING")), "HAMMING", "vec");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("bits", "BIN_FLAT", "L2")), "L2", "bits");
        await Fails(ErrorCode.ParameterMissing, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", " ")), "vec", "docs");
        await Fails(ErrorCode.ParameterInvalid, () => Catalog.CreateIndexAsync(null, "docs", new IndexSpec("vec", "HNSW", IndexName: "my index")), "my index");
        await Fails(ErrorCode.CollectionNotFound, () => Catalog.CreateIndexAsync(null, "nope", new IndexSpec("vec", "HNSW")), "nope");
        await Fails(ErrorCode.CollectionNotFound, () => Catalog.DropIndexAsync(null, "nope", "vec"), "nope");
        await Fails(ErrorCode.CollectionNotFound, async () => await Catalog.ListIndexesAsync(null, "nope"), "nope");
        Assert.Empty(await Catalog.ListIndexesAsync(null, "docs"));
    }
}
