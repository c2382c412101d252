using System.Text.Json;
using System.Text.Json.Nodes;
using Quiver.Kernel.Numerics;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Rest;

// entities/* and indexes/*: rows as JSON objects in, rows as JSON objects out.
public sealed partial class RestApi
{
    private async Task<RestResponse> InsertAsync(Body b, bool upsert, CancellationToken ct)
    {
        var info = await client.DescribeCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        if (b.Get("data") is not { ValueKind: JsonValueKind.Array } data) throw new RestInputException("'data' must be a list of rows (JSON objects)");
        var rows = data.EnumerateArray().ToList();
        for (int i = 0; i < rows.Count; i++)
            if (rows[i].ValueKind != JsonValueKind.Object) throw new RestInputException($"data[{i}] is not a JSON object");
        var insert = Columns(info.Schema, rows, upsert);
        var result = upsert
            ? await client.UpsertAsync(info.Name, insert, b.String("partitionName"), b.Db, ct).ConfigureAwait(false)
            : await client.InsertAsync(info.Name, insert, b.String("partitionName"), b.Db, ct).ConfigureAwait(false);
        var ids = new JsonArray(result.Ids.Cast<object>().Select(id => Value(id, b.AcceptInt64)).ToArray());
        return RestResponse.Ok(upsert
            ? new JsonObject { ["upsertCount"] = rows.Count, ["upsertIds"] = ids }
            : new JsonObject { ["insertCount"] = rows.Count, ["insertIds"] = ids });
    }

    /// <summary>JSON rows → the engine's columns: one typed array per field present in any row (validity where some row lacks it), keys outside the schema as dynamic JSON.</summary>
    private static InsertData Columns(CollectionSchema schema, List<JsonElement> rows, bool upsert)
    {
        int n = rows.Count;
        var insert = new InsertData(n);
        var known = new HashSet<string>(schema.Fields.Select(f => f.Name), StringComparer.Ordinal);
        foreach (var f in schema.Fields)
        {
            if (f.IsPrimaryKey && f.AutoId && !upsert)
            {
                if (rows.Any(r => r.TryGetProperty(f.Name, out _))) throw new RestInputException($"'{f.Name}' is an auto-id primary key; leave it out of the rows");
                continue;
            }
            var valid = new bool[n];
            int present = 0;
            for (int i = 0; i < n; i++)
                if (rows[i].TryGetProperty(f.Name, out var v) && v.ValueKind != JsonValueKind.Null) { valid[i] = true; present++; }
            if (present == 0 && (f.Nullable || f.DefaultValue != null)) continue;
            if (present < n && !(f.Nullable || f.DefaultValue != null))
                throw new RestInputException($"field '{f.Name}' is missing in data[{Array.IndexOf(valid, false)}] and is neither nullable nor has a default value");
            insert.Column(f.Name, Values(f, rows, valid), present < n ? valid : null);
        }
        if (schema.EnableDynamicField)
        {
            var dynamic = new string?[n];
            for (int i = 0; i < n; i++)
            {
                JsonObject? extra = null;
                foreach (var p in rows[i].EnumerateObject())
                    if (!known.Contains(p.Name)) (extra ??= new JsonObject())[p.Name] = JsonNode.Parse(p.Value.GetRawText());
                dynamic[i] = extra?.ToJsonString();
            }
            insert.Dynamic(dynamic);
        }
        else
        {
            foreach (var p in rows.SelectMany(r => r.EnumerateObject()))
                if (!known.Contains(p.Name)) throw new RestInputException($"field '{p.Name}' is not in collection '{schema.Name}' (and it has no dynamic field)");
        }
        return insert;
    }

    private static Array Values(FieldSchema f, List<JsonElement> rows, bool[] valid)
    {
        int n = rows.Count;
        JsonElement At(int i) => rows[i].GetProperty(f.Name);
        string where(int i) => $"data[{i}].{f.Name}";
        switch (f.DataType)
        {
            case FieldType.FloatVector:
            case FieldType.Float16Vector:
            case FieldType.BFloat16Vector:
            {
                var flat = new float[n * f.Dim];
                for (int i = 0; i < n; i++)
                {
                    var v = At(i);
                    if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != f.Dim) throw new RestInputException($"{where(i)} must be a list of {f.Dim} numbers");
                    int j = 0;
                    foreach (var x in v.EnumerateArray()) flat[i * f.Dim + j++] = Number(x, where(i));
                }
                if (f.DataType == FieldType.FloatVector) return flat;
                var bytes = new byte[flat.Length * 2];
                for (int k = 0; k < flat.Length; k++)
                {
                    ushort bits = f.DataType == FieldType.Float16Vector ? BitConverter.HalfToUInt16Bits((Half)flat[k]) : ((BFloat16)flat[k]).Bits;
                    bytes[2 * k] = (byte)bits;
                    bytes[2 * k + 1] = (byte)(bits >> 8);
                }
                return bytes;
            }
            case FieldType.BinaryVector:
            case FieldType.Int8Vector:
            {
                int per = f.DataType.VectorBytes(f.Dim);
                var bytes = new byte[n * per];
                for (int i = 0; i < n; i++)
                {
                    var v = At(i);
                    if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != per) throw new RestInputException($"{where(i)} must be a list of {per} integers");
                    int j = 0;
                    foreach (var x in v.EnumerateArray())
                    {
                        long b = x.TryGetInt64(out long l) ? l : throw new RestInputException($"{where(i)} must hold integers");
                        bytes[i * per + j++] = f.DataType == FieldType.Int8Vector ? (byte)(sbyte)checked((sbyte)b) : checked((byte)b);
                    }
                }
                return bytes;
            }
            case FieldType.Array:
            {
                var clr = SegmentBatchBuilder.ElementClrType(f.ElementType);
                var result = Array.CreateInstance(clr.MakeArrayType(), n);
                for (int i = 0; i < n; i++)
                {
                    if (!valid[i]) continue;
                    var v = At(i);
                    if (v.ValueKind != JsonValueKind.Array) throw new RestInputException($"{where(i)} must be a list");
                    var items = v.EnumerateArray().ToList();
                    var element = Array.CreateInstance(clr, items.Count);
                    for (int j = 0; j < items.Count; j++) element.SetValue(Scalar(f.ElementType, items[j], where(i)), j);
                    result.SetValue(element, i);
                }
                return result;
            }
            default:
            {
                var clr = f.DataType is FieldType.VarChar or FieldType.Json ? typeof(string) : SegmentBatchBuilder.ElementClrType(f.DataType);
                var result = Array.CreateInstance(clr, n);
                for (int i = 0; i < n; i++)
                    if (valid[i]) result.SetValue(f.DataType == FieldType.Json ? At(i).GetRawText() : Scalar(f.DataType, At(i), where(i)), i);
                return result;
            }
        }
    }

    private static object Scalar(FieldType type, JsonElement v, string where)
    {
        try
        {
            return type switch
            {
                FieldType.Bool => v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw new FormatException() },
                FieldType.Int8 => checked((sbyte)Long(v)),
                FieldType.Int16 => checked((short)Long(v)),
                FieldType.Int32 => checked((int)Long(v)),
                FieldType.Int64 => Long(v),
                FieldType.Float => Number(v, where),
                FieldType.Double => v.GetDouble(),
                FieldType.VarChar => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException(),
                _ => throw new FormatException(),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new RestInputException($"{where} = {v.GetRawText()} is not a valid {type}");
        }

        static long Long(JsonElement v) => v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetInt64();
    }

    private static float Number(JsonElement v, string where) =>
        v.ValueKind == JsonValueKind.Number ? v.GetSingle() : throw new RestInputException($"{where} must hold numbers");

    /// <summary>An engine value as JSON: int64 as a number (or a string when the caller cannot take 64-bit integers), JSON text parsed, arrays and vectors as lists.</summary>
    private static JsonNode? Value(object? v, bool int64) => v switch
    {
        null => null,
        long l => int64 ? JsonValue.Create(l) : JsonValue.Create(l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        bool x => JsonValue.Create(x),
        sbyte x => JsonValue.Create(x),
        short x => JsonValue.Create(x),
        int x => JsonValue.Create(x),
        float x => JsonValue.Create(x),
        double x => JsonValue.Create(x),
        string s => JsonValue.Create(s),
        float[] fs => new JsonArray(fs.Select(x => (JsonNode?)x).ToArray()),
        byte[] bs => new JsonArray(bs.Select(x => (JsonNode?)(int)x).ToArray()),
        Array a => new JsonArray(a.Cast<object?>().Select(x => Value(x, int64)).ToArray()),
        _ => JsonValue.Create(v.ToString()),
    };

    /// <summary>One result row as JSON: the requested fields, JSON fields parsed, dynamic keys (<c>$meta</c>) flattened into the row.</summary>
    private static JsonObject Row(CollectionSchema schema, IReadOnlyDictionary<string, object?> fields, bool int64)
    {
        var row = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (name == CollectionSchema.DynamicFieldName)
            {
                if (value is string meta && JsonNode.Parse(meta) is JsonObject extra)
                    foreach (var (k, v) in extra) row[k] = v?.DeepClone();
                continue;
            }
            row[name] = schema.Field(name)?.DataType == FieldType.Json && value is string json ? JsonNode.Parse(json) : Value(value, int64);
        }
        return row;
    }

    private async Task<RestResponse> QueryAsync(Body b, CancellationToken ct)
    {
        var info = await client.DescribeCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        var outputs = b.Strings("outputFields");
        bool count = outputs.Count == 1 && string.Equals(outputs[0], QuiverClient.CountStar, StringComparison.OrdinalIgnoreCase);
        var request = new QueryRequest
        {
            Filter = b.String("filter"), FilterParams = b.TemplateValues(), OutputFields = outputs.Count > 0 ? outputs : ["*"],
            Limit = count ? null : b.Long("limit") ?? (string.IsNullOrWhiteSpace(b.String("filter")) ? 100 : null), Offset = b.Long("offset") ?? 0,
            Partitions = b.Strings("partitionNames"), ConsistencyLevel = b.String("consistencyLevel") is { } l ? Level(l) : null,
        };
        var rows = await client.QueryAsync(info.Name, request, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(new JsonArray(rows.Select(r => (JsonNode?)Row(info.Schema, r, b.AcceptInt64)).ToArray()));
    }

    private async Task<RestResponse> GetAsync(Body b, CancellationToken ct)
    {
        var info = await client.DescribeCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        if (b.Get("id") is not { } id) throw new RestInputException("'id' is required (a key or a list of keys)");
        var items = id.ValueKind == JsonValueKind.Array ? id.EnumerateArray().ToList() : [id];
        Array keys = info.Schema.PrimaryField.DataType == FieldType.Int64
            ? items.Select(x => (long)Scalar(FieldType.Int64, x, "id")).ToArray()
            : items.Select(x => (string)Scalar(FieldType.VarChar, x, "id")).ToArray();
        var outputs = b.Strings("outputFields");
        var rows = await client.GetAsync(info.Name, keys, outputs.Count > 0 ? outputs : null, b.Strings("partitionNames"), b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(new JsonArray(rows.Select(r => (JsonNode?)Row(info.Schema, r, b.AcceptInt64)).ToArray()));
    }

    private async Task<RestResponse> DeleteAsync(Body b, CancellationToken ct)
    {
        string filter = b.String("filter") is { Length: > 0 } f ? f : throw new RestInputException("'filter' is required");
        var partitions = b.String("partitionName") is { } p ? [p] : (IReadOnlyList<string>?)null;
        var result = await client.DeleteAsync(b.Collection, filter, b.TemplateValues(), partitions, b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(new JsonObject { ["deleteCount"] = result.DeleteCount });
    }

    private async Task<RestResponse> SearchAsync(Body b, CancellationToken ct)
    {
        var info = await client.DescribeCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        var request = SearchOf(info.Schema, b.Root, b);
        var hits = await client.SearchAsync(info.Name, request, b.Db, ct).ConfigureAwait(false);
        string pk = info.Schema.PrimaryField.Name;
        var flat = new JsonArray();
        foreach (var list in hits)
            foreach (var h in list)
            {
                var row = Row(info.Schema, h.Fields, b.AcceptInt64);
                row[pk] = Value(h.Id, b.AcceptInt64);
                row["distance"] = h.Distance;
                if (h.GroupByValue is { } g) row["groupByFieldValue"] = Value(g, b.AcceptInt64);
                flat.Add(row);
            }
        return new RestResponse(0, flat, Topks: hits.Select(h => h.Count).ToList());
    }

    /// <summary>A search (or one part of a hybrid search) from its JSON: data, annsField, filter, limit, offset, outputFields, searchParams / params.</summary>
    private static SearchRequest SearchOf(CollectionSchema schema, JsonElement e, Body outer)
    {
        var part = new Body(e, outer.AcceptInt64);
        var field = SearchExecutor.ResolveVectorField(schema, part.String("annsField"));
        if (part.Get("data") is not { ValueKind: JsonValueKind.Array } data || data.GetArrayLength() == 0) throw new RestInputException("'data' must be a non-empty list of query vectors");
        var queries = data.EnumerateArray().ToList();
        float[]? floats = null;
        byte[]? packed = null;
        if (field.DataType is FieldType.FloatVector or FieldType.Float16Vector or FieldType.BFloat16Vector)
        {
            floats = new float[queries.Count * field.Dim];
            for (int q = 0; q < queries.Count; q++)
            {
                if (queries[q].ValueKind != JsonValueKind.Array || queries[q].GetArrayLength() != field.Dim)
                    throw new RestInputException($"data[{q}] must be a vector of {field.Dim} numbers (field '{field.Name}' has dim {field.Dim})");
                int j = 0;
                foreach (var x in queries[q].EnumerateArray()) floats[q * field.Dim + j++] = Number(x, $"data[{q}]");
            }
        }
        else
        {
            int per = field.DataType.VectorBytes(field.Dim);
            packed = new byte[queries.Count * per];
            for (int q = 0; q < queries.Count; q++)
            {
                if (queries[q].ValueKind != JsonValueKind.Array || queries[q].GetArrayLength() != per) throw new RestInputException($"data[{q}] must be a list of {per} integers");
                int j = 0;
                foreach (var x in queries[q].EnumerateArray()) packed[q * per + j++] = field.DataType == FieldType.Int8Vector ? (byte)checked((sbyte)x.GetInt64()) : checked((byte)x.GetInt64());
            }
        }
        var sp = part.Get("searchParams");
        var sparams = sp is { ValueKind: JsonValueKind.Object } s ? s : (JsonElement?)null;
        var parameters = Body.Params(sparams is { } s1 && s1.TryGetProperty("params", out var inner) ? inner : part.Get("params"));
        string? metric = sparams is { } s2 && s2.TryGetProperty("metricType", out var m) ? m.GetString() : part.String("metricType");
        bool ignoreGrowing = sparams is { } s3 && s3.TryGetProperty("ignoreGrowing", out var ig) && ig.ValueKind == JsonValueKind.True;
        var outputs = outer.Strings("outputFields");
        return new SearchRequest
        {
            Vectors = floats, PackedVectors = packed, VectorField = field.Name, Metric = metric, Params = parameters,
            Limit = checked((int)(part.Long("limit") ?? 100)), Offset = checked((int)(part.Long("offset") ?? 0)),
            OutputFields = outputs, Filter = part.String("filter"), FilterParams = part.TemplateValues(),
            Partitions = outer.Strings("partitionNames"), IgnoreGrowing = ignoreGrowing,
            GroupByField = part.String("groupingField"), GroupSize = checked((int)(part.Long("groupSize") ?? 1)), StrictGroupSize = part.Bool("strictGroupSize") ?? false,
            ConsistencyLevel = outer.String("consistencyLevel") is { } l ? Level(l) : null,
        };
    }

    private async Task<RestResponse> HybridSearchAsync(Body b, CancellationToken ct)
    {
        var info = await client.DescribeCollectionAsync(b.Collection, b.Db, ct).ConfigureAwait(false);
        if (b.Get("search") is not { ValueKind: JsonValueKind.Array } parts) throw new RestInputException("'search' must be a list of searches");
        var requests = parts.EnumerateArray().Select(p => SearchOf(info.Schema, p, b) with { OutputFields = [] }).ToList();
        Ranker ranker = new RrfRanker();
        if (b.Get("rerank") is { ValueKind: JsonValueKind.Object } rerank)
        {
            string strategy = rerank.TryGetProperty("strategy", out var st) ? st.GetString() ?? "rrf" : "rrf";
            var rp = rerank.TryGetProperty("params", out var rpe) ? rpe : default;
            ranker = strategy.ToLowerInvariant() switch
            {
                "rrf" => new RrfRanker(rp.ValueKind == JsonValueKind.Object && rp.TryGetProperty("k", out var k) ? k.GetInt32() : 60),
                "weighted" => new WeightedRanker(rp.ValueKind == JsonValueKind.Object && rp.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.Array
                    ? w.EnumerateArray().Select(x => x.GetSingle()).ToList() : throw new RestInputException("the weighted reranker needs params.weights"),
                    !(rp.TryGetProperty("norm_score", out var ns) && ns.ValueKind == JsonValueKind.False)),
                _ => throw new RestInputException($"rerank strategy '{strategy}' is not supported; use rrf or weighted"),
            };
        }
        var hits = await client.HybridSearchAsync(info.Name, new HybridSearchRequest
        {
            Requests = requests, Ranker = ranker, Limit = checked((int)(b.Long("limit") ?? 100)), Offset = checked((int)(b.Long("offset") ?? 0)),
            OutputFields = b.Strings("outputFields"), Partitions = b.Strings("partitionNames"),
            ConsistencyLevel = b.String("consistencyLevel") is { } l ? Level(l) : null,
        }, b.Db, ct).ConfigureAwait(false);
        string pk = info.Schema.PrimaryField.Name;
        var flat = new JsonArray();
        foreach (var list in hits)
            foreach (var h in list)
            {
                var row = Row(info.Schema, h.Fields, b.AcceptInt64);
                row[pk] = Value(h.Id, b.AcceptInt64);
                row["distance"] = h.Distance;
                flat.Add(row);
            }
        return new RestResponse(0, flat, Topks: hits.Select(h => h.Count).ToList());
    }

    private async Task<RestResponse> CreateIndexAsync(Body b, CancellationToken ct)
    {
        if (b.Get("indexParams") is not { ValueKind: JsonValueKind.Array } list) throw new RestInputException("'indexParams' must be a list");
        foreach (var ip in list.EnumerateArray()) await client.CreateIndexAsync(b.Collection, Index(ip), b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }

    private async Task<RestResponse> DescribeIndexAsync(Body b, CancellationToken ct)
    {
        var d = await client.DescribeIndexAsync(b.Collection, b.RequiredString("indexName"), b.Db, ct).ConfigureAwait(false);
        var def = d.Definition;
        var o = new JsonObject
        {
            ["indexName"] = def.IndexName, ["fieldName"] = def.FieldName, ["indexType"] = def.IndexType, ["metricType"] = def.MetricType,
            ["totalRows"] = d.TotalRows, ["indexedRows"] = d.IndexedRows, ["pendingRows"] = d.PendingIndexRows, ["indexState"] = d.State, ["failReason"] = "",
        };
        foreach (var (k, v) in def.Params) o[k] = v;
        return RestResponse.Ok(new JsonArray(o));
    }

    private async Task<RestResponse> ListIndexesAsync(Body b, CancellationToken ct) =>
        RestResponse.Ok(Strings((await client.ListIndexesAsync(b.Collection, b.Db, ct).ConfigureAwait(false)).Select(i => i.IndexName)));

    private async Task<RestResponse> DropIndexAsync(Body b, CancellationToken ct)
    {
        await client.DropIndexAsync(b.Collection, b.RequiredString("indexName"), b.Db, ct).ConfigureAwait(false);
        return RestResponse.Ok(null);
    }
}
