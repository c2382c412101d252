// Side measurement for perf.md (issue 8): warm-up and steady state of gRPC calls against an in-process QuiverServer,
// phase by phase (1000 calls each): GetVersion; Search over gRPC; GetVersion right after the calling thread has streamed
// 32 MB through the caches (the transport's cost when a memory-heavy search has just evicted it); the same search in
// process, directly and through Task.Run; and the server-side mean of Search (the interceptor's latency metric).
// ROWS random 784-d rows (default 10), INDEX (default FLAT for 10 rows, else HNSW), PHASES (default 8).
// Run from this folder: ROWS=20000 PHASES=12 dotnet run -c Release grpc-phases.cs
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
int dim = 784; string name = "c";
var schema = new CollectionSchema { Name = name, Fields = { new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true }, new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { new KeyValuePair { Key = "dim", Value = dim.ToString() } } } } };
await c.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() });
var rnd = new Random(1);
int rows = int.Parse(Environment.GetEnvironmentVariable("ROWS") ?? "10");
for (int first = 0; first < rows; first += 1000)
{
    int n = Math.Min(1000, rows - first);
    var ids = new LongArray(); var fl = new FloatArray();
    for (int i = first; i < first + n; i++) { ids.Data.Add(i); for (int d = 0; d < dim; d++) fl.Data.Add((float)rnd.NextDouble()); }
    await c.InsertAsync(new InsertRequest { CollectionName = name, NumRows = (uint)n, FieldsData = { new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = ids } }, new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = dim, FloatVector = fl } } } });
}
await c.FlushAsync(new FlushRequest { CollectionNames = { name } });
await c.CreateIndexAsync(new CreateIndexRequest { CollectionName = name, FieldName = "vec", ExtraParams = { new KeyValuePair { Key = "index_type", Value = Environment.GetEnvironmentVariable("INDEX") ?? (rows > 10 ? "HNSW" : "FLAT") }, new KeyValuePair { Key = "metric_type", Value = "L2" } } });
await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name });
var q = new float[dim];
for (int d = 0; d < dim; d++) q[d] = (float)rnd.NextDouble();
var group = new Milvus.Proto.Common.PlaceholderGroup { Placeholders = { new Milvus.Proto.Common.PlaceholderValue { Tag = "$0", Type = Milvus.Proto.Common.PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(q.AsSpan())) } } } };
var req = new SearchRequest { CollectionName = name, PlaceholderGroup = group.ToByteString(), Nq = 1, UseDefaultConsistency = true, SearchParams = { new KeyValuePair { Key = "anns_field", Value = "vec" }, new KeyValuePair { Key = "topk", Value = "10" }, new KeyValuePair { Key = "metric_type", Value = "L2" }, new KeyValuePair { Key = "params", Value = "{\"ef\": 64}" } } };
var inproc = new Quiver.Node.Client.SearchRequest { Vectors = q, Limit = 10, Metric = "L2", Params = new Dictionary<string, string> { ["ef"] = "64" } };
int phases = int.TryParse(Environment.GetEnvironmentVariable("PHASES"), out int p0) ? p0 : 8;
long thrashT0 = 0;
var junk = new byte[32 << 20];
long sink = 0;
void Thrash() { for (int i = 0; i < junk.Length; i += 64) sink += junk[i]++; }
var sw = Stopwatch.StartNew();
double lastSum = 0, lastCnt = 0;
var toEnter = new List<double>(); var inside = new List<double>(); var fromExit = new List<double>();
for (int phase = 0; phase < phases; phase++)
{
    foreach (var (label, f) in new (string, Func<Task>)[] {
        ("GetVersion", async () => await c.GetVersionAsync(new GetVersionRequest())),
        ("Search", async () => await c.SearchAsync(req)),
        ("GetVersion-thrashed", async () => { Thrash(); thrashT0 = Stopwatch.GetTimestamp(); await c.GetVersionAsync(new GetVersionRequest()); }),
        ("inproc", async () => await server.Client.SearchAsync(name, inproc)),
        ("inproc-hop", async () => await Task.Run(() => server.Client.SearchAsync(name, inproc))),
    })
    {
        var lat = new List<double>();
        for (int i = 0; i < 1000; i++) { thrashT0 = 0; long t0 = Stopwatch.GetTimestamp(); await f(); lat.Add(Stopwatch.GetElapsedTime(thrashT0 != 0 ? thrashT0 : t0).TotalMicroseconds); }
        lat.Sort();
        Console.Write($"{label} {lat[500]:F0}  ");
    }
    var sb = new System.Text.StringBuilder(); server.Metrics.WriteTo(sb);
    var text = sb.ToString();
    double sum = double.Parse(System.Text.RegularExpressions.Regex.Match(text, "milvus_proxy_req_latency_sum\\{function_name=\"Search\"\\} ([0-9.E+-]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    double cnt = double.Parse(System.Text.RegularExpressions.Regex.Match(text, "milvus_proxy_req_latency_count\\{function_name=\"Search\"\\} ([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    Console.WriteLine($"server-side mean {1000 * (sum - lastSum) / (cnt - lastCnt):F0} us t={sw.Elapsed.TotalSeconds:F1}s");
    lastSum = sum; lastCnt = cnt;

}
