#:project ../../../node/Quiver.Server/Quiver.Server.csproj
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
#:package Grpc.Net.Client
using System.Diagnostics;
using Grpc.Net.Client;
using Milvus.Proto.Milvus;
using Quiver.Server;
var dir = Path.Combine(Path.GetTempPath(), "rtt-" + Environment.ProcessId);
await using var server = await QuiverServer.StartAsync(new ServerOptions { DataDirectory = dir, GrpcPort = 0 });
using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
var c = new MilvusService.MilvusServiceClient(channel);
var sw = Stopwatch.StartNew();
for (int phase = 0; phase < 20; phase++)
{
    var lat = new List<double>();
    for (int i = 0; i < 2000; i++) { long t0 = Stopwatch.GetTimestamp(); await c.GetVersionAsync(new GetVersionRequest()); lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds); }
    lat.Sort();
    Console.WriteLine($"t={sw.Elapsed.TotalSeconds:F1}s GetVersion p50 {lat[1000]:F0} us");
}
