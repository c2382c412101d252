using System.Text.Json;
using System.Text.Json.Nodes;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Rest;

// collections/*, partitions/*, aliases/*, databases/*.
public sealed partial class RestApi
{
    private async Task<RestResponse> CreateCollectionAsync(Body b, CancellationToken ct)
    {
        string name = b.Collection;
        var p = Body.Params(b.Get("params"));
        var options = new CreateCollectionOptions
        {
            ShardsNum = p.TryGetValue("shardsNum", out var shards) ? Int(shards, "params.shardsNum") : 1,
            NumPartitions = p.TryGetValue("partitionsNum", out var parts) ? Int(parts, "params.partitionsNum") : null,
            ConsistencyLevel = p.TryGetValue("consistencyLevel", out var level) ? Level(level) : ConsistencyLevel.Bounded,
        };
        var indexes = new List<IndexSpec>();
        CollectionSchema schema;
        if (b.Get("schema") is { } s)
        {
            // Custom mode: the schema as given; indexes when indexParams are given (then the collection is loaded).
            var fields = new List<FieldSchema>();
            if (!s.TryGetProperty("fields", out var fs) || fs.ValueKind != JsonValueKind.Array) throw new RestInputException("'schema.fields' is required");
            bool autoId = s.TryGetProperty("autoID", out var a) && a.ValueKind == JsonValueKind.True;
            foreach (var f in fs.EnumerateArray()) fields.Add(Field(f, autoId));
            bool dynamic = (s.TryGetProperty("enableDynamicField", out var d) || s.TryGetProperty("enabledDynamicField", out d)) && d.ValueKind == JsonValueKind.True;
            schema = new CollectionSchema(name, fields) { EnableDynamicField = dynamic, Description = b.String("description") ?? "" };
            if (b.Get("indexParams") is { ValueKind: JsonValueKind.Array } ips)
                foreach (var ip in ips.EnumerateArray()) indexes.Add(Index(ip));
        }
        else
        {
            // Quick mode: id + vector (+ dynamic fields), an AUTOINDEX with the metric, loaded.
            long dim = b.Long("dimension") ?? throw new RestInputException("'dimension' is required (or give a 'schema')");
            string idType = b.String("idType") ?? "Int64";
            string pk = b.String("primaryFieldName") ?? "id", vector = b.String("vectorFieldName") ?? "vector";
            var pkField = idType switch
            {
                "Int64" => new FieldSchema(pk, FieldType.Int64) { IsPrimaryKey = true, AutoId = b.Bool("autoID") ?? false },
                "VarChar" => new FieldSchema(pk, FieldType.VarChar) { IsPrimaryKey = true, MaxLength = p.TryGetValue("max_length", out var ml) ? Int(ml, "params.max_length") : 65535 },
                _ => throw new RestInputException($"idType '{idType}' is not valid; use Int64 or VarChar"),
            };
            schema = new CollectionSchema(name, [pkField, new FieldSchema(vector, FieldType.FloatVector) { Dim = checked((int)dim) }])
            {
                EnableDynamicField = !p.TryGetValue("enableDynamicField", out var dyn) || !string.Equals(dyn, "false", StringComparison.OrdinalIgnoreCase),
                Description = b.String("description") ?? "",
            };
            indexes.Add(new IndexSpec(vector, "AUTOINDEX", b.String("metricType") ?? "COSINE"));
        }
        await client.CreateCollectionAsync(schema, options, b.Db, ct, load: false).ConfigureAwait(false);
        foreach (var index in indexes) await client.CreateIndexAsync(name, index, b.Db, ct).ConfigureAwait(false);
        if (indexes.Count > 0) await client.LoadCollectionAsync(name, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(new JsonObject());
    }

    private static FieldSchema Field(JsonElement f, bool autoId)
    {
        string name = f.TryGetProperty("fieldName", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new RestInputException("every field needs a 'fieldName'");
        var type = TypeOf(f.TryGetProperty("dataType", out var t) ? t.GetString() : null, name);
        var tp = f.TryGetProperty("elementTypeParams", out var e) ? Body.Params(e) : [];
        bool primary = f.TryGetProperty("isPrimary", out var ip) && ip.ValueKind == JsonValueKind.True;
        return new FieldSchema(name, type)
        {
            IsPrimaryKey = primary,
            AutoId = primary && autoId,
            IsPartitionKey = f.TryGetProperty("isPartitionKey", out var pk) && pk.ValueKind == JsonValueKind.True,
            Nullable = f.TryGetProperty("nullable", out var nl) && nl.ValueKind == JsonValueKind.True,
            Dim = tp.TryGetValue("dim", out var dim) ? Int(dim, $"{name}.dim") : 0,
            MaxLength = tp.TryGetValue("max_length", out var ml) ? Int(ml, $"{name}.max_length") : 0,
            MaxCapacity = tp.TryGetValue("max_capacity", out var mc) ? Int(mc, $"{name}.max_capacity") : 0,
            ElementType = f.TryGetProperty("elementDataType", out var et) && et.ValueKind == JsonValueKind.String ? TypeOf(et.GetString(), name) : FieldType.None,
            DefaultValue = f.TryGetProperty("defaultValue", out var dv) ? Body.Plain(dv) : null,
            Description = f.TryGetProperty("description", out var ds) && ds.ValueKind == JsonValueKind.String ? ds.GetString()! : "",
        };
    }

    private static IndexSpec Index(JsonElement ip)
    {
        string field = ip.TryGetProperty("fieldName", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : throw new RestInputException("every index needs a 'fieldName'");
        var p = ip.TryGetProperty("params", out var pe) ? Body.Params(pe) : [];
        string? type = ip.TryGetProperty("indexType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : p.GetValueOrDefault("index_type");
        p.Remove("index_type");
        string? metric = ip.TryGetProperty("metricType", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : p.GetValueOrDefault("metric_type");
        p.Remove("metric_type");
        string? name = ip.TryGetProperty("indexName", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return new IndexSpec(field, string.IsNullOrEmpty(type) ? "AUTOINDEX" : type, metric, p, name);
    }

    private static FieldType TypeOf(string? name, string field) => name switch
    {
        "Bool" => FieldType.Bool,
        "Int8" => FieldType.Int8,
        "Int16" => FieldType.Int16,
        "Int32" => FieldType.Int32,
        "Int64" => FieldType.Int64,
        "Float" => FieldType.Float,
        "Double" => FieldType.Double,
        "VarChar" => FieldType.VarChar,
        "JSON" => FieldType.Json,
        "Array" => FieldType.Array,
        "FloatVector" => FieldType.FloatVector,
        "BinaryVector" => FieldType.BinaryVector,
        "Float16Vector" => FieldType.Float16Vector,
        "BFloat16Vector" => FieldType.BFloat16Vector,
        "Int8Vector" => FieldType.Int8Vector,
        _ => throw new RestInputException($"field '{field}': dataType '{name}' is not supported; use Bool, Int8, Int16, Int32, Int64, Float, Double, VarChar, JSON, Array, FloatVector, BinaryVector, Float16Vector, BFloat16Vector or Int8Vector"),
    };

    private static string TypeName(FieldType t) => t == FieldType.Json ? "JSON" : t.ToString();

    private static int Int(string v, string key) =>
        int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int i) ? i : throw new RestInputException($"'{key}' must be an integer, got '{v}'");

    private static ConsistencyLevel Level(string v) => Enum.TryParse<ConsistencyLevel>(v.Trim('"'), ignoreCase: true, out var l) && Enum.IsDefined(l)
        ? l : throw new RestInputException($"consistencyLevel '{v}' is not valid; use Strong, Session, Bounded or Eventually");

    private async Task<RestResponse> DescribeCollectionAsync(Body b, CancellationToken ct)
    {
        var info = await client.DescribeCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        var state = await client.GetLoadStateAsync(info.Name, b.Db, ct).ConfigureAwait(false);
        var indexes = await client.ListIndexesAsync(info.Name, b.Db, ct).ConfigureAwait(false);
        var aliases = await client.ListAliasesAsync(info.Name, b.Db, ct).ConfigureAwait(false);
        var pk = info.Schema.PrimaryField;
        var fields = new JsonArray();
        foreach (var f in info.Schema.Fields)
        {
            var o = new JsonObject
            {
                ["name"] = f.Name, ["id"] = f.FieldId, ["type"] = TypeName(f.DataType), ["primaryKey"] = f.IsPrimaryKey, ["partitionKey"] = f.IsPartitionKey,
                ["autoId"] = f.AutoId, ["nullable"] = f.Nullable, ["description"] = f.Description,
            };
            var ps = new JsonArray();
            if (f.Dim > 0) ps.Add(new JsonObject { ["key"] = "dim", ["value"] = f.Dim.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            if (f.MaxLength > 0) ps.Add(new JsonObject { ["key"] = "max_length", ["value"] = f.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            if (f.MaxCapacity > 0) ps.Add(new JsonObject { ["key"] = "max_capacity", ["value"] = f.MaxCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            if (ps.Count > 0) o["params"] = ps;
            if (f.DataType == FieldType.Array) o["elementType"] = TypeName(f.ElementType);
            fields.Add(o);
        }
        return RestResponse.Ok(new JsonObject
        {
            ["collectionName"] = info.Name, ["collectionID"] = info.Id, ["description"] = info.Schema.Description, ["autoId"] = pk.AutoId,
            ["fields"] = fields,
            ["indexes"] = new JsonArray(indexes.Select(i => (JsonNode?)new JsonObject { ["fieldName"] = i.FieldName, ["indexName"] = i.IndexName, ["metricType"] = i.MetricType }).ToArray()),
            ["aliases"] = new JsonArray(aliases.Select(a => (JsonNode?)a.Alias).ToArray()),
            ["load"] = "LoadState" + (state == LoadState.NotLoad ? "NotLoad" : state.ToString()),
            ["shardsNum"] = info.ShardsNum, ["partitionsNum"] = info.Partitions.Count, ["consistencyLevel"] = info.ConsistencyLevel.ToString(),
            ["enableDynamicField"] = info.Schema.EnableDynamicField,
            ["properties"] = new JsonArray(info.Properties.Select(kv => (JsonNode?)new JsonObject { ["key"] = kv.Key, ["value"] = kv.Value }).ToArray()),
        });
    }

    private async Task<RestResponse> ListCollectionsAsync(Body b, CancellationToken ct) =>
        RestResponse.Ok(Strings(await client.ListCollectionsAsync(b.Db, ct).ConfigureAwait(false)));

    private async Task<RestResponse> HasCollectionAsync(Body b, CancellationToken ct) =>
        RestResponse.Ok(new JsonObject { ["has"] = await client.HasCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false) });

    private async Task<RestResponse> DropCollectionAsync(Body b, CancellationToken ct)
    {
        await client.DropCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> CollectionStatsAsync(Body b, CancellationToken ct)
    {
        // Statistics need no load (as in Milvus): live rows of the collection or of the named partitions.
        var partitions = b.String("partitionName") is { } one ? [one] : b.Strings("partitionNames");
        long rows = 0;
        foreach (var stats in partitions.Count == 0
            ? [await client.GetCollectionStatisticsAsync(b.Collection, b.Db, ct).ConfigureAwait(false)]
            : await Task.WhenAll(partitions.Select(p => client.GetPartitionStatisticsAsync(b.Collection, p, b.Db, ct))).ConfigureAwait(false))
            rows += long.Parse(stats["row_count"], System.Globalization.CultureInfo.InvariantCulture);
        return RestResponse.Ok(new JsonObject { ["rowCount"] = rows });
    }

    // collections/load and partitions/load: with partitionNames only those partitions are loaded (released).
    private async Task<RestResponse> LoadAsync(Body b, CancellationToken ct)
    {
        var partitions = b.Strings("partitionNames");
        if (partitions.Count > 0) await client.LoadPartitionsAsync(b.Collection, partitions, b.Db, ct).ConfigureAwait(false);
        else await client.LoadCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> ReleaseAsync(Body b, CancellationToken ct)
    {
        var partitions = b.Strings("partitionNames");
        if (partitions.Count > 0) await client.ReleasePartitionsAsync(b.Collection, partitions, b.Db, ct).ConfigureAwait(false);
        else await client.ReleaseCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> LoadStateAsync(Body b, CancellationToken ct)
    {
        var state = await client.GetLoadStateAsync(b.Collection, b.Strings("partitionNames"), b.Db, ct).ConfigureAwait(false);
        int progress = state == LoadState.Loaded ? 100 : 0;
        return RestResponse.Ok(new JsonObject { ["loadState"] = "LoadState" + state, ["loadProgress"] = progress });
    }

    private async Task<RestResponse> FlushAsync(Body b, CancellationToken ct)
    {
        await client.FlushAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> ListPartitionsAsync(Body b, CancellationToken ct) =>
        RestResponse.Ok(Strings(await client.ListPartitionsAsync(b.Collection, b.Db, ct).ConfigureAwait(false)));

    private async Task<RestResponse> HasPartitionAsync(Body b, CancellationToken ct) =>
        RestResponse.Ok(new JsonObject { ["has"] = await client.HasPartitionAsync(b.Collection, b.RequiredString("partitionName"), b.Db, ct).ConfigureAwait(false) });

    private async Task<RestResponse> CreatePartitionAsync(Body b, CancellationToken ct)
    {
        await client.CreatePartitionAsync(b.Collection, b.RequiredString("partitionName"), b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> DropPartitionAsync(Body b, CancellationToken ct)
    {
        await client.DropPartitionAsync(b.Collection, b.RequiredString("partitionName"), b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> CreateAliasAsync(Body b, CancellationToken ct)
    {
        await client.CreateAliasAsync(b.RequiredString("aliasName"), b.Collection, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> AlterAliasAsync(Body b, CancellationToken ct)
    {
        await client.AlterAliasAsync(b.RequiredString("aliasName"), b.Collection, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> DropAliasAsync(Body b, CancellationToken ct)
    {
        await client.DropAliasAsync(b.RequiredString("aliasName"), b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> DescribeAliasAsync(Body b, CancellationToken ct)
    {
        var a = await client.DescribeAliasAsync(b.RequiredString("aliasName"), b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(new JsonObject { ["aliasName"] = a.Alias, ["collectionName"] = a.CollectionName, ["dbName"] = a.DatabaseName });
    }

    private async Task<RestResponse> ListAliasesAsync(Body b, CancellationToken ct) =>
        RestResponse.Ok(Strings((await client.ListAliasesAsync(b.String("collectionName"), b.Db, ct).ConfigureAwait(false)).Select(a => a.Alias)));

    private async Task<RestResponse> CreateDatabaseAsync(Body b, CancellationToken ct)
    {
        await client.CreateDatabaseAsync(b.RequiredString("dbName"), ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> DropDatabaseAsync(Body b, CancellationToken ct)
    {
        await client.DropDatabaseAsync(b.RequiredString("dbName"), ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> ListDatabasesAsync(CancellationToken ct) =>
        RestResponse.Ok(Strings(await client.ListDatabasesAsync(ct).ConfigureAwait(false)));

    private async Task<RestResponse> DescribeDatabaseAsync(Body b, CancellationToken ct)
    {
        var d = await client.DescribeDatabaseAsync(b.RequiredString("dbName"), ct).ConfigureAwait(false);
        return RestResponse.Ok(new JsonObject
        {
            ["dbName"] = d.Name, ["dbID"] = d.Id,
            ["properties"] = new JsonArray(d.Properties.Select(kv => (JsonNode?)new JsonObject { ["key"] = kv.Key, ["value"] = kv.Value }).ToArray()),
        });
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());
}
