using Milvus.Proto.Milvus;
using Milvus.Proto.Schema;
using static Quiver.Server.Tests.MilvusServerHarness;

namespace Quiver.Server.Tests;

/// <summary>A seeded collection's rows, kept in the test so results can be checked against brute force.</summary>
public sealed class Dataset
{
    public const int Dim = 8;

    public Dataset(int rows, int seed, long firstId = 0)
    {
        var random = new Random(seed);
        Ids = Enumerable.Range(0, rows).Select(i => firstId + i).ToArray();
        Vectors = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, Dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        Scores = Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray();
        Tags = Ids.Select(id => $"tag{id % 5}").ToArray();
    }

    public long[] Ids { get; }

    public float[][] Vectors { get; }

    public double[] Scores { get; }

    public string[] Tags { get; }

    public static CreateCollectionRequest Create(string name) => CreateRequest(name, dynamic: true,
        Field("id", DataType.Int64, pk: true),
        Field("tag", DataType.VarChar, maxLength: 32),
        Field("score", DataType.Double),
        Field("meta", DataType.Json),
        Field("vec", DataType.FloatVector, dim: Dim));

    public InsertRequest Insert(string collection, string partition = "")
    {
        var r = new InsertRequest { CollectionName = collection, PartitionName = partition, NumRows = (uint)Ids.Length };
        r.FieldsData.Add(Longs("id", Ids));
        r.FieldsData.Add(Strings("tag", Tags));
        r.FieldsData.Add(Doubles("score", Scores));
        r.FieldsData.Add(Json("meta", Ids.Select(id => $"{{\"n\":{id},\"even\":{(id % 2 == 0 ? "true" : "false")}}}")));
        r.FieldsData.Add(FloatVectors("vec", Dim, Vectors.SelectMany(v => v)));
        r.FieldsData.Add(Json("$meta", Ids.Select(id => $"{{\"color\":\"{(id % 3 == 0 ? "red" : "blue")}\"}}"), dynamic: true));
        return r;
    }

    /// <summary>Milvus scores: L2 = squared distance (smaller first), IP = dot product, COSINE = cosine similarity (larger first).</summary>
    public static float Score(string metric, float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0, l2 = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
            l2 += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return metric switch
        {
            "L2" => (float)l2,
            "IP" => (float)dot,
            _ => (float)(dot / (Math.Sqrt(na) * Math.Sqrt(nb))),
        };
    }

    /// <summary>Exact top-k ids and scores among the rows that pass <paramref name="keep"/>.</summary>
    public (long Id, float Score)[] BruteForce(string metric, float[] query, int k, Func<int, bool>? keep = null)
    {
        var scored = Enumerable.Range(0, Ids.Length).Where(i => keep?.Invoke(i) ?? true).Select(i => (Ids[i], Score(metric, query, Vectors[i])));
        scored = metric == "L2" ? scored.OrderBy(s => s.Item2) : scored.OrderByDescending(s => s.Item2);
        return scored.Take(k).ToArray();
    }

    public static float[][] Queries(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, Dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
    }
}
