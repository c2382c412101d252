using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Quiver.Storage.Meta;

namespace Quiver.Node.Query;

/// <summary>
/// Which collections (or which of their partitions) are loaded for search and query (Milvus's QueryCoord load info), kept
/// in the meta store under <c>{root}/meta/querycoord/loaded/{collection}</c> so a restart keeps them loaded, and cached in
/// memory. The value is <c>[1]</c> for a whole collection (every partition, also ones created later) or
/// <c>{"partitions":[ids]}</c> for a partial load.
/// </summary>
public sealed class LoadStates(IMetaStore meta, string root)
{
    /// <summary>A load: the whole collection (<see cref="Partitions"/> null) or only the listed partitions.</summary>
    private sealed record Load(IReadOnlySet<long>? Partitions);

    private static readonly Load Whole = new((IReadOnlySet<long>?)null);

    private readonly ConcurrentDictionary<long, Load> _loaded = new();

    private string Prefix => MetaKeys.Join(root, "meta", "querycoord", "loaded") + "/";

    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        foreach (var kv in await meta.RangeAsync(Prefix, cancellationToken).ConfigureAwait(false))
            if (long.TryParse(kv.Key[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out long id)) _loaded[id] = Decode(kv.Value);
    }

    /// <summary>True when the collection or some of its partitions are loaded.</summary>
    public bool IsLoaded(long collection) => _loaded.ContainsKey(collection);

    /// <summary>The loaded partitions of a partly loaded collection; null when the whole collection is loaded (or none is).</summary>
    public IReadOnlySet<long>? LoadedPartitions(long collection) => _loaded.TryGetValue(collection, out var load) ? load.Partitions : null;

    /// <summary>True when <paramref name="partition"/> is searchable: its collection is loaded whole, or it is one of the loaded partitions.</summary>
    public bool IsLoaded(long collection, long partition) =>
        _loaded.TryGetValue(collection, out var load) && (load.Partitions is null || load.Partitions.Contains(partition));

    /// <summary>Loads the whole collection, or releases it (all partitions).</summary>
    public Task SetLoadedAsync(long collection, bool loaded, CancellationToken cancellationToken = default) =>
        StoreAsync(collection, loaded ? Whole : null, cancellationToken);

    /// <summary>Adds partitions to the load (nothing changes when the whole collection is loaded).</summary>
    public Task LoadPartitionsAsync(long collection, IEnumerable<long> partitions, CancellationToken cancellationToken = default)
    {
        if (_loaded.TryGetValue(collection, out var load) && load.Partitions is null) return Task.CompletedTask;
        var set = new HashSet<long>(load?.Partitions ?? new HashSet<long>());
        set.UnionWith(partitions);
        return StoreAsync(collection, new Load(set), cancellationToken);
    }

    /// <summary>
    /// Takes partitions out of the load; <paramref name="all"/> are the collection's partitions now (a whole load becomes a
    /// partial one of the rest). Releasing the last loaded partition releases the collection.
    /// </summary>
    public Task ReleasePartitionsAsync(long collection, IEnumerable<long> partitions, IEnumerable<long> all, CancellationToken cancellationToken = default)
    {
        if (!_loaded.TryGetValue(collection, out var load)) return Task.CompletedTask;
        var set = new HashSet<long>(load.Partitions ?? all.ToHashSet());
        set.ExceptWith(partitions);
        return StoreAsync(collection, set.Count == 0 ? null : new Load(set), cancellationToken);
    }

    private async Task StoreAsync(long collection, Load? load, CancellationToken cancellationToken)
    {
        string key = Prefix + collection.ToString(CultureInfo.InvariantCulture);
        if (load is null)
        {
            await meta.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            _loaded.TryRemove(collection, out _);
            return;
        }
        await meta.PutAsync(key, Encode(load), cancellationToken: cancellationToken).ConfigureAwait(false);
        _loaded[collection] = load;
    }

    private static byte[] Encode(Load load) =>
        load.Partitions is null ? [1] : JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, long[]> { ["partitions"] = [.. load.Partitions.Order()] });

    private static Load Decode(ReadOnlyMemory<byte> value)
    {
        if (value.Length == 1 && value.Span[0] == 1) return Whole;
        try
        {
            using var doc = JsonDocument.Parse(value);
            return new Load(doc.RootElement.GetProperty("partitions").EnumerateArray().Select(e => e.GetInt64()).ToHashSet());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"load state record is neither [1] nor {{\"partitions\":[…]}}: {e.Message}", e);
        }
    }
}
