using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Meta;
using Quiver.Storage.Segments;

namespace Quiver.Node.Coordinator;

/// <summary>Catalog objects to and from their JSON records (shapes in README.md), and a whole catalog from a range read.</summary>
internal static class CatalogCodec
{
    private const int V = CoordinatorJson.CurrentVersion;

    public static byte[] Encode(DatabaseInfo db) => CoordinatorJson.Encode(new DatabaseRecord
    {
        Version = V,
        Id = db.Id,
        Name = db.Name,
        CreatedTs = db.CreatedTs,
        Properties = new(db.Properties),
    }, CoordinatorJsonContext.Default.DatabaseRecord);

    public static byte[] Encode(CollectionInfo c) => CoordinatorJson.Encode(new CollectionRecord
    {
        Version = V,
        Id = c.Id,
        DbId = c.DbId,
        Name = c.Name,
        Schema = ToRecord(c.Schema),
        ShardsNum = c.ShardsNum,
        VirtualChannels = [.. c.VirtualChannels],
        ConsistencyLevel = (int)c.ConsistencyLevel,
        Properties = new(c.Properties),
        CreatedTs = c.CreatedTs,
        Partitions = [.. c.Partitions.Select(p => new PartitionRecord { Id = p.Id, Name = p.Name, CreatedTs = p.CreatedTs })],
        State = (int)c.State,
    }, CoordinatorJsonContext.Default.CollectionRecord);

    public static byte[] Encode(AliasEntry a) => CoordinatorJson.Encode(new AliasRecord
    {
        Version = V,
        Alias = a.Alias,
        DbId = a.DbId,
        CollectionId = a.CollectionId,
        CreatedTs = a.CreatedTs,
    }, CoordinatorJsonContext.Default.AliasRecord);

    public static byte[] Encode(IndexDefinition i) => CoordinatorJson.Encode(new IndexRecord
    {
        Version = V,
        IndexId = i.IndexId,
        CollectionId = i.CollectionId,
        FieldId = i.FieldId,
        FieldName = i.FieldName,
        IndexName = i.IndexName,
        IndexType = i.IndexType,
        MetricType = i.MetricType,
        Params = new(i.Params),
        CreatedTs = i.CreatedTs,
    }, CoordinatorJsonContext.Default.IndexRecord);

    public static byte[] EncodeEpoch() => CoordinatorJson.Encode(new EpochRecord { Version = V }, CoordinatorJsonContext.Default.EpochRecord);

    /// <summary>The schema's JSON alone: two schemas are the same definition when these bytes are equal.</summary>
    public static byte[] SchemaBytes(CollectionSchema schema) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ToRecord(schema), CoordinatorJsonContext.Default.SchemaRecord);

    /// <summary>Builds the catalog from every key under the catalog prefix (one consistent range read).</summary>
    public static CatalogState Load(IReadOnlyList<KeyValue> kvs, CatalogKeys keys)
    {
        var state = CatalogState.Empty;
        var collections = new List<CollectionInfo>();
        var aliases = new List<(KeyValue Kv, AliasRecord Record)>();
        var indexes = new List<IndexDefinition>();
        foreach (var kv in kvs)
        {
            string rest = kv.Key[keys.Prefix.Length..];
            if (rest == CatalogKeys.EpochName)
            {
                _ = CoordinatorJson.Decode(kv, CoordinatorJsonContext.Default.EpochRecord, "catalog epoch");
                state = state with { EpochRevision = kv.ModRevision };
            }
            else if (rest.StartsWith(CatalogKeys.DatabasesDir, StringComparison.Ordinal))
                state = state.WithDatabase(Decode(kv, CoordinatorJson.Decode(kv, CoordinatorJsonContext.Default.DatabaseRecord, "database")));
            else if (rest.StartsWith(CatalogKeys.CollectionsDir, StringComparison.Ordinal))
                collections.Add(Decode(kv, CoordinatorJson.Decode(kv, CoordinatorJsonContext.Default.CollectionRecord, "collection")));
            else if (rest.StartsWith(CatalogKeys.AliasesDir, StringComparison.Ordinal))
                aliases.Add((kv, CoordinatorJson.Decode(kv, CoordinatorJsonContext.Default.AliasRecord, "alias")));
            else if (rest.StartsWith(CatalogKeys.IndexesDir, StringComparison.Ordinal))
                indexes.Add(Decode(CoordinatorJson.Decode(kv, CoordinatorJsonContext.Default.IndexRecord, "index")));
            // Other keys belong to a newer build's additions; this build has no use for them.
        }
        foreach (var c in collections)
        {
            if (!state.Databases.ContainsKey(c.DbId))
                throw Corrupt($"collection '{c.Name}' ({c.Id}) belongs to database {c.DbId}, which the catalog does not hold");
            state = state.WithCollection(c);
        }
        foreach (var (kv, a) in aliases)
        {
            if (!state.Collections.TryGetValue(a.CollectionId, out var target) || target.DbId != a.DbId)
                throw Corrupt($"meta key '{kv.Key}': alias '{a.Alias}' points to collection {a.CollectionId}, which database {a.DbId} does not hold");
            state = state.WithAlias(new AliasEntry(a.Alias, a.DbId, a.CollectionId, a.CreatedTs));
        }
        foreach (var i in indexes)
        {
            if (!state.Collections.ContainsKey(i.CollectionId))
                throw Corrupt($"index '{i.IndexName}' ({i.IndexId}) belongs to collection {i.CollectionId}, which the catalog does not hold");
            state = state.WithIndex(i);
        }
        return state;
    }

    private static DatabaseInfo Decode(KeyValue kv, DatabaseRecord r)
    {
        if (string.IsNullOrEmpty(r.Name))
            throw Corrupt($"meta key '{kv.Key}' holds a database without a name");
        return new DatabaseInfo(r.Id, r.Name, r.CreatedTs, Freeze(r.Properties));
    }

    private static CollectionInfo Decode(KeyValue kv, CollectionRecord r)
    {
        if (string.IsNullOrEmpty(r.Name) || r.Schema.Fields.Count == 0)
            throw Corrupt($"meta key '{kv.Key}' holds a collection without a name or fields");
        if (!Enum.IsDefined((ConsistencyLevel)r.ConsistencyLevel) || !Enum.IsDefined((CollectionState)r.State))
            throw Corrupt($"meta key '{kv.Key}': collection '{r.Name}' has consistency level {r.ConsistencyLevel} / state {r.State}, which this build does not know");
        return new CollectionInfo(
            r.Id,
            r.DbId,
            r.Name,
            FromRecord(kv, r.Schema),
            r.ShardsNum,
            Array.AsReadOnly(r.VirtualChannels.ToArray()),
            (ConsistencyLevel)r.ConsistencyLevel,
            Freeze(r.Properties),
            r.CreatedTs,
            Array.AsReadOnly(r.Partitions.Select(p => new PartitionInfo(p.Id, p.Name, p.CreatedTs)).ToArray()),
            (CollectionState)r.State);
    }

    private static IndexDefinition Decode(IndexRecord r) =>
        new(r.IndexId, r.CollectionId, r.FieldId, r.FieldName, r.IndexName, r.IndexType, r.MetricType, Freeze(r.Params), r.CreatedTs);

    /// <summary>A read-only copy, so callers cannot change what the catalog holds.</summary>
    public static IReadOnlyDictionary<string, string> Freeze(IReadOnlyDictionary<string, string>? map) =>
        map is null || map.Count == 0 ? ImmutableDictionary<string, string>.Empty : map.ToImmutableDictionary(StringComparer.Ordinal);

    private static SchemaRecord ToRecord(CollectionSchema s) => new()
    {
        Name = s.Name,
        Description = s.Description,
        EnableDynamicField = s.EnableDynamicField,
        Fields = [.. s.Fields.Select(f => new FieldRecord
        {
            FieldId = f.FieldId,
            Name = f.Name,
            DataType = (int)f.DataType,
            Description = f.Description,
            IsPrimaryKey = f.IsPrimaryKey,
            AutoId = f.AutoId,
            Dim = f.Dim,
            MaxLength = f.MaxLength,
            ElementType = (int)f.ElementType,
            MaxCapacity = f.MaxCapacity,
            Nullable = f.Nullable,
            DefaultValue = EncodeDefault(f),
            IsPartitionKey = f.IsPartitionKey,
        })],
    };

    private static CollectionSchema FromRecord(KeyValue kv, SchemaRecord r) => new(r.Name, Array.AsReadOnly(r.Fields.Select(f =>
    {
        var type = (FieldType)f.DataType;
        if (!Enum.IsDefined(type) || !Enum.IsDefined((FieldType)f.ElementType))
            throw Corrupt($"meta key '{kv.Key}': field '{f.Name}' has data type {f.DataType} / element type {f.ElementType}, which this build does not know");
        return new FieldSchema(f.Name, type)
        {
            FieldId = f.FieldId,
            Description = f.Description,
            IsPrimaryKey = f.IsPrimaryKey,
            AutoId = f.AutoId,
            Dim = f.Dim,
            MaxLength = f.MaxLength,
            ElementType = (FieldType)f.ElementType,
            MaxCapacity = f.MaxCapacity,
            Nullable = f.Nullable,
            DefaultValue = DecodeDefault(kv, f.Name, type, f.DefaultValue),
            IsPartitionKey = f.IsPartitionKey,
        };
    }).ToArray()))
    {
        Description = r.Description,
        EnableDynamicField = r.EnableDynamicField,
    };

    /// <summary>A default value as JSON; NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (JSON has no numbers for them).</summary>
    private static JsonNode? EncodeDefault(FieldSchema f) => f.DefaultValue switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        double d when double.IsFinite(d) => JsonValue.Create(d),
        double d => JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        string s => JsonValue.Create(s),
        var other => throw new QuiverException(ErrorCode.IllegalSchema,
            $"field '{f.Name}': default value of type {other.GetType().Name} cannot be stored (use bool, long, double or string)"),
    };

    /// <summary>The default value typed by the field's data type: bool, long (Int8..Int64), double (Float, Double) or string.</summary>
    private static object? DecodeDefault(KeyValue kv, string field, FieldType type, JsonNode? node)
    {
        if (node is null)
            return null;
        try
        {
            var value = node.AsValue();
            return type switch
            {
                FieldType.Bool => value.GetValue<bool>(),
                FieldType.Int8 or FieldType.Int16 or FieldType.Int32 or FieldType.Int64 => value.GetValue<long>(),
                FieldType.Float or FieldType.Double => value.TryGetValue(out double d)
                    ? d
                    : double.Parse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture),
                FieldType.VarChar => value.GetValue<string>(),
                _ => throw new FormatException($"{type} fields have no default values"),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw Corrupt($"meta key '{kv.Key}': field '{field}' has default value {node.ToJsonString()}, which does not fit {type}: {e.Message}");
        }
    }

    private static QuiverException Corrupt(string message) => new(ErrorCode.DataCorrupted, message);
}
