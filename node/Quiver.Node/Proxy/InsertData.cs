namespace Quiver.Node.Proxy;

/// <summary>
/// Rows to insert or upsert, column by column, as a .NET program holds them: one array per field
/// (Bool <c>bool[]</c>, Int8 <c>sbyte[]</c>, Int16 <c>short[]</c>, Int32 <c>int[]</c>, Int64 <c>long[]</c>, Float
/// <c>float[]</c>, Double <c>double[]</c>, VarChar/JSON <c>string?[]</c>, Array an array of element arrays,
/// FloatVector a flat <c>float[]</c> of rows × dim, packed vectors a flat <c>byte[]</c>), an optional validity
/// array for nullable fields, and for collections with dynamic fields a JSON object per row.
/// Fields that are nullable or have a default value may be left out; an auto-id primary key must be.
/// </summary>
public sealed class InsertData
{
    private readonly Dictionary<string, (Array Values, bool[]? Valid)> _columns = new(StringComparer.Ordinal);

    public InsertData(int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowCount = rowCount;
    }

    public int RowCount { get; }

    /// <summary>Per-row JSON objects of keys outside the schema (dynamic fields), or null.</summary>
    public string?[]? DynamicFields { get; private set; }

    public IReadOnlyDictionary<string, (Array Values, bool[]? Valid)> Columns => _columns;

    /// <summary>Sets one field's values (see the class summary for the array type each field type takes).</summary>
    public InsertData Column(string field, Array values, bool[]? valid = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(values);
        _columns[field] = (values, valid);
        return this;
    }

    /// <summary>Sets the rows' dynamic fields: one JSON object (or null) per row.</summary>
    public InsertData Dynamic(string?[] json)
    {
        ArgumentNullException.ThrowIfNull(json);
        DynamicFields = json;
        return this;
    }
}
