#:project ../../../node/Quiver.Server/Quiver.Server.csproj
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
int dim = 784; string name = "c";
var schema = new CollectionSchema { Name = name, Fields = { new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true }, new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { new KeyValuePair { Key = "dim", Value = dim.ToString() } } } } };
await c.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() });
var rnd = new Random(1);
var ids = new LongArray(); var fl = new FloatArray();
for (int i = 0; i < 10; i++) { ids.Data.Add(i); for (int d = 0; d < dim; d++) fl.Data.Add((float)rnd.NextDouble()); }
await c.InsertAsync(new InsertRequest { CollectionName = name, NumRows = 10, FieldsData = { new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = ids } }, new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = dim, FloatVector = fl } } } });
await c.FlushAsync(new FlushRequest { CollectionNames = { name } });
await c.CreateIndexAsync(new CreateIndexRequest { CollectionName = name, FieldName = "vec", ExtraParams = { new KeyValuePair { Key = "index_type", Value = "FLAT" }, new KeyValuePair { Key = "metric_type", Value = "L2" } } });
await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name });
var q = new float[dim];
for (int d = 0; d < dim; d++) q[d] = (float)rnd.NextDouble();
var group = new Milvus.Proto.Common.PlaceholderGroup { Placeholders = { new Milvus.Proto.Common.PlaceholderValue { Tag = "$0", Type = Milvus.Proto.Common.PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(q.AsSpan())) } } } };
var req = new SearchRequest { CollectionName = name, PlaceholderGroup = group.ToByteString(), Nq = 1, UseDefaultConsistency = true, SearchParams = { new KeyValuePair { Key = "anns_field", Value = "vec" }, new KeyValuePair { Key = "topk", Value = "10" }, new KeyValuePair { Key = "metric_type", Value = "L2" }, new KeyValuePair { Key = "params", Value = "{\"ef\": 64}" } } };
var inproc = new Quiver.Node.Client.SearchRequest { Vectors = q, Limit = 10, Metric = "L2" };
int phases = int.TryParse(Environment.GetEnvironmentVariable("PHASES"), out int p0) ? p0 : 8;
var sw = Stopwatch.StartNew();
for (int phase = 0; phase < phases; phase++)
{
    foreach (var (label, f) in new (string, Func<Task>)[] {
        ("GetVersion", async () => await c.GetVersionAsync(new GetVersionRequest())),
        ("Search", async () => await c.SearchAsync(req)),
        ("inproc", async () => await server.Client.SearchAsync(name, inproc)),
    })
    {
        var lat = new List<double>();
        for (int i = 0; i < 2000; i++) { long t0 = Stopwatch.GetTimestamp(); await f(); lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds); }
        lat.Sort();
        Console.Write($"{label} {lat[1000]:F0}  ");
    }
    Console.WriteLine($"t={sw.Elapsed.TotalSeconds:F1}s");
}
