using Google.Protobuf;
using Grpc.Core;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using static Quiver.Server.Tests.MilvusServerHarness;

namespace Quiver.Server.Tests;

/// <summary>Bad requests get a failure Status over gRPC OK (never a gRPC error), and the server keeps serving.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task Bad_requests_answer_a_status_and_the_server_keeps_serving()
    {
        await using var h = await StartAsync();
        var c = h.Client;
        var data = new Dataset(50, seed: 2);
        Ok(await c.CreateCollectionAsync(Dataset.Create("items")));
        Ok((await c.InsertAsync(data.Insert("items"))).Status);
        Ok(await c.CreateIndexAsync(IndexRequest("items", "vec", "FLAT", "L2")));
        Ok(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "items" }));

        // Wrong dimension: 2 rows of 7 floats for dim 8.
        var wrongDim = new InsertRequest { CollectionName = "items", NumRows = 2 };
        wrongDim.FieldsData.Add(Longs("id", [900, 901]));
        wrongDim.FieldsData.Add(Strings("tag", ["x", "y"]));
        wrongDim.FieldsData.Add(Doubles("score", [0, 0]));
        wrongDim.FieldsData.Add(Json("meta", ["{}", "{}"]));
        wrongDim.FieldsData.Add(FloatVectors("vec", Dataset.Dim, new float[14]));
        Failed((await c.InsertAsync(wrongDim)).Status, 1100, "dimension");

        // Unknown field.
        var unknown = data.Insert("items");
        unknown.FieldsData.Add(Longs("nope", data.Ids));
        Failed((await c.InsertAsync(unknown)).Status, 1700, "nope");

        // Query vector of the wrong dimension.
        Failed((await c.SearchAsync(Search("items", "vec", [new float[3]], 5, "L2"))).Status, 1100, "dimension");

        // Bad filter.
        var badFilter = await c.SearchAsync(Search("items", "vec", Dataset.Queries(1, 1), 5, "L2", "score >>> 1"));
        Failed(badFilter.Status, 1100);
        Failed((await c.QueryAsync(new QueryRequest { CollectionName = "items", Expr = "tag == ", OutputFields = { "id" } })).Status, 1100);

        // topk over 16384.
        Failed((await c.SearchAsync(Search("items", "vec", Dataset.Queries(1, 1), 20000, "L2"))).Status, 1100, "16384");

        // Metric mismatch with the index.
        Failed((await c.SearchAsync(Search("items", "vec", Dataset.Queries(1, 1), 5, "IP"))).Status, 1100);

        // Missing collection: merr 100 and the legacy CollectionNotExists (4).
        var missing = await c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "ghost" });
        Failed(missing.Status, 100, "ghost");
        // A failure's request id goes back in the trailers: the client's own when it sends one, else the server's.
        var traced = c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "ghost" }, new Metadata { { "client-request-id", "sdk-7" } });
        Failed((await traced).Status, 100);
        Assert.Equal("sdk-7", traced.GetTrailers().GetValue("request-id"));
        var untraced = c.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "ghost" });
        await untraced;
        Assert.Matches("^[0-9a-f]{6}-[0-9a-f]+$", untraced.GetTrailers().GetValue("request-id"));
#pragma warning disable CS0612
        Assert.Equal(global::Milvus.Proto.Common.ErrorCode.CollectionNotExists, missing.Status.ErrorCode);
#pragma warning restore CS0612
        Failed((await c.InsertAsync(new InsertRequest { CollectionName = "ghost", NumRows = 1, FieldsData = { Longs("id", [1]) } })).Status, 100);
        Failed((await c.SearchAsync(Search("ghost", "vec", Dataset.Queries(1, 1), 5))).Status, 100);

        // Malformed schema bytes.
        var malformed = new CreateCollectionRequest { CollectionName = "broken", Schema = ByteString.CopyFrom(0x0A, 0xFF, 0xFF, 0x01) };
        Failed(await c.CreateCollectionAsync(malformed), 1100, "schema");
        // Schema without fields, and an unsupported type.
        Failed(await c.CreateCollectionAsync(CreateRequest("empty", false)), 105);
        Failed(await c.CreateCollectionAsync(CreateRequest("sparse", false, Field("id", DataType.Int64, pk: true), Field("s", DataType.SparseFloatVector))), 3000);

        // Indexing a missing field, describing a missing index.
        Failed(await c.CreateIndexAsync(IndexRequest("items", "ghost_field", "HNSW", "L2")), 1700);

        // Malformed placeholder group.
        var badGroup = Search("items", "vec", Dataset.Queries(1, 1), 5, "L2");
        badGroup.PlaceholderGroup = ByteString.CopyFrom(0x0A, 0x05, 0x01);
        Failed((await c.SearchAsync(badGroup)).Status, 1100);

        // An RPC Quiver does not serve: a status naming it, not a gRPC error.
        var metrics = await c.GetMetricsAsync(new GetMetricsRequest());
        Failed(metrics.Status, 3000, "GetMetrics");
        Failed(await c.CreateRoleAsync(new CreateRoleRequest()), 3000, "CreateRole");
        // A response without a status field can only refuse through gRPC.
        var dummy = await Assert.ThrowsAsync<RpcException>(async () => await c.DummyAsync(new DummyRequest()));
        Assert.Equal(StatusCode.Unimplemented, dummy.StatusCode);

        // Still serving, data intact.
        var ok = await c.QueryAsync(new QueryRequest { CollectionName = "items", Expr = "", OutputFields = { "count(*)" } });
        Ok(ok.Status);
        Assert.Equal(50, ok.FieldsData[0].Scalars.LongData.Data[0]);
        Ok((await c.GetVersionAsync(new GetVersionRequest())).Status);
    }

    [Fact]
    public async Task Authorization_refuses_missing_or_wrong_credentials()
    {
        await using var h = await StartAsync(authorization: true);
        var c = h.Client;
        Failed((await c.GetVersionAsync(new GetVersionRequest())).Status, 1400, "not authenticated");
        var connect = await c.ConnectAsync(new ConnectRequest());
        Failed(connect.Status, 1400);
        Failed((await c.ShowCollectionsAsync(new ShowCollectionsRequest(), Auth("root", "wrong"))).Status, 1400);
        Failed((await c.ShowCollectionsAsync(new ShowCollectionsRequest(), new Metadata { { "authorization", "%%%not-base64" } })).Status, 1400);

        var root = Auth("root", "Milvus");
        Ok((await c.GetVersionAsync(new GetVersionRequest(), root)).Status);
        Ok(await c.CreateCollectionAsync(Dataset.Create("secured"), root));

        // A user made with CreateCredential (password base64 in the request, as the SDKs send it).
        string password = Convert.ToBase64String("s3cret!"u8.ToArray());
        Ok(await c.CreateCredentialAsync(new CreateCredentialRequest { Username = "alice", Password = password }, root));
        Assert.Contains("alice", (await c.ListCredUsersAsync(new ListCredUsersRequest(), root)).Usernames);
        var alice = Auth("alice", "s3cret!");
        var shown = await c.ShowCollectionsAsync(new ShowCollectionsRequest(), alice);
        Ok(shown.Status);
        Assert.Equal(["secured"], shown.CollectionNames);
        Failed((await c.ShowCollectionsAsync(new ShowCollectionsRequest(), Auth("alice", "nope"))).Status, 1400);

        Ok(await c.DeleteCredentialAsync(new DeleteCredentialRequest { Username = "alice" }, root));
        Failed((await c.ShowCollectionsAsync(new ShowCollectionsRequest(), alice)).Status, 1400);
    }

    [Fact]
    public async Task Stop_commits_and_a_restarted_server_serves_the_same_data()
    {
        var dir = new ScratchDirectory("server-restart");
        try
        {
            var data = new Dataset(40, seed: 4);
            var first = await QuiverServer.StartAsync(new ServerOptions { DataDirectory = dir.Path, GrpcPort = 0 });
            using (var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{first.GrpcPort}"))
            {
                var c = new MilvusService.MilvusServiceClient(channel);
                Ok(await c.CreateCollectionAsync(Dataset.Create("kept")));
                Ok((await c.InsertAsync(data.Insert("kept"))).Status);
                Ok(await c.CreateIndexAsync(IndexRequest("kept", "vec", "FLAT", "L2")));
            }
            await first.StopAsync();
            Assert.True(first.Completion.IsCompletedSuccessfully);

            await using var second = await QuiverServer.StartAsync(new ServerOptions { DataDirectory = dir.Path, GrpcPort = 0 });
            using var channel2 = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{second.GrpcPort}");
            var c2 = new MilvusService.MilvusServiceClient(channel2);
            Ok(await c2.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "kept" }));
            var count = await c2.QueryAsync(new QueryRequest { CollectionName = "kept", OutputFields = { "count(*)" } });
            Ok(count.Status);
            Assert.Equal(40, count.FieldsData[0].Scalars.LongData.Data[0]);
        }
        finally
        {
            dir.Dispose();
        }
    }

    [Fact]
    public async Task Users_and_passwords_survive_a_restart()
    {
        var dir = new ScratchDirectory("server-users");
        try
        {
            var options = new ServerOptions { DataDirectory = dir.Path, GrpcPort = 0, AuthorizationEnabled = true };
            var first = await QuiverServer.StartAsync(options);
            using (var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{first.GrpcPort}"))
            {
                var c = new MilvusService.MilvusServiceClient(channel);
                var root = Auth("root", "Milvus");
                Ok(await c.CreateCredentialAsync(new CreateCredentialRequest { Username = "bob", Password = Convert.ToBase64String("hunter22"u8.ToArray()) }, root));
                Ok(await c.UpdateCredentialAsync(new UpdateCredentialRequest
                {
                    Username = "root", OldPassword = Convert.ToBase64String("Milvus"u8.ToArray()), NewPassword = Convert.ToBase64String("changed1"u8.ToArray()),
                }, root));
                var tooShort = await c.CreateCredentialAsync(new CreateCredentialRequest { Username = "eve", Password = Convert.ToBase64String("abc"u8.ToArray()) }, Auth("root", "changed1"));
                Failed(tooShort, 1100);
            }
            await first.StopAsync();

            // The root password given at start is only the first one: the changed one is kept.
            await using var second = await QuiverServer.StartAsync(options);
            using var channel2 = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{second.GrpcPort}");
            var c2 = new MilvusService.MilvusServiceClient(channel2);
            Ok((await c2.GetVersionAsync(new GetVersionRequest(), Auth("bob", "hunter22"))).Status);
            Ok((await c2.GetVersionAsync(new GetVersionRequest(), Auth("root", "changed1"))).Status);
            Failed((await c2.GetVersionAsync(new GetVersionRequest(), Auth("root", "Milvus"))).Status, 1400);
            Assert.Equal(["bob", "root"], (await c2.ListCredUsersAsync(new ListCredUsersRequest(), Auth("bob", "hunter22"))).Usernames);
        }
        finally
        {
            dir.Dispose();
        }
    }
}
