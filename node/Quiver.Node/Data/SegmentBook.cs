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

    public Task<long> DropCollectionAsync(long collection, CancellationToken cancellationToken = default) =>
        meta.DeletePrefixAsync(Prefix(collection), cancellationToken);
}
