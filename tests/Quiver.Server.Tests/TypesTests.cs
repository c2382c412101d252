using Google.Protobuf;
using Common = Milvus.Proto.Common;
using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using static Quiver.Server.Tests.MilvusServerHarness;

namespace Quiver.Server.Tests;

/// <summary>Column types through Insert and Query: packed vectors, arrays, auto ids, group-by search.</summary>
public sealed class TypesTests
{
    [Fact]
    public async Task Packed_vectors_arrays_and_auto_ids_round_trip()
    {
        await using var h = await StartAsync();
        var c = h.Client;
        var arr = Field("labels", DataType.Array);
        arr.ElementType = DataType.Int64;
        arr.TypeParams.Add(new Common.KeyValuePair { Key = "max_capacity", Value = "4" });
        Ok(await c.CreateCollectionAsync(CreateRequest("packed", false,
            Field("id", DataType.Int64, pk: true, autoId: true),
            Field("group", DataType.Int32),
            arr,
            Field("bits", DataType.BinaryVector, dim: 16),
            Field("half", DataType.Float16Vector, dim: 4))));

        const int n = 6;
        var bits = Enumerable.Range(0, n * 2).Select(i => (byte)(i * 37)).ToArray();
        var half = Enumerable.Range(0, n * 8).Select(i => (byte)(i * 11)).ToArray();
        var insert = new InsertRequest { CollectionName = "packed", NumRows = n };
        insert.FieldsData.Add(new FieldData { Type = DataType.Int32, FieldName = "group", Scalars = new ScalarField { IntData = new IntArray { Data = { 0, 1, 0, 1, 2, 2 } } } });
        var labels = new ArrayArray { ElementType = DataType.Int64 };
        for (int i = 0; i < n; i++) labels.Data.Add(new ScalarField { LongData = new LongArray { Data = { Enumerable.Range(0, i % 4).Select(x => (long)(x + i)) } } });
        insert.FieldsData.Add(new FieldData { Type = DataType.Array, FieldName = "labels", Scalars = new ScalarField { ArrayData = labels } });
        insert.FieldsData.Add(new FieldData { Type = DataType.BinaryVector, FieldName = "bits", Vectors = new VectorField { Dim = 16, BinaryVector = ByteString.CopyFrom(bits) } });
        insert.FieldsData.Add(new FieldData { Type = DataType.Float16Vector, FieldName = "half", Vectors = new VectorField { Dim = 4, Float16Vector = ByteString.CopyFrom(half) } });
        var result = await c.InsertAsync(insert);
        Ok(result.Status);
        var ids = result.IDs.IntId.Data.ToArray();
        Assert.Equal(n, ids.Distinct().Count());

        Ok(await c.CreateIndexAsync(IndexRequest("packed", "bits", "BIN_FLAT", "HAMMING")));
        Ok(await c.CreateIndexAsync(IndexRequest("packed", "half", "FLAT", "L2")));
        Ok(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "packed" }));
        var rows = await c.QueryAsync(new QueryRequest { CollectionName = "packed", Expr = "group >= 0", OutputFields = { "*" } });
        Ok(rows.Status);
        var gotIds = rows.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var gotBits = rows.FieldsData.Single(f => f.FieldName == "bits").Vectors.BinaryVector.ToByteArray();
        var gotHalf = rows.FieldsData.Single(f => f.FieldName == "half").Vectors.Float16Vector.ToByteArray();
        var gotLabels = rows.FieldsData.Single(f => f.FieldName == "labels").Scalars.ArrayData.Data;
        Assert.Equal(n, gotIds.Count);
        for (int r = 0; r < n; r++)
        {
            int i = Array.IndexOf(ids, gotIds[r]);
            Assert.Equal(bits.AsSpan(i * 2, 2).ToArray(), gotBits.AsSpan(r * 2, 2).ToArray());
            Assert.Equal(half.AsSpan(i * 8, 8).ToArray(), gotHalf.AsSpan(r * 8, 8).ToArray());
            Assert.Equal(Enumerable.Range(0, i % 4).Select(x => (long)(x + i)), gotLabels[r].LongData.Data);
        }

        // Binary search: the query equal to row 0's bits is at Hamming distance 0.
        var value = new Common.PlaceholderValue { Tag = "$0", Type = Common.PlaceholderType.BinaryVector };
        value.Values.Add(ByteString.CopyFrom(bits, 0, 2));
        var search = new SearchRequest
        {
            CollectionName = "packed",
            PlaceholderGroup = new Common.PlaceholderGroup { Placeholders = { value } }.ToByteString(),
            Nq = 1,
            UseDefaultConsistency = true,
            SearchParams =
            {
                new Common.KeyValuePair { Key = "anns_field", Value = "bits" },
                new Common.KeyValuePair { Key = "topk", Value = "3" },
                new Common.KeyValuePair { Key = "params", Value = "{}" },
            },
        };
        var found = await c.SearchAsync(search);
        Ok(found.Status);
        Assert.Equal(ids[0], found.Results.Ids.IntId.Data[0]);
        Assert.Equal(0f, found.Results.Scores[0]);

        // Group-by search: one hit per group value, the group values returned beside the hits.
        search.SearchParams.Add(new Common.KeyValuePair { Key = "group_by_field", Value = "group" });
        var grouped = await c.SearchAsync(search);
        Ok(grouped.Status);
        var groups = grouped.Results.GroupByFieldValue.Scalars.IntData.Data;
        Assert.Equal(grouped.Results.Ids.IntId.Data.Count, groups.Count);
        Assert.Equal(groups.Count, groups.Distinct().Count());
    }

    [Fact]
    public async Task Inserts_larger_than_grpc_default_4MB_are_accepted_and_load_needs_an_index()
    {
        await using var h = await StartAsync();
        var c = h.Client;
        const int dim = 1024, rows = 1500; // 6 MB of floats
        Ok(await c.CreateCollectionAsync(CreateRequest("big", false, Field("id", DataType.Int64, pk: true), Field("v", DataType.FloatVector, dim: dim))));
        var random = new Random(1);
        var insert = new InsertRequest { CollectionName = "big", NumRows = rows };
        insert.FieldsData.Add(Longs("id", Enumerable.Range(0, rows).Select(i => (long)i)));
        var flat = Enumerable.Range(0, rows * dim).Select(_ => (float)random.NextDouble()).ToArray();
        insert.FieldsData.Add(FloatVectors("v", dim, flat));
        Assert.True(insert.CalculateSize() > 4 << 20);
        var result = await c.InsertAsync(insert);
        Ok(result.Status);
        Assert.Equal(rows, result.InsertCnt);
        Assert.Equal(Enumerable.Range(0, rows).Select(i => (long)i), result.IDs.IntId.Data);

        // As Milvus: no load before the vector field has an index.
        Failed(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "big" }), 700, "index");
        Ok(await c.CreateIndexAsync(IndexRequest("big", "v", "FLAT", "L2")));
        Ok(await c.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = "big" }));
        var count = await c.QueryAsync(new QueryRequest { CollectionName = "big", OutputFields = { "count(*)" } });
        Assert.Equal(rows, count.FieldsData[0].Scalars.LongData.Data[0]);

        // Rows on both sides of every batch boundary kept their vectors.
        var some = await c.QueryAsync(new QueryRequest { CollectionName = "big", Expr = "id in [0, 1, 254, 255, 256, 257, 511, 512, 1023, 1024, 1499]", OutputFields = { "v" } });
        Ok(some.Status);
        var ids = some.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var vectors = some.FieldsData.Single(f => f.FieldName == "v").Vectors.FloatVector.Data;
        Assert.Equal(11, ids.Count);
        for (int r = 0; r < ids.Count; r++)
            Assert.Equal(flat.AsSpan((int)ids[r] * dim, dim).ToArray(), vectors.Skip(r * dim).Take(dim).ToArray());
    }
}
