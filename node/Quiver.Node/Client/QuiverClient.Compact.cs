using Quiver.Kernel.Distance;
using Quiver.Node.Data;
using Quiver.Node.Query;
using Quiver.Node.Streaming;
using Quiver.Storage.ObjectStore;

namespace Quiver.Node.Client;

public sealed partial class QuiverClient
{
    /// <summary>
    /// Mix compaction (the data node's job, run in the caller here): per shard and partition, sealed segments
    /// smaller than <see cref="QuiverClientOptions.CompactionSmallRows"/> are merged, and a segment whose deleted
    /// share reaches <see cref="QuiverClientOptions.CompactionDeleteRatio"/> is rewritten, keeping only live rows
    /// (with their insert timestamps) and rebuilding the index. The new segment's record replaces the old ones in
    /// one meta-store transaction, and the shard swaps them for searches atomically; deletes that reached the old
    /// segments while rows were copied are carried over under the shard's apply lock. Returns the new segment ids.
    /// </summary>
    public async Task<IReadOnlyList<long>> CompactAsync(string collection, string? db = null, CancellationToken cancellationToken = default)
    {
        var runtime = await RuntimeAsync(db, collection, cancellationToken).ConfigureAwait(false);
        return await CompactAsync(runtime, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<long>> CompactAsync(CollectionRuntime runtime, CancellationToken cancellationToken)
    {
        var info = runtime.Info;
        var indexes = await VectorIndexesAsync(info, cancellationToken).ConfigureAwait(false);
        var scalarIndexes = await ScalarIndexDefinitionsAsync(info, cancellationToken).ConfigureAwait(false);
        var created = new List<long>();
        // Serialized with flush: the channel checkpoint must not move while rows are copied.
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var shard in runtime.Shards)
            {
                foreach (var group in shard.Segments.OfType<SealedSegment>().GroupBy(s => s.PartitionId).ToList())
                {
                    var candidates = group.Where(s => s.RowCount < _options.CompactionSmallRows || DeletedShare(s) >= _options.CompactionDeleteRatio).ToList();
                    // Worth it when two or more segments merge, or one has lost enough rows to deletes.
                    if (candidates.Count < 2 && !candidates.Any(s => DeletedShare(s) >= _options.CompactionDeleteRatio)) continue;
                    var rows = new List<(SealedSegment Segment, long Row)>();
                    foreach (var s in candidates)
                        for (long r = 0; r < s.RowCount; r++)
                            if (s.DeleteTimestamp(r) == ulong.MaxValue) rows.Add((s, r));
                    long id = await _ids.AllocateAsync(1, cancellationToken).ConfigureAwait(false);
                    var merged = new GrowingSegment(id, group.Key, runtime.Storage);
                    foreach (var batch in RowCopier.Copy(runtime.Storage, rows, (s, f, r) => s.GetValue(f, r), (s, r) => s.InsertTimestamp(r)))
                        merged.Append(batch);
                    merged.Seal();
                    var record = await WriteSegmentAsync(runtime, shard.VirtualChannel, merged, cancellationToken).ConfigureAwait(false);
                    // The merged segments' ids (and what they were merged from) stay known as flushed: see SegmentRecord.CompactedFrom.
                    var from = candidates.SelectMany(c => _compactedFrom.TryGetValue(c.SegmentId, out var earlier) ? earlier.Append(c.SegmentId) : [c.SegmentId])
                        .Distinct().Order().ToArray();
                    record = record with { CompactedFrom = from };
                    var replacement = new SealedSegment(merged, null, await IndexesOfAsync(info, indexes, merged, [], cancellationToken).ConfigureAwait(false));
                    replacement.SetScalarIndexes(ScalarIndexesOf(info, scalarIndexes, merged));
                    await _segmentBook.ReplaceAsync(record, candidates.Select(c => c.SegmentId).ToList(), cancellationToken).ConfigureAwait(false);
                    _sealedChannel[id] = shard.VirtualChannel;
                    _compactedFrom[id] = from;
                    shard.ReplaceSealed(candidates, replacement, () =>
                    {
                        // Deletes applied to the old rows after they were copied: row i of the new segment is rows[i].
                        for (int i = 0; i < rows.Count; i++)
                        {
                            ulong ts = rows[i].Segment.DeleteTimestamp(rows[i].Row);
                            if (ts == ulong.MaxValue) continue;
                            if (rows[i].Segment.PrimaryKey(rows[i].Row) is long l) replacement.Delete([l], ts);
                            else replacement.Delete([(string)rows[i].Segment.PrimaryKey(rows[i].Row)], ts);
                        }
                    });
                    foreach (var old in candidates)
                    {
                        _sealedChannel.TryRemove(old.SegmentId, out _);
                        _compactedFrom.TryRemove(old.SegmentId, out _);
                        await DeleteSegmentFilesAsync(info.Id, old.PartitionId, old.SegmentId, cancellationToken).ConfigureAwait(false);
                        // Drop the owner's reference: searches still holding the old list free it when they finish.
                        old.Dispose();
                    }
                    created.Add(id);
                }
            }
        }
        finally
        {
            _flushGate.Release();
        }
        return created;
    }

    /// <summary>Deletes every object under <paramref name="prefix"/> (listed first: a listing and deletes do not mix).</summary>
    private async Task DeleteObjectsAsync(string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var o in _objects.ListAsync(prefix, cancellationToken).ConfigureAwait(false)) keys.Add(o.Key);
        foreach (var key in keys) await _objects.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    private static double DeletedShare(SealedSegment s)
    {
        if (s.RowCount == 0) return 0;
        long deleted = 0;
        for (long r = 0; r < s.RowCount; r++) if (s.DeleteTimestamp(r) != ulong.MaxValue) deleted++;
        return (double)deleted / s.RowCount;
    }

    private async Task DeleteSegmentFilesAsync(long collection, long partition, long segment, CancellationToken cancellationToken)
    {
        foreach (var prefix in new[] { ObjectKeys.InsertLogPrefix(collection, partition, segment), ObjectKeys.DeltaLogPrefix(collection, partition, segment), ObjectKeys.StatsLogPrefix(collection, partition, segment) })
            await DeleteObjectsAsync(prefix, cancellationToken).ConfigureAwait(false);
        // Its index files: index_files/{index}/{version}/{partition}/{segment}/…
        var indexKeys = new List<string>();
        string id = segment.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await foreach (var o in _objects.ListAsync(ObjectKeys.IndexFiles + "/", cancellationToken).ConfigureAwait(false))
        {
            var parts = o.Key.Split('/');
            if (parts.Length > 5 && parts[4] == id) indexKeys.Add(o.Key);
        }
        foreach (var key in indexKeys) await _objects.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }
}
