using System.Globalization;

namespace Quiver.Storage.ObjectStore;

/// <summary>
/// The object-store key layout of ARCHITECTURE §5, shared by every backend:
/// <c>insert_log/{collection}/{partition}/{segment}/…</c>, <c>delta_log/…</c>, <c>stats_log/…</c>,
/// <c>index_files/{build}/{version}/{partition}/{segment}/…</c> and <c>wal/{channel}/…</c>.
/// The backend's root (a directory, or a bucket plus root path) is prepended by the backend.
/// </summary>
public static class ObjectKeys
{
    public const string InsertLog = "insert_log";
    public const string DeltaLog = "delta_log";
    public const string StatsLog = "stats_log";
    public const string IndexFiles = "index_files";
    public const string Wal = "wal";

    /// <summary>Folder of one sealed segment's Arrow insert files.</summary>
    public static string InsertLogPrefix(long collection, long partition, long segment) =>
        Join(InsertLog, collection, partition, segment);

    /// <summary>Folder of one segment's delete logs.</summary>
    public static string DeltaLogPrefix(long collection, long partition, long segment) =>
        Join(DeltaLog, collection, partition, segment);

    /// <summary>Folder of one segment's statistics (bloom filter, min/max) and manifest.</summary>
    public static string StatsLogPrefix(long collection, long partition, long segment) =>
        Join(StatsLog, collection, partition, segment);

    /// <summary>Folder of one index build's files for one segment.</summary>
    public static string IndexFilesPrefix(long build, long version, long partition, long segment) =>
        Join(IndexFiles, build, version, partition, segment);

    /// <summary>Folder of one WAL channel's archived log segments.</summary>
    public static string WalPrefix(string channel)
    {
        ValidateName(channel, nameof(channel));
        return Wal + "/" + channel + "/";
    }

    /// <summary>Checks a key: non-empty, relative, '/'-separated, no empty, "." or ".." parts, no control characters.</summary>
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0 || key.Length > 1024)
            throw new ArgumentException($"object key must be 1..1024 characters, got {key.Length}", nameof(key));
        if (key[0] == '/' || key[^1] == '/')
            throw new ArgumentException($"object key '{key}' must not start or end with '/'", nameof(key));
        foreach (var part in key.Split('/'))
        {
            if (part.Length == 0 || part == "." || part == "..")
                throw new ArgumentException($"object key '{key}' has an empty, '.' or '..' part", nameof(key));
        }
        foreach (char c in key)
        {
            if (char.IsControl(c) || c == '\\')
                throw new ArgumentException($"object key '{key}' contains a control character or backslash", nameof(key));
        }
        // The local backend writes each put to a temporary sibling and renames it; a key that looked
        // like one would be invisible there, so no backend accepts it and both serve the same keys.
        if (AtomicFile.IsTemporaryName(key.AsSpan(key.LastIndexOf('/') + 1)))
            throw new ArgumentException($"object key '{key}' ends in a temporary-file name (.name.<32 hex>.tmp)", nameof(key));
    }

    /// <summary>
    /// Checks a list prefix: empty (everything), or '/'-separated parts where every complete part
    /// (those before the last '/') follows <see cref="Validate"/>'s rules; the last part may be partial,
    /// so <c>insert_log/1/2</c> matches segments 2, 20, 21… and <c>insert_log/1/</c> the whole partition.
    /// </summary>
    public static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
            return;
        if (prefix.Length > 1024 || prefix[0] == '/')
            throw new ArgumentException($"object key prefix '{prefix}' must be at most 1024 characters and must not start with '/'", nameof(prefix));
        int lastSlash = prefix.LastIndexOf('/');
        if (lastSlash >= 0)
        {
            foreach (var part in prefix[..lastSlash].Split('/'))
            {
                if (part.Length == 0 || part == "." || part == "..")
                    throw new ArgumentException($"object key prefix '{prefix}' has an empty, '.' or '..' part", nameof(prefix));
            }
        }
        foreach (char c in prefix)
        {
            if (char.IsControl(c) || c == '\\')
                throw new ArgumentException($"object key prefix '{prefix}' contains a control character or backslash", nameof(prefix));
        }
    }

    private static void ValidateName(string name, string param)
    {
        ArgumentNullException.ThrowIfNull(name, param);
        if (name.Length == 0 || name.Contains('/') || name == "." || name == "..")
            throw new ArgumentException($"'{name}' is not a valid {param}: non-empty, no '/'", param);
    }

    private static string Join(string root, params long[] parts) =>
        root + "/" + string.Join('/', parts.Select(p => p.ToString(CultureInfo.InvariantCulture))) + "/";
}
