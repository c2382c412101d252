using System.Globalization;
using System.Text.Json;

namespace Quiver.Rest;

/// <summary>A request body with typed, named-key access; a missing or mistyped key is a <see cref="RestInputException"/> naming it.</summary>
internal readonly record struct Body(JsonElement Root, bool AcceptInt64)
{
    public string? Db => String("dbName") is { Length: > 0 } db ? db : null;

    public JsonElement? Get(string key) => Root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public string? String(string key) => Get(key) is { } v
        ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new RestInputException($"'{key}' must be a string")
        : null;

    public string RequiredString(string key) => String(key) is { Length: > 0 } s ? s : throw new RestInputException($"'{key}' is required");

    public string Collection => RequiredString("collectionName");

    public long? Long(string key) => Get(key) is { } v
        ? v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long l) ? l
            : v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long p) ? p
            : throw new RestInputException($"'{key}' must be an integer")
        : null;

    public bool? Bool(string key) => Get(key) is { } v
        ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw new RestInputException($"'{key}' must be true or false") }
        : null;

    public IReadOnlyList<string> Strings(string key) => Get(key) is { } v
        ? v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new RestInputException($"'{key}' must be a list of strings")).ToList()
            : v.ValueKind == JsonValueKind.String ? [v.GetString()!] : throw new RestInputException($"'{key}' must be a list of strings")
        : [];

    /// <summary>A JSON object of string (or scalar) values as a dictionary of strings (search and index params).</summary>
    public static Dictionary<string, string> Params(JsonElement? e)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e is not { } o) return result;
        if (o.ValueKind != JsonValueKind.Object) throw new RestInputException("params must be a JSON object");
        foreach (var p in o.EnumerateObject())
            result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return result;
    }

    /// <summary>Template values (<c>exprParams</c>) as .NET values.</summary>
    public IReadOnlyDictionary<string, object?>? TemplateValues(string key = "exprParams")
    {
        if (Get(key) is not { } o) return null;
        if (o.ValueKind != JsonValueKind.Object) throw new RestInputException($"'{key}' must be a JSON object");
        return o.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value), StringComparer.Ordinal);
    }

    public static object? Plain(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.TryGetInt64(out long l) ? l : v.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => v.EnumerateArray().Select(Plain).ToArray(),
        JsonValueKind.Null => null,
        _ => v.GetRawText(),
    };
}
