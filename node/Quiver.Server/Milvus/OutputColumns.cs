using Milvus.Proto.Schema;
using Quiver.Node.Proxy;
using QCollectionSchema = Quiver.Node.Schema.CollectionSchema;
using QFieldSchema = Quiver.Node.Schema.FieldSchema;

namespace Quiver.Server.Milvus;

/// <summary>
/// How requested output fields become result columns: schema fields get a column each; dynamic keys are read
/// from <c>$meta</c> and returned inside one <c>$meta</c> column cut down to those keys (Milvus's layout: the
/// SDKs look a name without its own column up in <c>$meta</c>).
/// </summary>
internal sealed class OutputColumns
{
    private OutputColumns(QCollectionSchema schema, List<string> names, List<QFieldSchema> fields, List<string> dynamicKeys, bool wholeMeta)
    {
        Schema = schema;
        Names = names;
        Fields = fields;
        DynamicKeys = dynamicKeys;
        WholeMeta = wholeMeta;
    }

    public QCollectionSchema Schema { get; }

    /// <summary>The names the response lists in <c>output_fields</c>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Schema fields with a column, in request order.</summary>
    public IReadOnlyList<QFieldSchema> Fields { get; }

    public IReadOnlyList<string> DynamicKeys { get; }

    public bool WholeMeta { get; }

    public bool HasMeta => WholeMeta || DynamicKeys.Count > 0;

    /// <summary>What to ask the engine for: schema fields plus <c>$meta</c> when dynamic keys are wanted.</summary>
    public IReadOnlyList<string> EngineNames =>
        [.. Fields.Select(f => f.Name), .. HasMeta ? [QCollectionSchema.DynamicFieldName] : Array.Empty<string>()];

    public static OutputColumns Plan(QCollectionSchema schema, IEnumerable<string> requested, bool withPrimaryKey)
    {
        var resolved = OutputFields.Resolve(schema, [.. requested.Where(n => !string.IsNullOrEmpty(n))]);
        var names = new List<string>();
        var fields = new List<QFieldSchema>();
        var keys = new List<string>();
        bool wholeMeta = false;
        if (withPrimaryKey && !resolved.Contains(schema.PrimaryField.Name))
        {
            names.Add(schema.PrimaryField.Name);
            fields.Add(schema.PrimaryField);
        }
        foreach (var name in resolved)
        {
            names.Add(name);
            if (name == QCollectionSchema.DynamicFieldName) wholeMeta = true;
            else if (schema.Field(name) is { } f) fields.Add(f);
            else keys.Add(name);
        }
        return new OutputColumns(schema, names, fields, keys, wholeMeta);
    }

    /// <summary>The result columns for rows given as name → value dictionaries.</summary>
    public IEnumerable<FieldData> Columns(IReadOnlyList<IReadOnlyDictionary<string, object?>> rows)
    {
        foreach (var f in Fields)
            yield return FieldDataCodec.Column(f, rows.Select(r => r.TryGetValue(f.Name, out var v) ? v : null).ToList());
        if (HasMeta)
            yield return FieldDataCodec.DynamicColumn(
                rows.Select(r => r.TryGetValue(QCollectionSchema.DynamicFieldName, out var v) ? v : null).ToList(), WholeMeta ? null : DynamicKeys);
    }
}
