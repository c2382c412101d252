using Milvus.Proto.Common;
using Milvus.Proto.Milvus;
using static Quiver.Server.Tests.MilvusServerHarness;

namespace Quiver.Server.Tests;

/// <summary>The SDK's main flow over gRPC: create, insert, flush, index, load, search (checked against brute force), release, drop.</summary>
public sealed class SearchFlowTests
{
    [Theory]
    [InlineData("FLAT", "L2", "{}", "{}")]
    [InlineData("FLAT", "IP", "{}", "{}")]
    [InlineData("HNSW", "COSINE", "{\"M\":16,\"efConstruction\":200}", "{\"ef\":300}")]
    [InlineData("HNSW", "L2", "{\"M\":16,\"efConstruction\":200}", "{\"ef\":300}")]
    [InlineData("IVF_FLAT", "IP", "{\"nlist\":4}", "{\"nprobe\":4}")]
    [InlineData("IVF_FLAT", "COSINE", "{\"nlist\":4}", "{\"nprobe\":4}")]
    public async Task Search_matches_brute_force_with_and_without_filter(string indexType, string metric, string buildParams, string searchParams)
    {
        await using var h = await StartAsync();
        var c = h.Client;
        var connect = await c.ConnectAsync(new ConnectRequest { ClientInfo = new ClientInfo { SdkType = "test" } });
        Ok(connect.Status);
        Assert.NotEqual(0, connect.Identifier);

        var data = new Dataset(300, seed: 7);
        Ok(await c.CreateCollectionAsync(Dataset.Create("items")));
        var insert = await c.InsertAsync(data.Insert("items"));
        Ok(insert.Status);
        Assert.Equal(300, insert.InsertCnt);
        Assert.Equal(data.Ids, insert.IDs.IntId.Data);

        var flush = await c.FlushAsync(new FlushRequest { CollectionNames = { "items" } });
        Ok(flush.Status);
        Assert.True(flush.CollSegIDs.ContainsKey("items"));
        Assert.True((await c.GetFlushStateAsync(new GetFlushStateRequest { SegmentIDs = { flush.CollSegIDs["items"].Data } })).Flushed);

        Ok(await c.CreateIndexAsync(IndexRequest("items", "vec", indexType, metric, buildParams)));
        var describe = await c.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = "items", FieldName = "vec" });
        Ok(describe.Status);
        var index = Assert.Single(describe.IndexDescriptions);
        Assert.Equal("vec", index.FieldName);
        Assert.Contains(index.Params, p => p.Key == "index_type" && p.Value == indexType);
        Assert.Contains(index.Params, p => p.Key == "metric_type" && p.Value == metric);
        // Clients poll until Finished; the rows were flushed before the index was made.
        for (int i = 0; i < 200 && index.State != IndexState.Finished; i++)
        {
            await Task.Delay(50);
            index = (await c.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = "items", FieldName = "vec" })).IndexDescriptions[0];
        }
        Assert.Equal(IndexState.Finished, index.State);
        Assert.Equal(300, index.TotalRows);
        Assert.Equal(300, index.IndexedRows);
        var state = await c.GetIndexStateAsync(new GetIndexStateRequest { CollectionName = "items", FieldName = "vec" });
        Ok(state.Status);
        Assert.Equal(IndexState.Finished, state.State);
        var progressOfBuild = await c.GetIndexBuildProgressAsync(new GetIndexBuildProgressRequest { CollectionName = "items", FieldName = "vec" });
        Assert.Equal(300, progressOfBuild.IndexedRows);

        Ok(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "items" }));
        var progress = await c.GetLoadingProgressAsync(new GetLoadingProgressRequest { CollectionName = "items" });
        Ok(progress.Status);
        Assert.Equal(100, progress.Progress);
        Assert.Equal(LoadState.Loaded, (await c.GetLoadStateAsync(new GetLoadStateRequest { CollectionName = "items" })).State);

        var queries = Dataset.Queries(3, seed: 11);
        const int k = 10;
        var result = await c.SearchAsync(Search("items", "vec", queries, k, metric, "", searchParams, "id", "tag", "score"));
        Ok(result.Status);
        var r = result.Results;
        Assert.Equal(3, r.NumQueries);
        Assert.Equal(k, r.TopK);
        Assert.Equal([k, k, k], r.Topks);
        Assert.Equal(3 * k, r.Scores.Count);
        Assert.Equal(3 * k, r.Ids.IntId.Data.Count);
        var tagColumn = Assert.Single(r.FieldsData, f => f.FieldName == "tag");
        var idColumn = Assert.Single(r.FieldsData, f => f.FieldName == "id");
        Assert.Equal(r.Ids.IntId.Data, idColumn.Scalars.LongData.Data);
        int found = 0;
        for (int q = 0; q < queries.Length; q++)
        {
            var expected = data.BruteForce(metric, queries[q], k);
            var got = r.Ids.IntId.Data.Skip(q * k).Take(k).ToArray();
            found += got.Intersect(expected.Select(e => e.Id)).Count();
            for (int i = 0; i < k; i++)
            {
                long id = got[i];
                Assert.Equal(Dataset.Score(metric, queries[q], data.Vectors[id]), r.Scores[q * k + i], 3);
                Assert.Equal(data.Tags[id], tagColumn.Scalars.StringData.Data[q * k + i]);
            }
            // FLAT and IVF with every list probed are exact.
            if (indexType != "HNSW") Assert.Equal(expected.Select(e => e.Id), got);
        }
        // HNSW is approximate (and built by several threads, so not reproducible run to run): a recall floor.
        Assert.True(found >= 0.8 * queries.Length * k, $"recall@{k}: {found} of {queries.Length * k}");

        // Filtered: only rows with score > 0.5 and tag != "tag0".
        var filtered = await c.SearchAsync(Search("items", "vec", queries, k, metric, "score > 0.5 and tag != \"tag0\"", searchParams, "score"));
        Ok(filtered.Status);
        for (int q = 0; q < queries.Length; q++)
        {
            var expected = data.BruteForce(metric, queries[q], k, i => data.Scores[i] > 0.5 && data.Tags[i] != "tag0");
            var got = filtered.Results.Ids.IntId.Data.Skip(q * k).Take(k).ToArray();
            Assert.All(got, id => Assert.True(data.Scores[id] > 0.5 && data.Tags[id] != "tag0"));
            int overlap = got.Intersect(expected.Select(e => e.Id)).Count();
            Assert.True(overlap >= (indexType == "HNSW" ? 7 : k), $"filtered query {q}: {overlap} of {k} exact neighbours");
        }

        // A dynamic key comes back inside $meta, listed in output_fields.
        var withMeta = await c.SearchAsync(Search("items", "vec", [queries[0]], 5, metric, "", searchParams, "color"));
        Ok(withMeta.Status);
        Assert.Contains("color", withMeta.Results.OutputFields);
        var meta = Assert.Single(withMeta.Results.FieldsData, f => f.FieldName == "$meta");
        for (int i = 0; i < 5; i++)
        {
            long id = withMeta.Results.Ids.IntId.Data[i];
            Assert.Equal($"{{\"color\":\"{(id % 3 == 0 ? "red" : "blue")}\"}}", meta.Scalars.JsonData.Data[i].ToStringUtf8());
        }

        Ok(await c.ReleaseCollectionAsync(new ReleaseCollectionRequest { CollectionName = "items" }));
        var afterRelease = await c.SearchAsync(Search("items", "vec", queries, k, metric, "", searchParams));
        Failed(afterRelease.Status, 101);
        Ok(await c.DropCollectionAsync(new DropCollectionRequest { CollectionName = "items" }));
        var has = await c.HasCollectionAsync(new HasCollectionRequest { CollectionName = "items" });
        Ok(has.Status);
        Assert.False(has.Value);
    }

    [Fact]
    public async Task Create_index_without_type_is_autoindex_and_search_uses_its_metric()
    {
        await using var h = await StartAsync();
        var c = h.Client;
        var data = new Dataset(100, seed: 3);
        Ok(await c.CreateCollectionAsync(Dataset.Create("auto")));
        Ok((await c.InsertAsync(data.Insert("auto"))).Status);
        Ok(await c.CreateIndexAsync(IndexRequest("auto", "vec", "", "COSINE")));
        var describe = await c.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = "auto" });
        Assert.Contains(Assert.Single(describe.IndexDescriptions).Params, p => p.Key == "index_type" && p.Value == "AUTOINDEX");
        Ok(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "auto" }));
        var q = Dataset.Queries(1, 5);
        // metric_type "" as the Node SDK sends it: the index's metric applies (COSINE: larger first).
        var result = await c.SearchAsync(Search("auto", "vec", q, 5));
        Ok(result.Status);
        var expected = data.BruteForce("COSINE", q[0], 5);
        Assert.Equal(expected.Select(e => e.Id), result.Results.Ids.IntId.Data);
        Assert.True(result.Results.Scores[0] >= result.Results.Scores[4]);
    }
}
