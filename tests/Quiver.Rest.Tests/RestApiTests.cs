using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Quiver.Node.Client;

namespace Quiver.Rest.Tests;

public class RestApiTests
{
    private const int Dim = 8;

    private static async Task<JsonObject> Call(RestApi api, string endpoint, string body, string? auth = null)
    {
        var r = await api.HandleAsync(endpoint, Encoding.UTF8.GetBytes(body), auth);
        return r.ToJson();
    }

    private static float[] Vector(int i)
    {
        var r = new Random(i);
        return Enumerable.Range(0, Dim).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
    }

    private static string Json(float[] v) => "[" + string.Join(",", v.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";

    [Fact]
    public async Task QuickCollectionThroughTheWholeFlow()
    {
        using var dir = new ScratchDirectory("rest");
        await using var client = await QuiverClient.OpenAsync(dir.Path);
        var api = new RestApi(client);
        Assert.Equal(0, (int)(await Call(api, "collections/create", """{"collectionName":"docs","dimension":8,"metricType":"COSINE"}"""))["code"]!);
        var describe = await Call(api, "collections/describe", """{"collectionName":"docs"}""");
        Assert.Equal("LoadStateLoaded", (string)describe["data"]!["load"]!);
        Assert.Equal("id", (string)describe["data"]!["fields"]![0]!["name"]!);

        var rows = Enumerable.Range(0, 200).Select(i => $$"""{"id":{{i}},"vector":{{Json(Vector(i))}},"color":"{{(i % 2 == 0 ? "red" : "blue")}}","n":{{i}}}""");
        var insert = await Call(api, "entities/insert", $$"""{"collectionName":"docs","data":[{{string.Join(",", rows)}}]}""");
        Assert.Equal(0, (int)insert["code"]!);
        Assert.Equal(200, (int)insert["data"]!["insertCount"]!);

        // Search: COSINE similarity against brute force; dynamic keys come back as top-level fields.
        var q = Vector(1000);
        var expected = Enumerable.Range(0, 200).Where(i => i % 2 == 0).OrderByDescending(i => Cosine(q, Vector(i))).Take(5).ToList();
        var search = await Call(api, "entities/search", $$"""{"collectionName":"docs","data":[{{Json(q)}}],"limit":5,"filter":"color == \"red\"","outputFields":["color","n"]}""");
        Assert.Equal(0, (int)search["code"]!);
        var hits = search["data"]!.AsArray();
        Assert.Equal(expected.Select(i => (long)i), hits.Select(h => (long)h!["id"]!));
        Assert.All(hits, h => Assert.Equal("red", (string)h!["color"]!));
        Assert.Equal(Cosine(q, Vector(expected[0])), (float)hits[0]!["distance"]!, 4);
        Assert.Equal(5, (int)search["topks"]![0]!);

        var query = await Call(api, "entities/query", """{"collectionName":"docs","filter":"n < 5","outputFields":["n"]}""");
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, query["data"]!.AsArray().Select(r => (long)r!["id"]!));
        var count = await Call(api, "entities/query", """{"collectionName":"docs","filter":"color == \"blue\"","outputFields":["count(*)"]}""");
        Assert.Equal(100, (long)count["data"]![0]!["count(*)"]!);
        var get = await Call(api, "entities/get", """{"collectionName":"docs","id":[3, 7]}""");
        Assert.Equal(2, get["data"]!.AsArray().Count);

        var deleted = await Call(api, "entities/delete", """{"collectionName":"docs","filter":"n >= 100"}""");
        Assert.Equal(100, (long)deleted["data"]!["deleteCount"]!);
        var stats = await Call(api, "collections/get_stats", """{"collectionName":"docs"}""");
        Assert.Equal(100, (long)stats["data"]!["rowCount"]!);

        Assert.Equal(0, (int)(await Call(api, "collections/flush", """{"collectionName":"docs"}"""))["code"]!);
        var index = await Call(api, "indexes/describe", """{"collectionName":"docs","indexName":"vector"}""");
        Assert.Equal("Finished", (string)index["data"]![0]!["indexState"]!);
        Assert.Equal(0, (int)(await Call(api, "partitions/create", """{"collectionName":"docs","partitionName":"p1"}"""))["code"]!);
        Assert.Contains("p1", (await Call(api, "partitions/list", """{"collectionName":"docs"}"""))["data"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(0, (int)(await Call(api, "aliases/create", """{"collectionName":"docs","aliasName":"d"}"""))["code"]!);
        Assert.Equal("docs", (string)(await Call(api, "aliases/describe", """{"aliasName":"d"}"""))["data"]!["collectionName"]!);
        Assert.True((bool)(await Call(api, "collections/has", """{"collectionName":"docs"}"""))["data"]!["has"]!);
        Assert.Equal(0, (int)(await Call(api, "aliases/drop", """{"aliasName":"d"}"""))["code"]!);
        Assert.Equal(0, (int)(await Call(api, "collections/drop", """{"collectionName":"docs"}"""))["code"]!);
        Assert.False((bool)(await Call(api, "collections/has", """{"collectionName":"docs"}"""))["data"]!["has"]!);
    }

    [Fact]
    public async Task CustomSchemaWithIndexParamsAndHybridSearch()
    {
        using var dir = new ScratchDirectory("rest");
        await using var client = await QuiverClient.OpenAsync(dir.Path);
        var api = new RestApi(client);
        var created = await Call(api, "collections/create", """
            {"collectionName":"c","schema":{"autoID":false,"fields":[
              {"fieldName":"pk","dataType":"VarChar","isPrimary":true,"elementTypeParams":{"max_length":"16"}},
              {"fieldName":"a","dataType":"FloatVector","elementTypeParams":{"dim":"8"}},
              {"fieldName":"b","dataType":"FloatVector","elementTypeParams":{"dim":8}},
              {"fieldName":"meta","dataType":"JSON","nullable":true},
              {"fieldName":"tags","dataType":"Array","elementDataType":"Int64","elementTypeParams":{"max_capacity":4}}]},
             "indexParams":[{"fieldName":"a","metricType":"L2","indexType":"HNSW","params":{"M":8,"efConstruction":64}},
                            {"fieldName":"b","metricType":"IP","params":{"index_type":"FLAT"}}]}
            """);
        Assert.Equal(0, (int)created["code"]!);
        var rows = Enumerable.Range(0, 50).Select(i => "{\"pk\":\"k" + i + "\",\"a\":" + Json(Vector(i)) + ",\"b\":" + Json(Vector(i + 500)) + ",\"meta\":{\"x\":" + i + "},\"tags\":[" + i + "," + (i + 1) + "]}");
        Assert.Equal(0, (int)(await Call(api, "entities/insert", $$"""{"collectionName":"c","data":[{{string.Join(",", rows)}}]}"""))["code"]!);
        var q = await Call(api, "entities/query", """{"collectionName":"c","filter":"meta[\"x\"] > 45 and array_contains(tags, 48)","outputFields":["meta","tags"]}""");
        var got = q["data"]!.AsArray();
        Assert.Equal(new[] { "k47", "k48" }, got.Select(r => (string)r!["pk"]!));
        Assert.Equal(47, (int)got[0]!["meta"]!["x"]!);
        var hybrid = await Call(api, "entities/hybrid_search", $$$"""
            {"collectionName":"c","search":[{"data":[{{{Json(Vector(3))}}}],"annsField":"a","limit":5},{"data":[{{{Json(Vector(503))}}}],"annsField":"b","limit":5}],
             "rerank":{"strategy":"rrf","params":{"k":60}},"limit":3}
            """);
        Assert.Equal(0, (int)hybrid["code"]!);
        Assert.Equal("k3", (string)hybrid["data"]![0]!["pk"]!);
    }

    [Fact]
    public async Task BadInputGetsAClearCodeAndTheServerKeepsServing()
    {
        using var dir = new ScratchDirectory("rest");
        await using var client = await QuiverClient.OpenAsync(dir.Path);
        var api = new RestApi(client);
        await Call(api, "collections/create", """{"collectionName":"docs","dimension":8}""");
        Assert.Equal(1801, (int)(await Call(api, "collections/describe", "{not json"))["code"]!);
        Assert.Equal(100, (int)(await Call(api, "collections/describe", """{"collectionName":"nope"}"""))["code"]!);
        var wrongDim = await Call(api, "entities/insert", """{"collectionName":"docs","data":[{"id":1,"vector":[1,2,3]}]}""");
        Assert.Equal(1100, (int)wrongDim["code"]!);
        Assert.Contains("8", (string)wrongDim["message"]!);
        var badFilter = await Call(api, "entities/query", """{"collectionName":"docs","filter":"id >>> 3"}""");
        Assert.Equal(1100, (int)badFilter["code"]!);
        var topk = await Call(api, "entities/search", """{"collectionName":"docs","data":[[1,2,3,4,5,6,7,8]],"limit":20000}""");
        Assert.NotEqual(0, (int)topk["code"]!);
        Assert.Equal(3000, (int)(await Call(api, "users/list", "{}"))["code"]!);
        Assert.True((bool)(await Call(api, "collections/has", """{"collectionName":"docs"}"""))["data"]!["has"]!);
    }

    [Fact]
    public async Task AuthRefusesWithoutCredentials()
    {
        using var dir = new ScratchDirectory("rest");
        await using var client = await QuiverClient.OpenAsync(dir.Path);
        var api = new RestApi(client, new RestOptions { AuthorizationEnabled = true, Verify = (u, p) => u == "root" && p == "pw" });
        Assert.Equal(1400, (int)(await Call(api, "collections/list", "{}"))["code"]!);
        Assert.Equal(1400, (int)(await Call(api, "collections/list", "{}", "Bearer root:wrong"))["code"]!);
        Assert.Equal(0, (int)(await Call(api, "collections/list", "{}", "Bearer root:pw"))["code"]!);
    }

    [Fact]
    public async Task ServedOverHttpWhateverTheContentType()
    {
        using var dir = new ScratchDirectory("rest");
        await using var client = await QuiverClient.OpenAsync(dir.Path);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        RestApi.Map(app, new RestApi(client));
        await app.StartAsync();
        string address = app.Urls.First();
        using var http = new HttpClient();
        // The Node SDK sends JSON as text/plain.
        var response = await http.PostAsync($"{address}/v2/vectordb/collections/create",
            new StringContent("""{"collectionName":"web","dimension":4}""", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (int)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]!);
        var list = JsonNode.Parse(await (await http.PostAsync($"{address}/v2/vectordb/collections/list", new StringContent("{}"))).Content.ReadAsStringAsync())!;
        Assert.Contains("web", list["data"]!.AsArray().Select(x => (string)x!));
        await app.StopAsync();
    }

    [Theory]
    [InlineData("HNSW", "L2", """{"M":8,"efConstruction":64}""", """{"ef":64}""")]
    [InlineData("IVF_FLAT", "IP", """{"nlist":8}""", """{"nprobe":8}""")]
    [InlineData("FLAT", "COSINE", "{}", "{}")]
    public async Task EveryIndexAndMetricFindsWhatBruteForceFinds(string indexType, string metric, string build, string search)
    {
        using var dir = new ScratchDirectory("rest-index");
        await using var client = await QuiverClient.OpenAsync(dir.Path);
        var api = new RestApi(client);
        Ok(await Call(api, "collections/create", $$$"""
            {"collectionName":"c","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},
              {"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":{{{Dim}}}}}]},
             "indexParams":[{"fieldName":"v","metricType":"{{{metric}}}","indexType":"{{{indexType}}}","params":{{{build}}}}]}
            """));
        string data = string.Join(",", Enumerable.Range(0, 400).Select(i => "{\"id\":" + i + ",\"v\":" + Json(Vector(i)) + "}"));
        Ok(await Call(api, "entities/insert", "{\"collectionName\":\"c\",\"data\":[" + data + "]}"));
        Ok(await Call(api, "collections/flush", """{"collectionName":"c"}"""));
        // Upsert moves row 0 onto row 1's vector: both must then be found together.
        Ok(await Call(api, "entities/upsert", $$"""{"collectionName":"c","data":[{"id":0,"v":{{Json(Vector(1))}}}]}"""));
        double found = 0;
        for (int qi = 0; qi < 20; qi++)
        {
            var q = Vector(5000 + qi);
            Func<int, double> score = metric switch
            {
                "L2" => i => -Enumerable.Range(0, Dim).Sum(d => (double)(q[d] - Vector(i == 0 ? 1 : i)[d]) * (q[d] - Vector(i == 0 ? 1 : i)[d])),
                "IP" => i => Enumerable.Range(0, Dim).Sum(d => (double)q[d] * Vector(i == 0 ? 1 : i)[d]),
                _ => i => Cosine(q, Vector(i == 0 ? 1 : i)),
            };
            var expected = Enumerable.Range(0, 400).OrderByDescending(score).ThenBy(i => i).Take(10).ToHashSet();
            var r = await Call(api, "entities/search", $$$"""{"collectionName":"c","data":[{{{Json(q)}}}],"annsField":"v","limit":10,"searchParams":{"params":{{{search}}}}}""");
            Ok(r);
            found += r["data"]!.AsArray().Count(h => expected.Contains((int)(long)h!["id"]!));
        }
        Assert.True(found / 200 >= 0.9, $"{indexType}/{metric}: recall@10 {found / 200:F2}");

        // Partitions load and release on their own; a search naming a released partition is refused with its code.
        Ok(await Call(api, "partitions/create", """{"collectionName":"c","partitionName":"p"}"""));
        Ok(await Call(api, "partitions/release", """{"collectionName":"c","partitionNames":["_default"]}"""));
        Assert.Equal("LoadStateNotLoad", (string)(await Call(api, "collections/get_load_state", """{"collectionName":"c","partitionNames":["_default"]}"""))["data"]!["loadState"]!);
        var refused = await Call(api, "entities/search", $$"""{"collectionName":"c","data":[{{Json(Vector(1))}}],"annsField":"v","limit":3,"partitionNames":["_default"]}""");
        Assert.Equal(201, (int)refused["code"]!);
        Assert.Equal("400", (string)(await Call(api, "collections/get_stats", """{"collectionName":"c"}"""))["data"]!["rowCount"]!.ToString());
        Ok(await Call(api, "collections/release", """{"collectionName":"c"}"""));
        Ok(await Call(api, "collections/drop", """{"collectionName":"c"}"""));
        Assert.False((bool)(await Call(api, "collections/has", """{"collectionName":"c"}"""))["data"]!["has"]!);
    }

    private static void Ok(JsonObject response) => Assert.True((int)response["code"]! == 0, response.ToJsonString());

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return (float)(dot / Math.Sqrt(na * nb));
    }
}
