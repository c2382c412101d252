using System.Globalization;
using System.Text.Json;
using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Data;

/// <summary>
/// Flushed-segment bookkeeping in the meta store: one JSON record per segment under
/// <c>{root}/meta/datacoord/segments/{collection}/{segment}</c>.
/// </summary>
public sealed class SegmentBook(IMetaStore meta, string root)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private string Prefix(long collection) => MetaKeys.Join(root, "meta", "datacoord", "segments", collection.ToString(CultureInfo.InvariantCulture)) + "/";

    public async Task RecordAsync(SegmentRecord record, CancellationToken cancellationToken = default) =>
        await meta.PutAsync(Prefix(record.CollectionId) + record.SegmentId.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.SerializeToUtf8Bytes(record, Json), cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Replaces compacted segments' records by the new segment's record in one meta-store transaction, so a reader
    /// (or a restart) sees the old segments or the new one, never both or neither.
    /// </summary>
    public async Task ReplaceAsync(SegmentRecord replacement, IReadOnlyCollection<long> replaced, CancellationToken cancellationToken = default)
    {
        var ops = new List<MetaOp> { MetaOp.Put(Prefix(replacement.CollectionId) + replacement.SegmentId.ToString(CultureInfo.InvariantCulture), JsonSerializer.SerializeToUtf8Bytes(replacement, Json)) };
        foreach (long id in replaced)
        {
            ops.Add(MetaOp.Delete(Prefix(replacement.CollectionId) + id.ToString(CultureInfo.InvariantCulture)));
            ops.Add(MetaOp.DeletePrefix(SegmentIndexPrefix(replacement.CollectionId, id)));
        }
        var result = await meta.TxnAsync([], ops, null, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded) throw new QuiverException(ErrorCode.Unexpected, "the compaction's segment swap did not commit");
    }

    public async Task<IReadOnlyList<SegmentRecord>> ListAsync(long collection, CancellationToken cancellationToken = default)
    {
        var list = new List<SegmentRecord>();
        foreach (var kv in await meta.RangeAsync(Prefix(collection), cancellationToken).ConfigureAwait(false))
        {
            var r = JsonSerializer.Deserialize<SegmentRecord>(kv.Value, Json)
                ?? throw new QuiverException(ErrorCode.DataCorrupted, $"segment record '{kv.Key}' is empty");
            if (r.Format != 1) throw new QuiverException(ErrorCode.DataCorrupted, $"segment record '{kv.Key}' has format {r.Format}; this build reads 1");
            list.Add(r);
        }
        return list;
    }

    public async Task DropCollectionAsync(long collection, CancellationToken cancellationToken = default)
    {
        await meta.DeletePrefixAsync(Prefix(collection), cancellationToken).ConfigureAwait(false);
        await meta.DeletePrefixAsync(IndexPrefix(collection), cancellationToken).ConfigureAwait(false);
    }

    private string IndexPrefix(long collection) => MetaKeys.Join(root, "meta", "datacoord", "segment-index", collection.ToString(CultureInfo.InvariantCulture)) + "/";

    private string SegmentIndexPrefix(long collection, long segment) => IndexPrefix(collection) + segment.ToString(CultureInfo.InvariantCulture) + "/";

    /// <summary>Records a segment's built index file (after the file is stored), one per segment and index.</summary>
    public async Task RecordIndexAsync(SegmentIndexRecord record, CancellationToken cancellationToken = default) =>
        await meta.PutAsync(SegmentIndexPrefix(record.CollectionId, record.SegmentId) + record.IndexId.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.SerializeToUtf8Bytes(record, Json), cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>The index files of a collection's segments.</summary>
    public async Task<IReadOnlyList<SegmentIndexRecord>> IndexesAsync(long collection, CancellationToken cancellationToken = default)
    {
        var list = new List<SegmentIndexRecord>();
        foreach (var kv in await meta.RangeAsync(IndexPrefix(collection), cancellationToken).ConfigureAwait(false))
        {
            var r = JsonSerializer.Deserialize<SegmentIndexRecord>(kv.Value, Json);
            if (r is null || r.Format != 1) throw new QuiverException(ErrorCode.DataCorrupted, $"segment index record '{kv.Key}' is not readable by this build");
            list.Add(r);
        }
        return list;
    }

    /// <summary>Removes a segment's index records (of a segment that no longer has a record: a compaction cut short).</summary>
    public Task<long> DropIndexRecordsAsync(long collection, long segment, CancellationToken cancellationToken = default) =>
        meta.DeletePrefixAsync(SegmentIndexPrefix(collection, segment), cancellationToken);

    private string CheckpointKey(string vchannel) => MetaKeys.Join(root, "meta", "datacoord", "channel-cp", vchannel);

    /// <summary>
    /// Records a channel checkpoint: every WAL entry before <paramref name="position"/> is in segment files and delete logs.
    /// Written before the WAL is truncated, so a crash in between only replays entries that are already flushed.
    /// </summary>
    public async Task SetCheckpointAsync(string vchannel, long position, CancellationToken cancellationToken = default) =>
        await meta.PutAsync(CheckpointKey(vchannel), System.Text.Encoding.ASCII.GetBytes(position.ToString(CultureInfo.InvariantCulture)),
            cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>The channel's checkpoint, or 0 when it has none.</summary>
    public async Task<long> CheckpointAsync(string vchannel, CancellationToken cancellationToken = default)
    {
        var kv = await meta.GetAsync(CheckpointKey(vchannel), cancellationToken).ConfigureAwait(false);
        if (kv is null) return 0;
        var text = System.Text.Encoding.ASCII.GetString(kv.Value);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long p) ? p
            : throw new QuiverException(ErrorCode.DataCorrupted, $"channel checkpoint of '{vchannel}' is not a position: '{text}'");
    }

    public Task<bool> DropCheckpointAsync(string vchannel, CancellationToken cancellationToken = default) =>
        meta.DeleteAsync(CheckpointKey(vchannel), cancellationToken);
}
