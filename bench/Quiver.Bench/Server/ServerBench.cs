using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Grpc.Net.Client;
using Milvus.Proto.Common;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using Quiver.Datasets;
using Quiver.Server;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;

namespace Quiver.Bench.Server;

/// <summary>
/// <c>quiver-bench server</c>: the standalone server through its Milvus gRPC API against the same engine called in process.
/// Durable inserts of 128-d vectors over gRPC (rows/s), and fashion-mnist HNSW search QPS with p50/p99 over gRPC with 1 and
/// 8 concurrent clients beside the in-process client on the same engine. Starts its own server (port 0) unless --addr is
/// given (then only the gRPC rows). One JSON line per measurement.
/// </summary>
internal static class ServerBench
{
    public static int Run(string? address, bool quick, string? output, string? directory, string? dataDir)
    {
        // quiver-bench runs with tiered compilation off (kernels measured in final code from the first call). With it off the
        // runtime never recompiles ReadyToRun code, and Kestrel, HTTP/2, gRPC and protobuf all ship as ReadyToRun: a gRPC round
        // trip then stays at about 110 µs here instead of the 35–45 µs a server reaches once tiered compilation and PGO have
        // recompiled its hot paths (measured with bench/scripts/grpc-rtt.cs). The server runs with the runtime's defaults, so
        // this benchmark does too: it starts itself again with tiered compilation and PGO on, and warms up before measuring.
        if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is null)
        {
            var self = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") self.ArgumentList.Add(typeof(ServerBench).Assembly.Location);
            foreach (string a in Environment.GetCommandLineArgs().Skip(1)) self.ArgumentList.Add(a);
            self.Environment["DOTNET_TieredCompilation"] = "1";
            self.Environment["DOTNET_TieredPGO"] = "1";
            using var child = System.Diagnostics.Process.Start(self)!;
            child.WaitForExit();
            return child.ExitCode;
        }
        return RunAsync(address, quick, output, directory, dataDir).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string? address, bool quick, string? output, string? directory, string? dataDir)
    {
        using var lines = new ResultLines(output);
        string root = Path.Combine(directory ?? Path.GetTempPath(), $"quiver-server-bench-{Environment.ProcessId}");
        QuiverServer? server = null;
        try
        {
            if (address is null)
            {
                server = await QuiverServer.StartAsync(new ServerOptions
                {
                    DataDirectory = root, GrpcPort = 0,
                    Engine = new Quiver.Node.Client.QuiverClientOptions { SealBytes = long.MaxValue, SealAfter = TimeSpan.FromDays(1) },
                });
                address = $"127.0.0.1:{server.GrpcPort}";
            }
            using var channel = GrpcChannel.ForAddress($"http://{address}", new GrpcChannelOptions { MaxSendMessageSize = 64 << 20, MaxReceiveMessageSize = 64 << 20 });
            var grpc = new MilvusService.MilvusServiceClient(channel);
            Check((await grpc.ConnectAsync(new ConnectRequest { ClientInfo = new ClientInfo { SdkType = "quiver-bench" } })).Status);

            foreach (var row in await Inserts(grpc, quick ? 50_000 : 200_000)) lines.Emit(row);
            foreach (var row in await Searches(grpc, server, dataDir, quick)) lines.Emit(row);
            // The transport alone: a trivial call's round trip, after the searches have warmed the transport up.
            {
                var rtt = new List<double>();
                for (int i = 0; i < 2000; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    Check((await grpc.GetVersionAsync(new GetVersionRequest())).Status);
                    if (i >= 200) rtt.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
                rtt.Sort();
                lines.Emit(new Dictionary<string, object> { ["bench"] = "server_rtt", ["transport"] = "grpc", ["rpc"] = "GetVersion", ["p50_us"] = Math.Round(rtt[rtt.Count / 2]), ["p99_us"] = Math.Round(rtt[(int)(rtt.Count * 0.99)]) });
            }
            return 0;
        }
        finally
        {
            if (server != null) await server.StopAsync();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static void Check(Status status)
    {
        if (status.Code != 0)
            throw new InvalidOperationException($"server answered code {status.Code}: {status.Reason}");
    }

    private static async Task CreateCollection(MilvusService.MilvusServiceClient grpc, string name, int dim)
    {
        var schema = new CollectionSchema
        {
            Name = name,
            Fields =
            {
                new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { new KeyValuePair { Key = "dim", Value = dim.ToString(CultureInfo.InvariantCulture) } } },
            },
        };
        await grpc.DropCollectionAsync(new DropCollectionRequest { CollectionName = name });
        Check(await grpc.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString(), ShardsNum = 1 }));
    }

    private static InsertRequest Batch(string name, int first, int n, int dim, Func<int, int, float> value)
    {
        var ids = new LongArray();
        var floats = new FloatArray();
        for (int i = 0; i < n; i++)
        {
            ids.Data.Add(first + i);
            for (int d = 0; d < dim; d++) floats.Data.Add(value(first + i, d));
        }
        return new InsertRequest
        {
            CollectionName = name, NumRows = (uint)n,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = ids } },
                new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = dim, FloatVector = floats } },
            },
        };
    }

    private static async Task<List<Dictionary<string, object>>> Inserts(MilvusService.MilvusServiceClient grpc, int rows)
    {
        const int dim = 128, batch = 2000;
        await CreateCollection(grpc, "insert128", dim);
        var random = new Random(7);
        var requests = new List<InsertRequest>();
        for (int first = 0; first < rows; first += batch)
            requests.Add(Batch("insert128", first, Math.Min(batch, rows - first), dim, (_, _) => (float)random.NextDouble()));
        var results = new List<Dictionary<string, object>>();
        foreach (int clients in new[] { 1, 4 })
        {
            await CreateCollection(grpc, "insert128", dim);
            int next = -1;
            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < requests.Count)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    var r = await grpc.InsertAsync(requests[i]);
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    Check(r.Status);
                }
            })));
            double seconds = sw.Elapsed.TotalSeconds;
            var lat = latencies.Order().ToList();
            results.Add(new Dictionary<string, object>
            {
                ["bench"] = "server_insert", ["transport"] = "grpc", ["dim"] = dim, ["rows"] = rows, ["batch"] = batch, ["clients"] = clients,
                ["rows_per_s"] = Math.Round(rows / seconds), ["p50_ms"] = Math.Round(lat[lat.Count / 2], 2), ["p99_ms"] = Math.Round(lat[(int)(lat.Count * 0.99)], 2),
                ["note"] = "each call returns when its rows are durable in the WAL and searchable",
            });
        }
        return results;
    }

    private static async Task<List<Dictionary<string, object>>> Searches(MilvusService.MilvusServiceClient grpc, QuiverServer? server, string? dataDir, bool quick)
    {
        var ds = DatasetCatalog.Load("fashion-mnist", dataDir);
        const int k = 10;
        int nq = quick ? 1000 : 5000;
        var warmUp = TimeSpan.FromSeconds(quick ? 5 : 20);
        await CreateCollection(grpc, "fmnist", ds.Dim);
        for (int first = 0; first < ds.TrainCount; first += 2000)
        {
            int n = Math.Min(2000, ds.TrainCount - first);
            Check((await grpc.InsertAsync(Batch("fmnist", first, n, ds.Dim, (row, d) => ds.Train[row * ds.Dim + d]))).Status);
        }
        Check((await grpc.FlushAsync(new FlushRequest { CollectionNames = { "fmnist" } })).Status);
        Check(await grpc.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = "fmnist", FieldName = "vec",
            ExtraParams = { new KeyValuePair { Key = "index_type", Value = "HNSW" }, new KeyValuePair { Key = "metric_type", Value = "L2" }, new KeyValuePair { Key = "params", Value = """{"M": 16, "efConstruction": 200}""" } },
        }));
        Check(await grpc.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "fmnist" }));
        var truth = GroundTruth.Get(ds, 100);

        var results = new List<Dictionary<string, object>>();
        foreach (int clients in new[] { 1, 8 })
        {
            results.Add(await Measure("grpc", clients, nq, ds, truth, warmUp, async q =>
            {
                var group = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ds.TestRow(q))) } } } };
                var r = await grpc.SearchAsync(new Milvus.Proto.Milvus.SearchRequest
                {
                    CollectionName = "fmnist", PlaceholderGroup = group.ToByteString(), DslType = DslType.BoolExprV1, Nq = 1, UseDefaultConsistency = true,
                    SearchParams =
                    {
                        new KeyValuePair { Key = "anns_field", Value = "vec" }, new KeyValuePair { Key = "topk", Value = "10" },
                        new KeyValuePair { Key = "metric_type", Value = "L2" }, new KeyValuePair { Key = "params", Value = """{"ef": 64}""" },
                    },
                });
                Check(r.Status);
                return r.Results.Ids.IntId.Data.ToArray();
            }));
            if (server != null)
            {
                var engine = server.Client;
                results.Add(await Measure("inprocess", clients, nq, ds, truth, warmUp, async q =>
                {
                    var hits = await engine.SearchAsync("fmnist", new Quiver.Node.Client.SearchRequest
                    {
                        Vectors = ds.TestRow(q).ToArray(), Limit = k, Metric = "L2", Params = new Dictionary<string, string> { ["ef"] = "64" },
                    });
                    return hits[0].Select(h => (long)h.Id).ToArray();
                }));
            }
        }
        return results;
    }

    private static async Task<Dictionary<string, object>> Measure(string transport, int clients, int nq, Dataset ds, int[] truth, TimeSpan warmUp, Func<int, Task<long[]>> search)
    {
        // Warm up for a fixed time, not a call count: tiered compilation and PGO take seconds of traffic to recompile the
        // transport's hot paths (a gRPC round trip falls from ~200 µs to ~40 µs over the first ~10 s here).
        var warm = Stopwatch.StartNew();
        for (int q = 0; warm.Elapsed < warmUp; q++) await search(q % ds.TestCount);
        int next = -1;
        double hits = 0;
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < nq)
            {
                int q = i % ds.TestCount;
                long t0 = Stopwatch.GetTimestamp();
                var ids = await search(q);
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                var gt = truth.AsSpan(q * 100, 10).ToArray();
                double found = ids.Count(id => Array.IndexOf(gt, (int)id) >= 0);
                lock (latencies) hits += found;
            }
        })));
        double seconds = sw.Elapsed.TotalSeconds;
        var lat = latencies.Order().ToList();
        return new Dictionary<string, object>
        {
            ["bench"] = "server_search", ["transport"] = transport, ["clients"] = clients, ["index"] = "HNSW", ["dataset"] = "fashion-mnist", ["ef"] = 64, ["k"] = 10,
            ["queries"] = nq, ["warmup_s"] = warmUp.TotalSeconds, ["recall"] = Math.Round(hits / (nq * 10.0), 4), ["qps"] = Math.Round(nq / seconds, 1),
            ["p50_us"] = Math.Round(lat[lat.Count / 2]), ["p99_us"] = Math.Round(lat[(int)(lat.Count * 0.99)]),
        };
    }
}
