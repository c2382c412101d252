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
    private const string DeltaFile = "delta_0.arrow";

    /// <summary>
    /// Seals every growing segment of the collection and flushes it: Arrow insert file, statistics and manifest to
    /// object storage, a segment record in the meta store, the collection's index built over it, and the growing
    /// segment swapped for the sealed one (searches see one or the other). Returns the flushed segment ids.
    /// </summary>
    public async Task<IReadOnlyList<long>> FlushAsync(string collection, string? db = null, CancellationToken cancellationToken = default)
    {
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        return await FlushAsync(runtime, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<long>> FlushAsync(CollectionRuntime runtime, CancellationToken cancellationToken)
    {
        var indexes = await VectorIndexesAsync(runtime.Info, cancellationToken).ConfigureAwait(false);
        var scalarIndexes = await ScalarIndexDefinitionsAsync(runtime.Info, cancellationToken).ConfigureAwait(false);
        var flushed = new List<long>();
        // One flush at a time: it rewrites sealed segments' delete logs and moves channel checkpoints.
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var shard in runtime.Shards)
            {
                var seal = await shard.SealAsync(cancellationToken).ConfigureAwait(false);
                var fresh = new HashSet<long>();
                foreach (var growing in seal.Segments)
                {
                    var record = await WriteSegmentAsync(runtime, shard.VirtualChannel, growing, cancellationToken).ConfigureAwait(false);
                    // The record is written last: a crash before it leaves files no record points at (removed at open) and
                    // the rows still in the WAL, which the replay puts back into a growing segment.
                    await _segmentBook.RecordAsync(record, cancellationToken).ConfigureAwait(false);
                    var built = await IndexesOfAsync(runtime.Info, indexes, growing, [], cancellationToken).ConfigureAwait(false);
                    var sealedSegment = new SealedSegment(growing, null, built);
                    sealedSegment.SetScalarIndexes(ScalarIndexesOf(runtime.Info, scalarIndexes, growing));
                    _sealedChannel[record.SegmentId] = shard.VirtualChannel;
                    shard.Replace(growing, sealedSegment);
                    flushed.Add(record.SegmentId);
                    fresh.Add(record.SegmentId);
                }
                // Deletes that reached older sealed segments since their flush: their delete logs are rewritten whole.
                foreach (var older in shard.Segments.OfType<SealedSegment>().Where(s => !fresh.Contains(s.SegmentId)))
                    await WriteDeleteLogAsync(runtime, older, cancellationToken).ConfigureAwait(false);
                // Every entry before the seal position is now in segment files and delete logs: record it, then truncate.
                await _segmentBook.SetCheckpointAsync(shard.VirtualChannel, seal.Position, cancellationToken).ConfigureAwait(false);
                await shard.TruncateAsync(seal.Position, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _flushGate.Release();
        }
        return flushed;
    }

    /// <summary>Writes a segment's files (insert, stats, delete log, manifest) to object storage and returns the record to store.</summary>
    private async Task<SegmentRecord> WriteSegmentAsync(CollectionRuntime runtime, string vchannel, GrowingSegment growing, CancellationToken cancellationToken)
    {
        var info = runtime.Info;
        string staging = Staging(growing.SegmentId);
        try
        {
            var insert = SegmentWriter.Write(Path.Combine(staging, InsertFile), runtime.Storage, growing.Batches);
            SegmentFileInfo stats;
            using (var reader = SegmentReader.Open(Path.Combine(staging, InsertFile), insert))
                stats = SegmentStats.Compute(reader).Write(Path.Combine(staging, StatsFile));
            var files = new List<SegmentFileInfo> { insert, stats };
            if (DeleteLogOf(runtime, growing, staging) is { } delta) files.Add(delta);
            var manifest = new SegmentManifest(info.Id, growing.PartitionId, growing.SegmentId, growing.RowCount, files);
            await SealedSegmentStore.UploadAsync(_objects, staging, manifest, cancellationToken).ConfigureAwait(false);
            ulong ts = await _tso.AllocateAsync(1, cancellationToken).ConfigureAwait(false);
            return new SegmentRecord(1, growing.SegmentId, info.Id, growing.PartitionId, vchannel, growing.RowCount, ts);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Rewrites a sealed segment's delete log (every deleted row: key and delete timestamp) and its manifest, when it has deletes.</summary>
    private async Task WriteDeleteLogAsync(CollectionRuntime runtime, SealedSegment segment, CancellationToken cancellationToken)
    {
        string staging = Staging(segment.SegmentId);
        try
        {
            if (DeleteLogOf(runtime, segment, staging) is not { } delta) return;
            var info = runtime.Info;
            string manifestKey = ObjectKeys.StatsLogPrefix(info.Id, segment.PartitionId, segment.SegmentId) + SegmentManifest.FileName;
            var manifest = SegmentManifest.Decode(await _objects.GetAsync(manifestKey, cancellationToken).ConfigureAwait(false), manifestKey);
            if (manifest.Files.FirstOrDefault(f => f.Kind == SegmentFileKind.Delta) is { } old && old.Crc32C == delta.Crc32C && old.Size == delta.Size) return;
            await _objects.PutFileAsync(ObjectKeys.DeltaLogPrefix(info.Id, segment.PartitionId, segment.SegmentId) + DeltaFile,
                Path.Combine(staging, DeltaFile), cancellationToken).ConfigureAwait(false);
            var updated = manifest with { Files = [.. manifest.Files.Where(f => f.Kind != SegmentFileKind.Delta), delta] };
            await _objects.PutAsync(manifestKey, updated.Encode(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Writes the segment's deleted rows (key, delete timestamp) as a delete log in <paramref name="directory"/>; null when none is deleted.</summary>
    private static SegmentFileInfo? DeleteLogOf(CollectionRuntime runtime, IQuerySegment segment, string directory)
    {
        var pk = runtime.Storage.PrimaryKey;
        var ints = new List<long>();
        var strings = new List<string>();
        var stamps = new List<ulong>();
        for (long row = 0; row < segment.RowCount; row++)
        {
            ulong ts = segment switch
            {
                GrowingSegment g => g.DeleteTimestamp(row),
                SealedSegment s => s.DeleteTimestamp(row),
                _ => ulong.MaxValue,
            };
            if (ts == ulong.MaxValue) continue;
            object key = segment.PrimaryKey(row);
            if (key is long l) ints.Add(l);
            else strings.Add((string)key);
            stamps.Add(ts);
        }
        if (stamps.Count == 0) return null;
        System.Array keys = pk.Type == FieldType.Int64 ? ints.ToArray() : strings.ToArray();
        return DeleteLog.Write(Path.Combine(directory, DeltaFile), pk, keys, stamps.ToArray());
    }

    private string Staging(long segmentId)
    {
        string dir = Path.Combine(_directory, "staging", segmentId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// The segment's index for <paramref name="index"/>: its saved file when one was built from this definition
    /// (HNSW is mapped, not read), else built now, saved under <c>index_files/{index}/1/{partition}/{segment}/</c> and recorded.
    /// </summary>
    private async Task<SegmentIndex?> IndexOfAsync(CollectionInfo info, IndexDefinition index, GrowingSegment rows,
        SegmentIndexRecord? saved, CancellationToken cancellationToken)
    {
        var field = info.Schema.Field(index.FieldName)!;
        var metric = Proxy.MetricNames.Parse(index.MetricType, field.DataType);
        var defaults = IndexBuilder.DefaultSearchParameters(index);
        if (saved != null && saved.IndexId == index.IndexId)
        {
            string path = _objects.PathOf(saved.Key);
            if (File.Exists(path) && new FileInfo(path).Length == saved.Size)
                return new SegmentIndex(_gpu.Place(IndexBuilder.Open(saved.IndexType, path), saved.IndexType), metric, defaults);
        }
        var built = IndexBuilder.Build(index, info.Schema, rows.Batches);
        if (built is null) return null;
        string staging = Staging(rows.SegmentId);
        try
        {
            string file = Path.Combine(staging, "index");
            using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                built.Value.Index.Save(stream);
                stream.Flush(flushToDisk: true);
            }
            string key = ObjectKeys.IndexFilesPrefix(index.IndexId, 1, rows.PartitionId, rows.SegmentId) + "index";
            await _objects.PutFileAsync(key, file, cancellationToken).ConfigureAwait(false);
            await _segmentBook.RecordIndexAsync(new SegmentIndexRecord(1, rows.SegmentId, info.Id, index.IndexId, index.IndexType, key,
                new FileInfo(file).Length, SegmentWriter.FileCrc(file)), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
        return new SegmentIndex(_gpu.Place(built.Value.Index, index.IndexType), built.Value.Metric, defaults);
    }

    /// <summary>Every index of <paramref name="indexes"/> over the rows, by field (see <see cref="IndexOfAsync"/>).</summary>
    private async Task<Dictionary<string, SegmentIndex>> IndexesOfAsync(CollectionInfo info, IReadOnlyList<IndexDefinition> indexes, GrowingSegment rows,
        IReadOnlyList<SegmentIndexRecord> saved, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, SegmentIndex>(StringComparer.Ordinal);
        foreach (var index in indexes)
        {
            var record = saved.FirstOrDefault(r => r.SegmentId == rows.SegmentId && r.IndexId == index.IndexId);
            if (await IndexOfAsync(info, index, rows, record, cancellationToken).ConfigureAwait(false) is { } built) result[index.FieldName] = built;
        }
        return result;
    }

    /// <summary>Loads a flushed segment: maps its insert file (checked against the manifest), applies its delete log, and opens or builds its index.</summary>
    private async Task<SealedSegment> LoadSealedAsync(CollectionInfo info, SegmentSchema storage, SegmentRecord record, IReadOnlyList<IndexDefinition> indexes,
        IReadOnlyList<SegmentIndexRecord> savedIndexes, CancellationToken cancellationToken)
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
            foreach (var delta in manifest.Files.Where(f => f.Kind == SegmentFileKind.Delta))
            {
                string deltaPath = _objects.PathOf(ObjectKeys.DeltaLogPrefix(info.Id, record.PartitionId, record.SegmentId) + delta.Name);
                var deletes = DeleteLog.Read(deltaPath, delta);
                for (int i = 0; i < deletes.Count; i++)
                {
                    if (deletes.Int64Keys is { } ints) rows.Delete([ints[i]], deletes.Timestamps[i]);
                    else rows.Delete([deletes.StringKeys![i]], deletes.Timestamps[i]);
                }
            }
            var built = await IndexesOfAsync(info, indexes, rows, savedIndexes, cancellationToken).ConfigureAwait(false);
            _sealedChannel[record.SegmentId] = record.VirtualChannel;
            var segment = new SealedSegment(rows, reader, built);
            segment.SetScalarIndexes(ScalarIndexesOf(info, await ScalarIndexDefinitionsAsync(info, cancellationToken).ConfigureAwait(false), rows));
            return segment;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The collection's indexes on scalar fields.</summary>
    private async Task<IReadOnlyList<IndexDefinition>> ScalarIndexDefinitionsAsync(CollectionInfo info, CancellationToken cancellationToken)
    {
        var db = (await _catalog.ListDatabasesAsync(cancellationToken).ConfigureAwait(false)).First(d => d.Id == info.DbId).Name;
        var indexes = await _catalog.ListIndexesAsync(db, info.Name, cancellationToken).ConfigureAwait(false);
        return indexes.Where(i => info.Schema.Field(i.FieldName) is { IsVector: false }).ToList();
    }

    /// <summary>
    /// The scalar indexes of <paramref name="definitions"/> over a sealed segment's rows, by field. They are built in memory
    /// from the rows (a sort or a grouping of one column) when the segment is sealed, loaded or compacted, not saved.
    /// </summary>
    private static Dictionary<string, Expressions.ScalarIndex> ScalarIndexesOf(CollectionInfo info, IReadOnlyList<IndexDefinition> definitions, GrowingSegment rows)
    {
        var result = new Dictionary<string, Expressions.ScalarIndex>(StringComparer.Ordinal);
        var fields = rows.Schema.Fields;
        foreach (var definition in definitions)
        {
            int column = -1;
            for (int i = 0; i < fields.Count; i++) if (fields[i].Name == definition.FieldName) column = i;
            if (column < 0) continue;
            result[definition.FieldName] = Expressions.ScalarIndex.Build(definition.IndexType, fields[column], rows.Batches, column);
        }
        return result;
    }

    /// <summary>Brings every sealed segment's scalar indexes in line with the catalog's definitions (after a create or drop).</summary>
    private async Task RefreshScalarIndexesAsync(CollectionRuntime runtime, CancellationToken cancellationToken)
    {
        var definitions = await ScalarIndexDefinitionsAsync(runtime.Info, cancellationToken).ConfigureAwait(false);
        foreach (var shard in runtime.Shards)
        {
            using var held = SegmentSnapshot.Acquire(shard);
            foreach (var segment in held.Segments.OfType<SealedSegment>())
            {
                var current = segment.ScalarIndexes;
                var next = new Dictionary<string, Expressions.ScalarIndex>(StringComparer.Ordinal);
                var missing = new List<IndexDefinition>();
                foreach (var d in definitions)
                {
                    if (current.TryGetValue(d.FieldName, out var have) && string.Equals(have.IndexType, d.IndexType, StringComparison.OrdinalIgnoreCase)) next[d.FieldName] = have;
                    else missing.Add(d);
                }
                foreach (var (field, built) in ScalarIndexesOf(runtime.Info, missing, segment.Rows)) next[field] = built;
                segment.SetScalarIndexes(next);
            }
        }
    }

    /// <summary>The collection's indexes on float vector fields (the ones this engine builds; other vector types are searched exactly).</summary>
    private async Task<IReadOnlyList<IndexDefinition>> VectorIndexesAsync(CollectionInfo info, CancellationToken cancellationToken)
    {
        var db = (await _catalog.ListDatabasesAsync(cancellationToken).ConfigureAwait(false)).First(d => d.Id == info.DbId).Name;
        var indexes = await _catalog.ListIndexesAsync(db, info.Name, cancellationToken).ConfigureAwait(false);
        return indexes.Where(i => info.Schema.Field(i.FieldName)?.DataType == FieldType.FloatVector).ToList();
    }
}
