using System.Collections.Concurrent;
using System.Globalization;
using Quiver.Storage.Meta;

namespace Quiver.Node.Query;

/// <summary>
/// Which collections are loaded for search and query (Milvus's QueryCoord load info), kept in the meta store under
/// <c>{root}/meta/querycoord/loaded/{collection}</c> so a restart keeps them loaded, and cached in memory.
/// </summary>
public sealed class LoadStates(IMetaStore meta, string root)
{
    private readonly ConcurrentDictionary<long, bool> _loaded = new();

    private string Prefix => MetaKeys.Join(root, "meta", "querycoord", "loaded") + "/";

    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        foreach (var kv in await meta.RangeAsync(Prefix, cancellationToken).ConfigureAwait(false))
            if (long.TryParse(kv.Key[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out long id)) _loaded[id] = true;
    }

    public bool IsLoaded(long collection) => _loaded.ContainsKey(collection);

    public async Task SetLoadedAsync(long collection, bool loaded, CancellationToken cancellationToken = default)
    {
        string key = Prefix + collection.ToString(CultureInfo.InvariantCulture);
        if (loaded)
        {
            await meta.PutAsync(key, [1], cancellationToken: cancellationToken).ConfigureAwait(false);
            _loaded[collection] = true;
        }
        else
        {
            await meta.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            _loaded.TryRemove(collection, out _);
        }
    }
}
