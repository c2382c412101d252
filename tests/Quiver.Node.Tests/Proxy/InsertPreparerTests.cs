using Quiver.Node.Errors;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Node.Streaming;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Proxy;

public class InsertPreparerTests
{
    internal static CollectionSchema Schema(bool autoId = false, bool dynamic = false) => new CollectionSchema("docs",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true, AutoId = autoId },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = 4 },
        new FieldSchema("title", FieldType.VarChar) { MaxLength = 8, Nullable = true },
        new FieldSchema("rank", FieldType.Int32) { DefaultValue = 7L },
        new FieldSchema("tags", FieldType.Array) { ElementType = FieldType.Int64, MaxCapacity = 3, Nullable = true },
    ]) { EnableDynamicField = dynamic };

    private static InsertData Rows(int n, bool withId = true)
    {
        var d = new InsertData(n).Column("vec", Enumerable.Range(0, n * 4).Select(i => (float)i).ToArray());
        if (withId) d.Column("id", Enumerable.Range(0, n).Select(i => (long)i * 10).ToArray());
        return d;
    }

    [Fact]
    public void MissingNullableAndDefaultFieldsAreFilledAndRowsSplitByShard()
    {
        var schema = Schema();
        var storage = schema.ToSegmentSchema();
        var prepared = InsertPreparer.Prepare(schema, storage, shards: 3, Rows(100), timestamp: 99, upsert: false, autoIds: _ => throw new InvalidOperationException());
        Assert.Equal(100, prepared.PrimaryKeys.Length);
        Assert.Equal(100, prepared.Shards.Sum(s => s.Batch.Length));
        Assert.True(prepared.Shards.Count > 1);
        foreach (var shard in prepared.Shards)
        {
            foreach (long pk in (long[])shard.PrimaryKeys) Assert.Equal(shard.Shard, ShardRouter.Shard(pk, 3));
            var batch = shard.Batch;
            var ranks = (Apache.Arrow.Int32Array)batch.Column("rank");
            Assert.All(Enumerable.Range(0, batch.Length), i => Assert.Equal(7, ranks.GetValue(i)));
            Assert.Equal(batch.Length, batch.Column("title").NullCount);
            // Vectors travel with their keys.
            var ids = (Apache.Arrow.Int64Array)batch.Column("id");
            var vec = (Apache.Arrow.FloatArray)((Apache.Arrow.FixedSizeListArray)batch.Column("vec")).Values;
            for (int i = 0; i < batch.Length; i++) Assert.Equal(ids.GetValue(i)!.Value / 10 * 4, vec.GetValue(i * 4));
        }
    }

    [Fact]
    public void AutoIdsAreAssignedAndMayNotBeGiven()
    {
        var schema = Schema(autoId: true);
        var prepared = InsertPreparer.Prepare(schema, schema.ToSegmentSchema(), 1, Rows(5, withId: false), 1, false, n => 1000);
        Assert.Equal(new long[] { 1000, 1001, 1002, 1003, 1004 }, prepared.PrimaryKeys);
        var e = Assert.Throws<QuiverException>(() => InsertPreparer.Prepare(schema, schema.ToSegmentSchema(), 1, Rows(5), 1, false, n => 1));
        Assert.Contains("auto id", e.Message);
    }

    [Theory]
    [InlineData("dim", "expected 12")]
    [InlineData("missing vector", "field 'vec' is missing")]
    [InlineData("unknown", "field 'nope' is not in the schema")]
    [InlineData("too long", "exceed max_length 8")]
    [InlineData("capacity", "exceed max_capacity 3")]
    [InlineData("nan", "not a finite number")]
    [InlineData("wrong type", "takes Int32[]")]
    [InlineData("dynamic off", "does not have dynamic fields")]
    public void BadRowsAreRefusedWithTheProblemNamed(string problem, string message)
    {
        var schema = Schema();
        var d = problem switch
        {
            "dim" => new InsertData(3).Column("id", new long[] { 1, 2, 3 }).Column("vec", new float[11]),
            "missing vector" => new InsertData(1).Column("id", new long[] { 1 }),
            "unknown" => Rows(2).Column("nope", new int[2]),
            "too long" => Rows(2).Column("title", new[] { "short", "much too long" }),
            "capacity" => Rows(1).Column("tags", new long[][] { [1, 2, 3, 4] }),
            "nan" => new InsertData(1).Column("id", new long[] { 1 }).Column("vec", new[] { 1f, float.NaN, 0, 0 }),
            "wrong type" => Rows(2).Column("rank", new long[2]),
            _ => Rows(1).Dynamic(["{\"a\":1}"]),
        };
        var e = Assert.Throws<QuiverException>(() => InsertPreparer.Prepare(schema, schema.ToSegmentSchema(), 2, d, 1, false, _ => 1));
        Assert.Contains(message, e.Message);
        Assert.NotEqual(ErrorCode.Success, e.Code);
    }

    [Fact]
    public void DynamicFieldsMustBeJsonObjects()
    {
        var schema = Schema(dynamic: true);
        var ok = InsertPreparer.Prepare(schema, schema.ToSegmentSchema(), 1, Rows(2).Dynamic(["{\"color\":\"red\"}", null]), 1, false, _ => 1);
        Assert.Equal(1, ok.Shards[0].Batch.Column(CollectionSchema.DynamicFieldName).NullCount);
        var e = Assert.Throws<QuiverException>(() => InsertPreparer.Prepare(schema, schema.ToSegmentSchema(), 1, Rows(2).Dynamic(["[1,2]", "{}"]), 1, false, _ => 1));
        Assert.Contains("row 0 must be a JSON object", e.Message);
    }

    [Fact]
    public void WalPayloadsRoundTrip()
    {
        var schema = Schema();
        var storage = schema.ToSegmentSchema();
        var batch = InsertPreparer.Prepare(schema, storage, 1, Rows(10), 5, false, _ => 1).Shards[0].Batch;
        var bytes = WalPayload.EncodeInsert(42, batch);
        var (segment, back, upsert) = WalPayload.DecodeInsert(bytes, storage, 64);
        Assert.False(upsert);
        Assert.Equal(42, segment);
        Assert.Same(storage.Arrow, back.Schema);
        Assert.Equal(10, back.Length);
        Assert.Equal(((Apache.Arrow.Int64Array)batch.Column("id")).Values.ToArray(), ((Apache.Arrow.Int64Array)back.Column("id")).Values.ToArray());
        Assert.Equal(new long[] { 3, -4 }, WalPayload.DecodeDelete(WalPayload.EncodeDelete(new long[] { 3, -4 }), 0));
        Assert.Equal(new[] { "a", "ü" }, WalPayload.DecodeDelete(WalPayload.EncodeDelete(new[] { "a", "ü" }), 0));
        var bad = WalPayload.EncodeDelete(new[] { "abc" });
        var e = Assert.Throws<QuiverException>(() => WalPayload.DecodeDelete(bad.AsMemory(0, bad.Length - 1), 77));
        Assert.Equal(ErrorCode.DataCorrupted, e.Code);
        Assert.Contains("position 77", e.Message);
    }
}
