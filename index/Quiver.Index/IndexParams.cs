using System.Globalization;

namespace Quiver.Index;

/// <summary>Parsing of "key=value,key=value" parameter strings as the runner and the API take them.</summary>
public static class IndexParams
{
    /// <summary>The pairs, keys lower-cased; an entry without '=' is an error naming it.</summary>
    public static IEnumerable<(string Key, string Value)> Pairs(string text)
    {
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"Parameter '{part}' is not key=value.");
            yield return (part[..eq].Trim().ToLowerInvariant(), part[(eq + 1)..].Trim());
        }
    }

    /// <summary>An integer value; errors name the key.</summary>
    public static int Int(string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
        : throw new ArgumentException($"Parameter {key} = '{value}' is not an integer.");

    /// <summary>A boolean value (true/false/1/0); errors name the key.</summary>
    public static bool Bool(string key, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new ArgumentException($"Parameter {key} = '{value}' is not a boolean (true or false)."),
    };
}
