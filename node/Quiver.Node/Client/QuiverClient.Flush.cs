using Quiver.Index;
using Quiver.Kernel.Distance;
using Quiver.Node.Coordinator;
using Quiver.Node.Data;
using Quiver.Node.Query;
using Quiver.Node.Streaming;
using Quiver.Storage.ObjectStore;
using Quiver.Storage.Segments;

namespace Quiver.Node.Client;

public sealed partial class QuiverClient
{
    private const string InsertFile = "insert_0.arrow";
    private const string StatsFile = "stats.bin";

    /// <summary>
    /// Seals every growing segment of the collection and flushes it: Arrow insert file, statistics and manifest to
    /// object storage, a segment record in the meta store, the collection's index built over it, and the growing
    /// segment swapped for the sealed one (searches see one or the other). Returns the flushed segment ids.
    /// </summary>
    public async Task<IReadOnlyList<long>> FlushAsync(string collection, string? db = null, CancellationToken cancellationToken = default)
    {
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        var index = await VectorIndexAsync(runtime.Info, cancellationToken).ConfigureAwait(false);
        var flushed = new List<long>();
        foreach (var shard in runtime.Shards)
        {
            foreach (var growing in await shard.SealAsync(cancellationToken).ConfigureAwait(false))
            {
                var record = await WriteSegmentAsync(runtime, shard.VirtualChannel, growing, cancellationToken).ConfigureAwait(false);
                var built = index is null ? null : IndexBuilder.Build(index, runtime.Info.Schema, growing.Batches);
                var sealedSegment = new SealedSegment(growing, null, built is null ? null : index!.FieldName, built?.Index, built?.Metric ?? Metric.L2,
                    index is null ? null : IndexBuilder.DefaultSearchParameters(index));
                _sealedChannel[record.SegmentId] = shard.VirtualChannel;
                shard.Replace(growing, sealedSegment);
                flushed.Add(record.SegmentId);
            }
        }
        return flushed;
    }

    private async Task<SegmentRecord> WriteSegmentAsync(CollectionRuntime runtime, string vchannel, GrowingSegment growing, CancellationToken cancellationToken)
    {
        var info = runtime.Info;
        string staging = Path.Combine(_directory, "staging", growing.SegmentId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(staging);
        try
        {
            var insert = SegmentWriter.Write(Path.Combine(staging, InsertFile), runtime.Storage, growing.Batches);
            SegmentFileInfo stats;
            using (var reader = SegmentReader.Open(Path.Combine(staging, InsertFile), insert))
                stats = SegmentStats.Compute(reader).Write(Path.Combine(staging, StatsFile));
            var manifest = new SegmentManifest(info.Id, growing.PartitionId, growing.SegmentId, growing.RowCount, [insert, stats]);
            await SealedSegmentStore.UploadAsync(_objects, staging, manifest, cancellationToken).ConfigureAwait(false);
            ulong ts = await _tso.AllocateAsync(1, cancellationToken).ConfigureAwait(false);
            var record = new SegmentRecord(1, growing.SegmentId, info.Id, growing.PartitionId, vchannel, growing.RowCount, ts);
            // The record is written last: a crash before it leaves files no record points at (removed at open) and
            // the rows still in the WAL, which the replay puts back into a growing segment.
            await _segmentBook.RecordAsync(record, cancellationToken).ConfigureAwait(false);
            return record;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Loads a flushed segment: maps its insert file (checked against the manifest) and builds the collection's index over it.</summary>
    private SealedSegment LoadSealed(CollectionInfo info, SegmentSchema storage, SegmentRecord record, IndexDefinition? index)
    {
        string manifestKey = ObjectKeys.StatsLogPrefix(info.Id, record.PartitionId, record.SegmentId) + SegmentManifest.FileName;
        var manifest = SegmentManifest.Decode(File.ReadAllBytes(_objects.PathOf(manifestKey)), manifestKey);
        string insertPath = _objects.PathOf(ObjectKeys.InsertLogPrefix(info.Id, record.PartitionId, record.SegmentId) + InsertFile);
        var reader = SegmentReader.Open(insertPath, manifest[InsertFile]);
        try
        {
            var rows = new GrowingSegment(record.SegmentId, record.PartitionId, storage);
            for (int b = 0; b < reader.BatchCount; b++)
                if (reader.Batch(b).Length > 0) rows.Append(reader.Batch(b));
            var built = index is null ? null : IndexBuilder.Build(index, info.Schema, rows.Batches);
            _sealedChannel[record.SegmentId] = record.VirtualChannel;
            return new SealedSegment(rows, reader, built is null ? null : index!.FieldName, built?.Index, built?.Metric ?? Metric.L2,
                index is null ? null : IndexBuilder.DefaultSearchParameters(index));
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The collection's index on a float vector field, if any (one vector index per collection in this version).</summary>
    private async Task<IndexDefinition?> VectorIndexAsync(CollectionInfo info, CancellationToken cancellationToken)
    {
        var db = (await _catalog.ListDatabasesAsync(cancellationToken).ConfigureAwait(false)).First(d => d.Id == info.DbId).Name;
        var indexes = await _catalog.ListIndexesAsync(db, info.Name, cancellationToken).ConfigureAwait(false);
        return indexes.FirstOrDefault(i => info.Schema.Field(i.FieldName)?.DataType == FieldType.FloatVector);
    }
}
