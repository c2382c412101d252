using System.Text.Json;
using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Node.Streaming;

namespace Quiver.Node.Proxy;

/// <summary>
/// Output fields as Milvus takes them: schema fields by name, <c>*</c> for every schema field, <c>$meta</c> for a
/// row's dynamic fields as JSON, and — when the collection has dynamic fields — any other name as a key of that
/// JSON object (null when a row lacks it).
/// </summary>
public static class OutputFields
{
    /// <summary>Checks and expands the requested names; an unknown name fails with FieldNotFound unless it can be a dynamic key.</summary>
    public static IReadOnlyList<string> Resolve(CollectionSchema schema, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return names;
        var result = new List<string>(names.Count);
        foreach (var name in names)
        {
            if (name == "*")
            {
                foreach (var f in schema.Fields) if (!result.Contains(f.Name)) result.Add(f.Name);
                if (schema.EnableDynamicField && !result.Contains(CollectionSchema.DynamicFieldName)) result.Add(CollectionSchema.DynamicFieldName);
                continue;
            }
            if (schema.Field(name) is null && !schema.EnableDynamicField)
                throw new QuiverException(ErrorCode.FieldNotFound, $"output field '{name}' is not in collection '{schema.Name}'");
            if (!result.Contains(name)) result.Add(name);
        }
        return result;
    }

    /// <summary>The requested values of one row (names from <see cref="Resolve"/>).</summary>
    public static IReadOnlyDictionary<string, object?> Read(CollectionSchema schema, IQuerySegment segment, long row, IReadOnlyList<string> fields)
    {
        if (fields.Count == 0) return Empty;
        var values = new Dictionary<string, object?>(fields.Count, StringComparer.Ordinal);
        JsonDocument? dynamic = null;
        try
        {
            foreach (var name in fields)
            {
                if (schema.Field(name) is not null || name == CollectionSchema.DynamicFieldName)
                {
                    values[name] = segment.GetValue(name, row);
                    continue;
                }
                dynamic ??= segment.GetValue(CollectionSchema.DynamicFieldName, row) is string json ? JsonDocument.Parse(json) : null;
                values[name] = dynamic != null && dynamic.RootElement.TryGetProperty(name, out var v) ? Convert(v) : null;
            }
        }
        finally
        {
            dynamic?.Dispose();
        }
        return values;
    }

    private static object? Convert(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.TryGetInt64(out long l) ? (object)l : v.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => v.GetRawText(), // objects and arrays stay JSON text
    };

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();
}
