using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Segments;

/// <summary>
/// Moves a sealed segment's folder between local disk and object storage under the layout of ARCHITECTURE §5:
/// insert files under <c>insert_log/{collection}/{partition}/{segment}/</c>, delete logs under <c>delta_log/…</c>,
/// statistics and the manifest under <c>stats_log/…</c>. The manifest is put last and fetched first.
/// </summary>
public static class SealedSegmentStore
{
    /// <summary>Uploads every file the manifest names from <paramref name="localDirectory"/>, then the manifest.</summary>
    public static async Task UploadAsync(IObjectStore store, string localDirectory, SegmentManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        foreach (var f in manifest.Files)
            await store.PutFileAsync(Key(manifest, f.Kind, f.Name), Path.Combine(localDirectory, f.Name), cancellationToken).ConfigureAwait(false);
        await store.PutAsync(Key(manifest, SegmentFileKind.Stats, SegmentManifest.FileName), manifest.Encode(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads a segment into <paramref name="localDirectory"/>: the manifest first, then each file, each checked
    /// against the manifest's size and CRC-32C. Returns the manifest.
    /// </summary>
    public static async Task<SegmentManifest> DownloadAsync(IObjectStore store, long collection, long partition, long segment, string localDirectory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string manifestKey = ObjectKeys.StatsLogPrefix(collection, partition, segment) + SegmentManifest.FileName;
        var manifest = SegmentManifest.Decode(await store.GetAsync(manifestKey, cancellationToken).ConfigureAwait(false), manifestKey);
        Directory.CreateDirectory(localDirectory);
        foreach (var f in manifest.Files)
        {
            string path = Path.Combine(localDirectory, f.Name);
            await store.GetToFileAsync(Key(manifest, f.Kind, f.Name), path, cancellationToken).ConfigureAwait(false);
            long size = new FileInfo(path).Length;
            uint crc = SegmentWriter.FileCrc(path);
            if (size != f.Size || crc != f.Crc32C)
                throw new InvalidDataException($"segment {segment} file {f.Name} from the object store is {size} bytes with CRC-32C {crc:X8}; the manifest says {f.Size} bytes, {f.Crc32C:X8}");
        }
        manifest.Write(localDirectory);
        return manifest;
    }

    private static string Key(SegmentManifest m, SegmentFileKind kind, string name) => kind switch
    {
        SegmentFileKind.Insert => ObjectKeys.InsertLogPrefix(m.CollectionId, m.PartitionId, m.SegmentId),
        SegmentFileKind.Delta => ObjectKeys.DeltaLogPrefix(m.CollectionId, m.PartitionId, m.SegmentId),
        _ => ObjectKeys.StatsLogPrefix(m.CollectionId, m.PartitionId, m.SegmentId),
    } + name;
}
