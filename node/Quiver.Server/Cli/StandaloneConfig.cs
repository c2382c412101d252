using System.Globalization;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Quiver.Cli;

/// <summary>
/// Reads <c>quiver run standalone</c>'s configuration: defaults, then a YAML or JSON file (nested sections, keys as in
/// Milvus's <c>milvus.yaml</c> where one exists), then environment variables <c>QUIVER__SECTION__KEY</c> (double
/// underscores between levels, any case), then the command line. Keys it does not know are reported, not fatal; a known
/// key with a bad value is an error naming the key and what it takes.
/// </summary>
public static class StandaloneConfig
{
    public const string EnvironmentPrefix = "QUIVER__";

    /// <summary>The settings, the keys that were not recognised (with where they came from), and the sources read.</summary>
    public sealed record Result(StandaloneSettings Settings, IReadOnlyList<string> UnknownKeys);

    private delegate StandaloneSettings Apply(StandaloneSettings s, string value, string key);

    // Segment seal size is Milvus's maxSize (MB) × sealProportion; either key alone keeps the other's Milvus default.
    private const double DefaultMaxSizeMb = 1024, DefaultSealProportion = 0.12;

    private static readonly Dictionary<string, Apply> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["localStorage.path"] = (s, v, _) => s with { DataDirectory = v },
        ["proxy.ip"] = (s, v, _) => s with { Host = v },
        ["proxy.port"] = (s, v, k) => s with { GrpcPort = Port(v, k) },
        ["proxy.http.port"] = (s, v, k) => s with { RestPort = Port(v, k) },
        ["metrics.port"] = (s, v, k) => s with { MetricsPort = Port(v, k) },
        ["common.security.authorizationEnabled"] = (s, v, k) => s with { AuthorizationEnabled = Bool(v, k) },
        ["common.security.defaultRootPassword"] = (s, v, _) => s with { RootPassword = v },
        ["common.gracefulTime"] = (s, v, k) => s with { Engine = s.Engine with { GracefulTime = TimeSpan.FromMilliseconds(Number(v, k, 0, 86_400_000)) } },
        ["dataCoord.segment.maxIdleTime"] = (s, v, k) => s with { Engine = s.Engine with { SealAfter = TimeSpan.FromSeconds(Number(v, k, 1, 31_536_000)) } },
        ["dataCoord.segment.maxSize"] = (s, v, k) => s with { SealMaxSizeMb = Number(v, k, 1, 1 << 20) },
        ["dataCoord.segment.sealProportion"] = (s, v, k) => s with { SealProportion = Number(v, k, 0.001, 1) },
        ["queryNode.gpu.accelerator"] = (s, v, k) => s with { Engine = s.Engine with { Gpu = Placement(v, k) } },
        ["gpu.maxMemSize"] = (s, v, k) => s with { Engine = s.Engine with { GpuMaxBytes = (long)(Number(v, k, 1, 1 << 30) * (1 << 20)) } },
        ["log.level"] = (s, v, k) => s with { LogLevel = Level(v, k) },
        ["log.format"] = (s, v, k) => s with { LogFormat = Format(v, k) },
        ["dataCoord.compaction.interval"] = (s, v, k) => s with { Engine = s.Engine with { CompactionInterval = TimeSpan.FromSeconds(Number(v, k, 0, 86_400)) } },
    };

    /// <summary>Loads the configuration.</summary>
    /// <param name="configFile">YAML (or JSON, by extension) file, or null.</param>
    /// <param name="environment">Environment variables (only <see cref="EnvironmentPrefix"/> ones are read).</param>
    /// <param name="dataDirectory">The command line's --data, which wins over everything.</param>
    public static Result Load(string? configFile, IReadOnlyDictionary<string, string> environment, string? dataDirectory)
    {
        var settings = new StandaloneSettings();
        var unknown = new List<string>();
        if (configFile != null)
        {
            if (!File.Exists(configFile)) throw new ConfigException($"config file '{configFile}' does not exist");
            foreach (var (key, value) in ReadFile(configFile))
                settings = Set(settings, key, value, $"{configFile}", unknown);
        }
        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            string key = name[EnvironmentPrefix.Length..].Replace("__", ".", StringComparison.Ordinal);
            settings = Set(settings, key, value, $"environment {name}", unknown);
        }
        if (dataDirectory != null) settings = settings with { DataDirectory = dataDirectory };
        if (settings.SealMaxSizeMb != null || settings.SealProportion != null)
        {
            long bytes = (long)((settings.SealMaxSizeMb ?? DefaultMaxSizeMb) * (settings.SealProportion ?? DefaultSealProportion) * 1024 * 1024);
            settings = settings with { Engine = settings.Engine with { SealBytes = Math.Max(1, bytes) } };
        }
        if (string.IsNullOrWhiteSpace(settings.DataDirectory)) throw new ConfigException("the data directory (localStorage.path / --data) is empty");
        return new Result(settings, unknown);
    }

    private static StandaloneSettings Set(StandaloneSettings settings, string key, string value, string source, List<string> unknown)
    {
        if (!Known.TryGetValue(key, out var apply))
        {
            unknown.Add($"{key} ({source})");
            return settings;
        }
        return apply(settings, value, $"{key} ({source})");
    }

    /// <summary>A config file as dotted keys and scalar values (nested mappings flattened).</summary>
    public static IEnumerable<KeyValuePair<string, string>> ReadFile(string path)
    {
        string text = File.ReadAllText(path);
        var result = new List<KeyValuePair<string, string>>();
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException e)
            {
                throw new ConfigException($"config file '{path}' is not valid JSON: {e.Message}");
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ConfigException($"config file '{path}' must hold a JSON object of sections");
                FlattenJson(doc.RootElement, "", path, result);
            }
            return result;
        }
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"config file '{path}' is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.Message}");
        }
        if (yaml.Documents.Count == 0) return result;
        if (yaml.Documents[0].RootNode is not YamlMappingNode root) throw new ConfigException($"config file '{path}' must hold a mapping of sections");
        FlattenYaml(root, "", path, result);
        return result;
    }

    private static void FlattenYaml(YamlMappingNode node, string prefix, string path, List<KeyValuePair<string, string>> into)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = prefix + ((YamlScalarNode)k).Value;
            switch (v)
            {
                case YamlMappingNode m: FlattenYaml(m, key + ".", path, into); break;
                case YamlScalarNode s: into.Add(new(key, s.Value ?? "")); break;
                default: throw new ConfigException($"config file '{path}': '{key}' is a list; settings are single values");
            }
        }
    }

    private static void FlattenJson(JsonElement node, string prefix, string path, List<KeyValuePair<string, string>> into)
    {
        foreach (var p in node.EnumerateObject())
        {
            string key = prefix + p.Name;
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object: FlattenJson(p.Value, key + ".", path, into); break;
                case JsonValueKind.Array: throw new ConfigException($"config file '{path}': '{key}' is a list; settings are single values");
                case JsonValueKind.String: into.Add(new(key, p.Value.GetString()!)); break;
                default: into.Add(new(key, p.Value.GetRawText())); break;
            }
        }
    }

    private static int Port(string v, string key) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int p) && p is >= 0 and <= 65535
            ? p : throw new ConfigException($"{key} = '{v}': a port is a whole number 0..65535 (0 picks a free one)");

    private static bool Bool(string v, string key) => v.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw new ConfigException($"{key} = '{v}': expected true or false"),
    };

    private static Microsoft.Extensions.Logging.LogLevel Level(string v, string key) => v.Trim().ToLowerInvariant() switch
    {
        "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
        "info" => Microsoft.Extensions.Logging.LogLevel.Information,
        "warn" or "warning" => Microsoft.Extensions.Logging.LogLevel.Warning,
        "error" => Microsoft.Extensions.Logging.LogLevel.Error,
        "fatal" or "panic" => Microsoft.Extensions.Logging.LogLevel.Critical,
        _ => throw new ConfigException($"{key} = '{v}': expected debug, info, warn, error or fatal"),
    };

    private static Quiver.Node.Query.GpuPlacement Placement(string v, string key) => v.Trim().ToLowerInvariant() switch
    {
        "off" or "false" or "none" => Quiver.Node.Query.GpuPlacement.Off,
        "auto" => Quiver.Node.Query.GpuPlacement.Auto,
        "cuda" or "gpu" => Quiver.Node.Query.GpuPlacement.Cuda,
        "cpu" => Quiver.Node.Query.GpuPlacement.CpuAccelerator,
        _ => throw new ConfigException($"{key} = '{v}': expected off, auto, cuda or cpu (ILGPU's CPU accelerator, for tests)"),
    };

    private static Quiver.Server.LogFormat Format(string v, string key) => v.Trim().ToLowerInvariant() switch
    {
        "text" => Quiver.Server.LogFormat.Text,
        "json" => Quiver.Server.LogFormat.Json,
        _ => throw new ConfigException($"{key} = '{v}': expected text or json"),
    };

    private static double Number(string v, string key, double min, double max) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= min && d <= max
            ? d : throw new ConfigException($"{key} = '{v}': expected a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");

}

/// <summary>A configuration problem: the message names the key or file and what was expected.</summary>
public sealed class ConfigException(string message) : Exception(message);
