using Google.Protobuf;
using Grpc.Net.Client;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using KeyValuePair = Milvus.Proto.Common.KeyValuePair;

namespace Quiver.Cli.Tests;

/// <summary>SIGKILL the server while a client streams inserts over gRPC; after a restart every acknowledged row is there and searchable.</summary>
public class ServerCrashTests
{
    private const int Dim = 8;

    private static float Value(long id, int d) => (float)Math.Sin(id * 0.37 + d);

    private static InsertRequest Batch(long first, int n)
    {
        var ids = new LongArray();
        var floats = new FloatArray();
        for (long i = first; i < first + n; i++)
        {
            ids.Data.Add(i);
            for (int d = 0; d < Dim; d++) floats.Data.Add(Value(i, d));
        }
        return new InsertRequest
        {
            CollectionName = "crash", NumRows = (uint)n,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = ids } },
                new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = floats } },
            },
        };
    }

    private static async Task<(System.Diagnostics.Process Server, MilvusService.MilvusServiceClient Client, GrpcChannel Channel)> Start(string data)
    {
        var server = StandaloneProcessTests.Start(data);
        string ready = await StandaloneProcessTests.ReadUntil(server, "ready", TimeSpan.FromSeconds(60));
        string address = System.Text.RegularExpressions.Regex.Match(ready, @"gRPC ([0-9.]+:[0-9]+)").Groups[1].Value;
        var channel = GrpcChannel.ForAddress($"http://{address}");
        return (server, new MilvusService.MilvusServiceClient(channel), channel);
    }

    [Fact]
    public async Task EveryAcknowledgedInsertSurvivesASigkill()
    {
        using var dir = new ScratchDirectory("server-crash");
        var (server, client, channel) = await Start(dir.Path);
        var acknowledged = new List<long>();
        try
        {
            var schema = new CollectionSchema
            {
                Name = "crash",
                Fields =
                {
                    new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                    new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { new KeyValuePair { Key = "dim", Value = Dim.ToString(System.Globalization.CultureInfo.InvariantCulture) } } },
                },
            };
            Assert.Equal(0, (await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = "crash", Schema = schema.ToByteString(), ShardsNum = 2 })).Code);
            Assert.Equal(0, (await client.CreateIndexAsync(new CreateIndexRequest
            {
                CollectionName = "crash", FieldName = "vec",
                ExtraParams = { new KeyValuePair { Key = "index_type", Value = "FLAT" }, new KeyValuePair { Key = "metric_type", Value = "L2" } },
            })).Code);
            Assert.Equal(0, (await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "crash" })).Code);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            long next = 0;
            // Two writers, so the kill lands between and during calls; only calls answered Success count as acknowledged.
            var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    long first = Interlocked.Add(ref next, 50) - 50;
                    try
                    {
                        var r = await client.InsertAsync(Batch(first, 50));
                        if (r.Status.Code == 0) lock (acknowledged) acknowledged.AddRange(Enumerable.Range(0, 50).Select(i => first + i));
                    }
                    catch (Grpc.Core.RpcException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();
            // Kill mid-stream, once some writes were acknowledged (the first calls wait for the server's warm-up).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                lock (acknowledged) if (acknowledged.Count >= 1000) break;
                await Task.Delay(20);
            }
            await Task.Delay(Random.Shared.Next(0, 50));
            server.Kill(); // SIGKILL
            await server.WaitForExitAsync();
            await Task.WhenAll(writers);
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            channel.Dispose();
            server.Dispose();
        }
        Assert.NotEmpty(acknowledged);

        var (again, client2, channel2) = await Start(dir.Path);
        try
        {
            Assert.Equal(0, (await client2.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "crash" })).Code);
            var count = await client2.QueryAsync(new QueryRequest { CollectionName = "crash", OutputFields = { "count(*)" } });
            Assert.Equal(0, count.Status.Code);
            long rows = count.FieldsData[0].Scalars.LongData.Data[0];
            Assert.True(rows >= acknowledged.Count, $"{rows} rows after the restart, {acknowledged.Count} acknowledged");
            // Every acknowledged id is there (checked in chunks), and one is found by its vector.
            foreach (var chunk in acknowledged.Chunk(1000))
            {
                var q = await client2.QueryAsync(new QueryRequest { CollectionName = "crash", Expr = $"id in [{string.Join(",", chunk)}]", OutputFields = { "id" } });
                Assert.Equal(0, q.Status.Code);
                Assert.Equal(chunk.Order(), q.FieldsData.First(f => f.FieldName == "id").Scalars.LongData.Data.Order());
            }
            long probe = acknowledged[acknowledged.Count / 2];
            var vector = Enumerable.Range(0, Dim).Select(d => Value(probe, d)).ToArray();
            var group = new Milvus.Proto.Common.PlaceholderGroup
            {
                Placeholders = { new Milvus.Proto.Common.PlaceholderValue { Tag = "$0", Type = Milvus.Proto.Common.PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())) } } },
            };
            var hit = await client2.SearchAsync(new SearchRequest
            {
                CollectionName = "crash", PlaceholderGroup = group.ToByteString(), Nq = 1, UseDefaultConsistency = true,
                SearchParams = { new KeyValuePair { Key = "anns_field", Value = "vec" }, new KeyValuePair { Key = "topk", Value = "1" }, new KeyValuePair { Key = "metric_type", Value = "L2" } },
            });
            Assert.Equal(0, hit.Status.Code);
            Assert.Equal(probe, hit.Results.Ids.IntId.Data[0]);
        }
        finally
        {
            again.Kill(entireProcessTree: true);
            channel2.Dispose();
            again.Dispose();
        }
    }
}
