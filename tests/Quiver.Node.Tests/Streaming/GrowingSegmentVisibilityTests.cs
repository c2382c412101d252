using Quiver.Kernel.Distance;
using Quiver.Node.Streaming;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Streaming;

public class GrowingSegmentVisibilityTests
{
    private const int Dim = 12;

    private sealed class Fixture
    {
        public readonly SegmentSchema Schema = GrowingData.FloatSchema(Dim);
        public readonly GrowingSegment Segment;
        public readonly ReferenceRows Reference = new();
        private readonly Random _rng = new(2024);

        public Fixture() => Segment = new GrowingSegment(9, 1, Schema);

        public float[] Append(long[] ids, ulong ts, float[]? vectors = null)
        {
            vectors ??= GrowingData.Vectors(_rng, ids.Length, Dim);
            Segment.Append(GrowingData.FloatBatch(Schema, ids, vectors, ts));
            Reference.Append(ids.Cast<object>(), vectors, Dim, ts);
            return vectors;
        }

        public int Delete(long[] ids, ulong ts)
        {
            int expected = Reference.Delete(ids.Cast<object>(), ts);
            int deleted = Segment.Delete(ids, ts);
            Assert.Equal(expected, deleted);
            return deleted;
        }

        /// <summary>Searches at ts with k large enough to see every visible row, and checks it against the reference.</summary>
        public int[] SearchAll(ulong ts, float[] query, Metric metric = Metric.L2)
        {
            int k = Math.Max(1, (int)Segment.RowCount);
            var rows = new int[k];
            var d = new float[k];
            int found = Segment.Search("vec", metric, query, k, ts, null, rows, d);
            GrowingData.AssertMatches(Reference.TopK(metric, query, k, ts), rows, d, found, 1e-4);
            return rows[..found];
        }
    }

    [Fact]
    public void ASnapshotSeesExactlyTheRowsInsertedAtOrBeforeIt()
    {
        var f = new Fixture();
        f.Append(GrowingData.Range(0, 50), 100);
        f.Append(GrowingData.Range(50, 50), 200);
        f.Append(GrowingData.Range(100, 50), 300);
        var q = GrowingData.Vectors(new Random(1), 1, Dim);

        Assert.Empty(f.SearchAll(99, q));
        Assert.All(f.SearchAll(100, q), r => Assert.InRange(r, 0, 49));
        Assert.All(f.SearchAll(250, q), r => Assert.InRange(r, 0, 99));
        Assert.Equal(150, f.SearchAll(300, q).Length);
        Assert.Equal(0, f.Segment.LiveCount(99));
        Assert.Equal(100, f.Segment.LiveCount(299));
        Assert.Equal(150, f.Segment.LiveCount(ulong.MaxValue - 1));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), f.Segment.RowsVisibleAt(200));
    }

    [Fact]
    public void ARowWithMixedTimestampsInOneBatchIsCheckedRowByRow()
    {
        var f = new Fixture();
        var ids = GrowingData.Range(0, 6);
        var v = GrowingData.Vectors(new Random(4), 6, Dim);
        ulong[] ts = [10, 20, 30, 10, 20, 30];
        f.Segment.Append(new SegmentBatchBuilder(f.Schema, 6).Timestamps(ts).Column("id", ids).Column("vec", v).Column("tag", new int[6]).Build());
        Assert.Equal(new long[] { 0, 3 }, f.Segment.RowsVisibleAt(15));
        Assert.Equal(4, f.Segment.LiveCount(25));
        var rows = new int[6];
        var d = new float[6];
        Assert.Equal(4, f.Segment.Search("vec", Metric.L2, v.AsSpan(0, Dim), 6, 25, null, rows, d));
        Assert.DoesNotContain(2, rows);
        Assert.DoesNotContain(5, rows);
        Assert.Equal(4, f.Segment.Search("vec", Metric.L2, v.AsSpan(0, Dim), 6, 29, null, rows, d)); // one tick before 30
        Assert.Equal(6, f.Segment.Search("vec", Metric.L2, v.AsSpan(0, Dim), 6, 30, null, rows, d));
    }

    [Fact]
    public void DeletedRowsVanishAtTheDeleteTimestampAndStayInEarlierSnapshots()
    {
        var f = new Fixture();
        f.Append(GrowingData.Range(0, 100), 100);
        var q = GrowingData.Vectors(new Random(2), 1, Dim);

        Assert.Equal(10, f.Delete(GrowingData.Range(0, 10), 150));
        Assert.Equal(0, f.Delete(GrowingData.Range(0, 10), 160));         // already deleted
        Assert.Equal(0, f.Delete([1000, 1001], 170));                        // keys it never had
        Assert.Equal(0, f.Delete(GrowingData.Range(10, 5), 100));          // not newer than the insert: no effect

        Assert.Equal(100, f.SearchAll(149, q).Length);
        var at150 = f.SearchAll(150, q);
        Assert.Equal(90, at150.Length);
        Assert.All(at150, r => Assert.True(r >= 10));
        Assert.True(f.Segment.TryGetRow(5L, 149, out long row));
        Assert.Equal(5, row);
        Assert.False(f.Segment.TryGetRow(5L, 150, out row));
        Assert.Equal(-1, row);
        Assert.True(f.Segment.ContainsKey(5L));       // deleted, but the segment still holds the key
        Assert.False(f.Segment.ContainsKey(5000L));
        Assert.Equal(150UL, f.Segment.DeleteTimestamp(5));
        Assert.Equal(ulong.MaxValue, f.Segment.DeleteTimestamp(50));
        Assert.Equal(90, f.Segment.LiveCount(150));
        Assert.Equal(100, f.Segment.RowCount);
    }

    [Fact]
    public void AnUpsertHidesTheOldRowAndShowsTheNewOne()
    {
        var f = new Fixture();
        var first = f.Append(GrowingData.Range(0, 100), 100);
        // Upsert keys 20..29 at ts 200: delete at 200, then the new rows at 200 (each the old vector moved slightly).
        var keys = GrowingData.Range(20, 10);
        var replaced = first.AsSpan(20 * Dim, 10 * Dim).ToArray();
        for (int i = 0; i < replaced.Length; i++) replaced[i] += 0.01f;
        Assert.Equal(10, f.Delete(keys, 200));
        f.Append(keys, 200, replaced);
        // And again at 300, so a key has three rows in its chain.
        Assert.Equal(10, f.Delete(keys, 300));
        f.Append(keys, 300, replaced);

        for (int key = 20; key < 30; key++)
        {
            Assert.True(f.Segment.TryGetRow((long)key, 199, out long r));
            Assert.Equal(key, r);
            Assert.True(f.Segment.TryGetRow((long)key, 200, out r));
            Assert.Equal(100 + key - 20, r);
            Assert.True(f.Segment.TryGetRow((long)key, 300, out r));
            Assert.Equal(110 + key - 20, r);
            Assert.Equal((long)key, f.Segment.PrimaryKey(r));
        }
        foreach (ulong ts in new ulong[] { 199, 200, 250, 300, 400 })
        {
            var rows = f.SearchAll(ts, replaced.AsSpan(0, Dim).ToArray());
            Assert.Equal(100, rows.Length); // one row per key at every snapshot
            Assert.Equal(100, rows.Select(r => f.Segment.PrimaryKey(r)).Distinct().Count());
        }
        // Searching with the upserted vector itself at 300 finds the newest row first, never a superseded one.
        var top = new int[1];
        var d = new float[1];
        f.Segment.Search("vec", Metric.L2, replaced.AsSpan(0, Dim), 1, 300, null, top, d);
        Assert.Equal(110, top[0]);
        Assert.Equal(0f, d[0]);
        Assert.Equal(100, f.Segment.LiveCount(400));
    }

    [Fact]
    public void DuplicateKeysInsideOneBatchAreAllDeletedByOneDelete()
    {
        var f = new Fixture();
        f.Append([7, 7, 8, 7], 10);
        Assert.Equal(3, f.Delete([7], 20));
        Assert.Equal(new long[] { 2 }, f.Segment.RowsVisibleAt(20));
        Assert.True(f.Segment.TryGetRow(7L, 10, out long r));
        Assert.Equal(3, r); // the newest of the three
    }

    [Fact]
    public void StringPrimaryKeysWork()
    {
        var schema = new SegmentSchema([
            new SegmentField("name", FieldType.VarChar, IsPrimaryKey: true),
            new SegmentField("vec", FieldType.FloatVector, 4),
            new SegmentField("note", FieldType.VarChar, Nullable: true),
        ]);
        var segment = new GrowingSegment(3, 4, schema);
        string[] names = ["alpha", "beta", "gamma", "δέλτα", ""];
        var v = GrowingData.Vectors(new Random(8), names.Length, 4);
        segment.Append(new SegmentBatchBuilder(schema, names.Length).Timestamps([5, 5, 5, 5, 5]).Column("name", names).Column("vec", v)
            .Column("note", new string?[] { "x", null, "z", "w", null }).Build());

        Assert.True(segment.TryGetRow("δέλτα", 5, out long row));
        Assert.Equal(3, row);
        Assert.Equal("δέλτα", segment.PrimaryKey(row));
        Assert.True(segment.ContainsKey(""));
        Assert.Null(segment.GetValue("note", 1));
        Assert.Equal(2, segment.Delete(["beta", "gamma", "omega"], 6));
        Assert.False(segment.TryGetRow("beta", 6, out _));
        Assert.True(segment.TryGetRow("beta", 5, out _));

        var rows = new int[5];
        var d = new float[5];
        Assert.Equal(3, segment.Search("vec", Metric.Cosine, v.AsSpan(4, 4), 5, 6, null, rows, d));
        Assert.DoesNotContain(1, rows);
        Assert.DoesNotContain(2, rows);

        // Upsert a string key.
        Assert.Equal(1, segment.Delete(["alpha"], 7));
        segment.Append(new SegmentBatchBuilder(schema, 1).Timestamps([7]).Column("name", new[] { "alpha" }).Column("vec", new float[] { 1, 2, 3, 4 })
            .Column("note", new string?[] { "new" }).Build());
        Assert.True(segment.TryGetRow("alpha", 7, out row));
        Assert.Equal(5, row);
        Assert.Equal("new", segment.GetValue("note", row));
    }

    [Fact]
    public void RowsReadBackAsAppendedAndTheBatchesAreKeptAsGiven()
    {
        var schema = new SegmentSchema([
            new SegmentField("id", FieldType.Int64, IsPrimaryKey: true),
            new SegmentField("vec", FieldType.FloatVector, 3),
            new SegmentField("score", FieldType.Double, Nullable: true),
            new SegmentField("tags", FieldType.Array, ElementType: FieldType.VarChar, Nullable: true),
            new SegmentField("flag", FieldType.Bool),
        ]);
        var segment = new GrowingSegment(1, 1, schema);
        Assert.Equal(0, segment.MemoryBytes);
        Assert.Empty(segment.Batches);
        var b1 = new SegmentBatchBuilder(schema, 2).Timestamps([1, 2]).Column("id", new long[] { 10, 11 }).Column("vec", new float[] { 1, 2, 3, 4, 5, 6 })
            .Column("score", new double[] { 0.5, 0 }, [true, false]).Column("tags", new string[]?[] { ["a", "b"], null }).Column("flag", new[] { true, false }).Build();
        var b2 = new SegmentBatchBuilder(schema, 1).Timestamps([3]).Column("id", new long[] { 12 }).Column("vec", new float[] { 7, 8, 9 })
            .Column("score", new double[] { 1.5 }).Column("tags", new string[]?[] { [] }).Column("flag", new[] { true }).Build();
        segment.Append(b1);
        long afterOne = segment.MemoryBytes;
        Assert.True(afterOne > 0);
        Assert.Equal(2, segment.Append(SegmentBatchBuilder.Empty(schema))); // an empty batch adds nothing
        segment.Append(b2);
        Assert.True(segment.MemoryBytes > afterOne);

        Assert.Equal(new[] { b1, b2 }, segment.Batches);
        Assert.Equal(3, segment.RowCount);
        Assert.Equal(new float[] { 7, 8, 9 }, segment.GetValue("vec", 2));
        Assert.Equal(new float[] { 4, 5, 6 }, segment.GetValue("vec", 1));
        Assert.Equal(0.5, segment.GetValue("score", 0));
        Assert.Null(segment.GetValue("score", 1));
        Assert.Equal(new[] { "a", "b" }, segment.GetValue("tags", 0));
        Assert.Null(segment.GetValue("tags", 1));
        Assert.Equal(Array.Empty<string>(), segment.GetValue("tags", 2));
        Assert.False((bool)segment.GetValue("flag", 1)!);
        Assert.Equal(12L, segment.GetValue("id", 2));
        Assert.Equal(2UL, segment.InsertTimestamp(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => segment.GetValue("id", 3));

        segment.Seal();
        Assert.True(segment.IsSealed);
        Assert.Throws<InvalidOperationException>(() => segment.Append(b2));
        Assert.Equal(1, segment.Delete([10], 5)); // deletes still apply to a sealed segment
        Assert.Equal(2, segment.LiveCount(5));
    }
}
