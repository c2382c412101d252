using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Milvus.Proto.Common;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;
using Status = Milvus.Proto.Common.Status;

namespace Quiver.Server.Tests;

/// <summary>A QuiverServer on a free port over a scratch directory, with a generated Milvus client over h2c.</summary>
public sealed class MilvusServerHarness : IAsyncDisposable
{
    private readonly ScratchDirectory _dir;
    private readonly GrpcChannel _channel;

    private MilvusServerHarness(ScratchDirectory dir, QuiverServer server, string? user, string? password)
    {
        _dir = dir;
        Server = server;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}", new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        Client = new MilvusService.MilvusServiceClient(_channel);
        Headers = Auth(user, password);
    }

    public QuiverServer Server { get; }

    public MilvusService.MilvusServiceClient Client { get; }

    /// <summary>Metadata sent with every call the tests make through the harness (credentials, dbname).</summary>
    public Metadata Headers { get; }

    public static async Task<MilvusServerHarness> StartAsync(bool authorization = false, string? user = null, string? password = null)
    {
        var dir = new ScratchDirectory("server");
        var server = await QuiverServer.StartAsync(new ServerOptions
        {
            DataDirectory = dir.Path,
            GrpcPort = 0,
            AuthorizationEnabled = authorization,
            Engine = new() { BackgroundInterval = TimeSpan.FromMilliseconds(200) },
        });
        return new MilvusServerHarness(dir, server, user, password);
    }

    public static Metadata Auth(string? user, string? password)
    {
        var m = new Metadata();
        if (user is not null) m.Add("authorization", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return m;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Server.StopAsync();
        _dir.Dispose();
    }

    // ---------------------------------------------------------------- request builders

    public static FieldSchema Field(string name, DataType type, bool pk = false, int dim = 0, int maxLength = 0, bool nullable = false, bool autoId = false)
    {
        var f = new FieldSchema { Name = name, DataType = type, IsPrimaryKey = pk, Nullable = nullable, AutoID = autoId };
        if (dim > 0) f.TypeParams.Add(new KeyValuePair { Key = "dim", Value = dim.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (maxLength > 0) f.TypeParams.Add(new KeyValuePair { Key = "max_length", Value = maxLength.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return f;
    }

    public static CreateCollectionRequest CreateRequest(string name, bool dynamic, params FieldSchema[] fields)
    {
        var schema = new CollectionSchema { Name = name, EnableDynamicField = dynamic };
        schema.Fields.Add(fields);
        return new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString(), ShardsNum = 1, ConsistencyLevel = ConsistencyLevel.Strong };
    }

    public static FieldData Longs(string name, IEnumerable<long> values) =>
        new() { Type = DataType.Int64, FieldName = name, Scalars = new ScalarField { LongData = new LongArray { Data = { values } } } };

    public static FieldData Doubles(string name, IEnumerable<double> values) =>
        new() { Type = DataType.Double, FieldName = name, Scalars = new ScalarField { DoubleData = new DoubleArray { Data = { values } } } };

    public static FieldData Strings(string name, IEnumerable<string> values) =>
        new() { Type = DataType.VarChar, FieldName = name, Scalars = new ScalarField { StringData = new StringArray { Data = { values } } } };

    public static FieldData Json(string name, IEnumerable<string> values, bool dynamic = false) =>
        new()
        {
            Type = DataType.Json,
            FieldName = name,
            IsDynamic = dynamic,
            Scalars = new ScalarField { JsonData = new JSONArray { Data = { values.Select(ByteString.CopyFromUtf8) } } },
        };

    public static FieldData FloatVectors(string name, int dim, IEnumerable<float> flat) =>
        new() { Type = DataType.FloatVector, FieldName = name, Vectors = new VectorField { Dim = dim, FloatVector = new FloatArray { Data = { flat } } } };

    public static ByteString Placeholder(IEnumerable<float[]> queries)
    {
        var value = new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector };
        foreach (var q in queries)
        {
            var bytes = new byte[q.Length * 4];
            Buffer.BlockCopy(q, 0, bytes, 0, bytes.Length);
            value.Values.Add(ByteString.CopyFrom(bytes));
        }
        return new PlaceholderGroup { Placeholders = { value } }.ToByteString();
    }

    /// <summary>A search request laid out as the SDKs send it (search_params as strings, params as JSON, each param repeated flat).</summary>
    public static SearchRequest Search(string collection, string field, IReadOnlyList<float[]> queries, int topk, string metric = "", string filter = "",
        string paramsJson = "{}", params string[] outputFields)
    {
        var r = new SearchRequest
        {
            CollectionName = collection,
            Dsl = filter,
            DslType = DslType.BoolExprV1,
            PlaceholderGroup = Placeholder(queries),
            Nq = queries.Count,
            UseDefaultConsistency = true,
        };
        r.OutputFields.Add(outputFields);
        r.SearchParams.Add(new KeyValuePair { Key = "anns_field", Value = field });
        r.SearchParams.Add(new KeyValuePair { Key = "topk", Value = topk.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        r.SearchParams.Add(new KeyValuePair { Key = "metric_type", Value = metric });
        r.SearchParams.Add(new KeyValuePair { Key = "params", Value = paramsJson });
        r.SearchParams.Add(new KeyValuePair { Key = "offset", Value = "0" });
        r.SearchParams.Add(new KeyValuePair { Key = "round_decimal", Value = "-1" });
        r.SearchParams.Add(new KeyValuePair { Key = "ignore_growing", Value = "false" });
        return r;
    }

    public static CreateIndexRequest IndexRequest(string collection, string field, string indexType, string metric, string paramsJson = "{}")
    {
        var r = new CreateIndexRequest { CollectionName = collection, FieldName = field };
        if (indexType.Length > 0) r.ExtraParams.Add(new KeyValuePair { Key = "index_type", Value = indexType });
        r.ExtraParams.Add(new KeyValuePair { Key = "metric_type", Value = metric });
        r.ExtraParams.Add(new KeyValuePair { Key = "params", Value = paramsJson });
        return r;
    }

#pragma warning disable CS0612 // the legacy error_code is what the SDKs check
    public static void Ok(Status status) =>
        Assert.True(status.ErrorCode == ErrorCode.Success && status.Code == 0, $"expected success, got {status.ErrorCode}/{status.Code}: {status.Reason}");

    public static void Failed(Status status, int code, string? reasonContains = null)
    {
        Assert.NotNull(status);
        Assert.NotEqual(ErrorCode.Success, status.ErrorCode);
        Assert.Equal(code, status.Code);
        if (reasonContains is not null) Assert.Contains(reasonContains, status.Reason, StringComparison.OrdinalIgnoreCase);
    }
#pragma warning restore CS0612
}
