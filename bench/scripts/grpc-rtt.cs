// Side measurement for perf.md (issue 8): warm p50 of small gRPC calls against an in-process QuiverServer, beside the
// same search in process, on 10-row FLAT collections at 8-d and 784-d (ROWS=20000: HNSW over that many random rows).
// Run from this folder: dotnet run -c Release grpc-rtt.cs
#:project ../../node/Quiver.Server/Quiver.Server.csproj
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
#:package Grpc.Net.Client
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Net.Client;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using Quiver.Server;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;

var dir = Path.Combine(Path.GetTempPath(), "rtt-" + Environment.ProcessId);
await using var server = await QuiverServer.StartAsync(new ServerOptions { DataDirectory = dir, GrpcPort = 0 });
using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
var c = new MilvusService.MilvusServiceClient(channel);
int rows = int.TryParse(Environment.GetEnvironmentVariable("ROWS"), out int r0) ? r0 : 10;
string indexType = rows > 10 ? "HNSW" : "FLAT";
foreach (int dim in new[] { 8, 784 })
{
    string name = $"c{dim}";
    var schema = new CollectionSchema { Name = name, Fields = { new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true }, new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { new KeyValuePair { Key = "dim", Value = dim.ToString() } } } } };
    await c.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() });
    var rnd = new Random(1);
    for (int first = 0; first < rows; first += 1000)
    {
        int n = Math.Min(1000, rows - first);
        var ids = new LongArray(); var fl = new FloatArray();
        for (int i = first; i < first + n; i++) { ids.Data.Add(i); for (int d = 0; d < dim; d++) fl.Data.Add((float)rnd.NextDouble()); }
        await c.InsertAsync(new InsertRequest { CollectionName = name, NumRows = (uint)n, FieldsData = { new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = ids } }, new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = dim, FloatVector = fl } } } });
    }
    await c.FlushAsync(new FlushRequest { CollectionNames = { name } });
    await c.CreateIndexAsync(new CreateIndexRequest { CollectionName = name, FieldName = "vec", ExtraParams = { new KeyValuePair { Key = "index_type", Value = indexType }, new KeyValuePair { Key = "metric_type", Value = "L2" } } });
    await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name });
    var q = new float[dim];
    for (int d = 0; d < dim; d++) q[d] = (float)rnd.NextDouble();
    var group = new Milvus.Proto.Common.PlaceholderGroup { Placeholders = { new Milvus.Proto.Common.PlaceholderValue { Tag = "$0", Type = Milvus.Proto.Common.PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(q.AsSpan())) } } } };
    var req = new SearchRequest { CollectionName = name, PlaceholderGroup = group.ToByteString(), Nq = 1, UseDefaultConsistency = true, SearchParams = { new KeyValuePair { Key = "anns_field", Value = "vec" }, new KeyValuePair { Key = "topk", Value = "10" }, new KeyValuePair { Key = "metric_type", Value = "L2" } } };
    var inproc = new Quiver.Node.Client.SearchRequest { Vectors = q, Limit = 10, Metric = "L2" };
    foreach (var (label, f) in new (string, Func<Task>)[] {
        ("GetVersion", async () => await c.GetVersionAsync(new GetVersionRequest())),
        ("Search grpc", async () => await c.SearchAsync(req)),
        ("Search inproc", async () => await server.Client.SearchAsync(name, inproc)),
        ("Query grpc", async () => await c.QueryAsync(new QueryRequest { CollectionName = name, Expr = "id == 3", OutputFields = { "id" } })),
        ("Describe grpc", async () => await c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name })),
    })
    {
        for (int i = 0; i < 3000; i++) await f();
        var lat = new List<double>();
        for (int i = 0; i < 3000; i++) { long t0 = Stopwatch.GetTimestamp(); await f(); lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds); }
        lat.Sort();
        Console.WriteLine($"dim {dim} {label}: p50 {lat[1500]:F0} us");
    }
}
