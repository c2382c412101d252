using Quiver.Storage.ObjectStore;
using Quiver.Storage.Segments;

namespace Quiver.Storage.Tests.Segments;

public class SealedSegmentStoreTests
{
    [Fact]
    public async Task ASegmentFolderTravelsThroughTheObjectStoreLayout()
    {
        using var dir = new ScratchDirectory("sealed");
        string local = dir.File("seg");
        Directory.CreateDirectory(local);
        var schema = SegmentTests.AllTypes();
        var insert = SegmentWriter.Write(Path.Combine(local, "insert_0.arrow"), schema, [SegmentTests.Batch(schema, 0, 400)]);
        var delta = DeleteLog.Write(Path.Combine(local, "delta_0.arrow"), schema.PrimaryKey, new long[] { 1, 4 }, [9, 9]);
        SegmentFileInfo stats;
        using (var reader = SegmentReader.Open(Path.Combine(local, "insert_0.arrow"), insert))
            stats = SegmentStats.Compute(reader).Write(Path.Combine(local, "stats.bin"));
        var manifest = new SegmentManifest(7, 8, 9, 400, [insert, delta, stats]);
        manifest.Write(local);

        using var store = new LocalObjectStore(dir.File("objects"));
        await SealedSegmentStore.UploadAsync(store, local, manifest);
        Assert.NotNull(await store.StatAsync("insert_log/7/8/9/insert_0.arrow"));
        Assert.NotNull(await store.StatAsync("delta_log/7/8/9/delta_0.arrow"));
        Assert.NotNull(await store.StatAsync("stats_log/7/8/9/stats.bin"));
        Assert.NotNull(await store.StatAsync("stats_log/7/8/9/manifest.json"));

        string copy = dir.File("copy");
        var back = await SealedSegmentStore.DownloadAsync(store, 7, 8, 9, copy);
        Assert.Equal(manifest.Files, back.Files);
        using (var reader = SegmentReader.Open(Path.Combine(copy, "insert_0.arrow"), back["insert_0.arrow"]))
        {
            Assert.Equal(400, reader.RowCount);
            Assert.Equal(SegmentTests.Expected("title", 399), reader.GetValue("title", 399));
        }
        Assert.Equal(new long[] { 1, 4 }, DeleteLog.Read(Path.Combine(copy, "delta_0.arrow"), back["delta_0.arrow"]).Int64Keys);

        // A damaged object is caught on download, by name.
        var bytes = await store.GetAsync("insert_log/7/8/9/insert_0.arrow");
        bytes[1000] ^= 0x10;
        await store.PutAsync("insert_log/7/8/9/insert_0.arrow", bytes);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => SealedSegmentStore.DownloadAsync(store, 7, 8, 9, dir.File("copy2")));
        Assert.Contains("insert_0.arrow", e.Message);
    }
}
