using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quiver.Datasets;

/// <summary>
/// One point of a recall–QPS curve: the JSON line every engine writes (<c>quiver-bench ann</c>, its peers,
/// <c>quiver-gpu bench</c> and bench/gpu/torch_anchor.py). Kept here so both tools share one schema.
/// </summary>
public sealed record AnnResult
{
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }
    [JsonPropertyName("engine")] public required string Engine { get; init; }
    [JsonPropertyName("index")] public required string Index { get; init; }
    [JsonPropertyName("build")] public required Dictionary<string, JsonElement> Build { get; init; }
    [JsonPropertyName("search")] public required Dictionary<string, JsonElement> Search { get; init; }
    [JsonPropertyName("k")] public int K { get; init; }
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("queries")] public int Queries { get; init; }
    [JsonPropertyName("build_seconds")] public double BuildSeconds { get; init; }
    [JsonPropertyName("index_bytes")] public long IndexBytes { get; init; }
    [JsonPropertyName("recall")] public double Recall { get; init; }
    [JsonPropertyName("qps")] public double Qps { get; init; }
    [JsonPropertyName("p50_us")] public double P50Us { get; init; }
    [JsonPropertyName("p99_us")] public double P99Us { get; init; }
    [JsonPropertyName("machine")] public string? Machine { get; init; }
    [JsonPropertyName("date")] public string? Date { get; init; }

    /// <summary>The accelerator that ran the search (GPU lines); omitted from the JSON when null, so CPU lines are unchanged.</summary>
    [JsonPropertyName("device")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Device { get; init; }

    /// <summary>
    /// Further figures a runner reports beside the point (for GPU lines: the read floor of a batch of one,
    /// the queries recall was measured on, upload seconds); omitted from the JSON when null.
    /// </summary>
    [JsonPropertyName("extra")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static AnnResult FromJson(string line) =>
        JsonSerializer.Deserialize<AnnResult>(line, Options) ?? throw new FormatException($"Not a result line: {line}");

    /// <summary>Parameters as JSON values, numbers where they parse.</summary>
    public static Dictionary<string, JsonElement> Params(IEnumerable<(string Key, string Value)> pairs)
    {
        var d = new Dictionary<string, JsonElement>();
        foreach (var (k, v) in pairs)
            d[k] = double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double x)
                ? JsonSerializer.SerializeToElement(x) : JsonSerializer.SerializeToElement(v);
        return d;
    }

    /// <summary>"M=16,efConstruction=200" style label of a parameter set.</summary>
    public static string Label(Dictionary<string, JsonElement> p) => string.Join(",", p.Select(kv => $"{kv.Key}={kv.Value}"));
}
