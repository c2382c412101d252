using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

/// <summary>
/// Encoding of the coordinator's meta-store values: UTF-8 JSON objects, camelCase, each with a
/// <c>version</c> field. A reader refuses a version above <see cref="CurrentVersion"/> and names the key.
/// The shapes are listed in README.md.
/// </summary>
internal static class CoordinatorJson
{
    public const int CurrentVersion = 1;

    public static byte[] Encode<T>(T record, JsonTypeInfo<T> info) where T : VersionedRecord =>
        JsonSerializer.SerializeToUtf8Bytes(record, info);

    public static T Decode<T>(KeyValue kv, JsonTypeInfo<T> info, string what) where T : VersionedRecord
    {
        T? record;
        try
        {
            record = JsonSerializer.Deserialize(kv.Value, info);
        }
        catch (JsonException e)
        {
            throw new QuiverException(ErrorCode.DataCorrupted, $"meta key '{kv.Key}' does not hold a valid {what} record: {e.Message}", inner: e);
        }
        if (record is null)
            throw new QuiverException(ErrorCode.DataCorrupted, $"meta key '{kv.Key}' holds null instead of a {what} record");
        if (record.Version < 1)
            throw new QuiverException(ErrorCode.DataCorrupted, $"meta key '{kv.Key}' holds a {what} record without a version");
        if (record.Version > CurrentVersion)
            throw new QuiverException(ErrorCode.DataCorrupted,
                $"meta key '{kv.Key}' holds a {what} record of version {record.Version}; this build reads versions up to {CurrentVersion} (written by a newer Quiver?)");
        return record;
    }
}

/// <summary>Every persisted record starts with its format version.</summary>
internal abstract class VersionedRecord
{
    [JsonPropertyOrder(-1)]
    public int Version { get; set; }
}

/// <summary><c>{root}/meta/coordinator/tso</c>: the saved upper bound of the oracle's physical time.</summary>
internal sealed class TsoRecord : VersionedRecord
{
    public long PhysicalBoundMs { get; set; }
    public string Owner { get; set; } = "";
}

/// <summary><c>{root}/meta/coordinator/id</c>: the first id no allocator has reserved.</summary>
internal sealed class IdRecord : VersionedRecord
{
    public long Next { get; set; }
}

/// <summary><c>…/catalog/epoch</c>: rewritten by every catalog change; its revision guards the cache.</summary>
internal sealed class EpochRecord : VersionedRecord;

internal sealed class DatabaseRecord : VersionedRecord
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public ulong CreatedTs { get; set; }
    public Dictionary<string, string> Properties { get; set; } = [];
}

internal sealed class CollectionRecord : VersionedRecord
{
    public long Id { get; set; }
    public long DbId { get; set; }
    public string Name { get; set; } = "";
    public SchemaRecord Schema { get; set; } = new();
    public int ShardsNum { get; set; }
    public List<string> VirtualChannels { get; set; } = [];
    public int ConsistencyLevel { get; set; }
    public Dictionary<string, string> Properties { get; set; } = [];
    public ulong CreatedTs { get; set; }
    public List<PartitionRecord> Partitions { get; set; } = [];
    public int State { get; set; }
}

internal sealed class SchemaRecord
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public bool EnableDynamicField { get; set; }
    public List<FieldRecord> Fields { get; set; } = [];
}

internal sealed class FieldRecord
{
    public long FieldId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Milvus DataType number.</summary>
    public int DataType { get; set; }
    public string Description { get; set; } = "";
    public bool IsPrimaryKey { get; set; }
    public bool AutoId { get; set; }
    public int Dim { get; set; }
    public int MaxLength { get; set; }
    public int ElementType { get; set; }
    public int MaxCapacity { get; set; }
    public bool Nullable { get; set; }
    /// <summary>JSON boolean, number or string, read back as bool, long, double or string by <see cref="DataType"/>.</summary>
    public JsonNode? DefaultValue { get; set; }
    public bool IsPartitionKey { get; set; }
}

internal sealed class PartitionRecord
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public ulong CreatedTs { get; set; }
}

internal sealed class AliasRecord : VersionedRecord
{
    public string Alias { get; set; } = "";
    public long DbId { get; set; }
    public long CollectionId { get; set; }
    public ulong CreatedTs { get; set; }
}

internal sealed class IndexRecord : VersionedRecord
{
    public long IndexId { get; set; }
    public long CollectionId { get; set; }
    public long FieldId { get; set; }
    public string FieldName { get; set; } = "";
    public string IndexName { get; set; } = "";
    public string IndexType { get; set; } = "";
    public string MetricType { get; set; } = "";
    public Dictionary<string, string> Params { get; set; } = [];
    public ulong CreatedTs { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TsoRecord))]
[JsonSerializable(typeof(IdRecord))]
[JsonSerializable(typeof(EpochRecord))]
[JsonSerializable(typeof(DatabaseRecord))]
[JsonSerializable(typeof(CollectionRecord))]
[JsonSerializable(typeof(SchemaRecord))]
[JsonSerializable(typeof(AliasRecord))]
[JsonSerializable(typeof(IndexRecord))]
internal sealed partial class CoordinatorJsonContext : JsonSerializerContext;
