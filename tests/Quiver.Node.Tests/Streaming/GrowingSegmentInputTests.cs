using Quiver.Kernel.Distance;
using Quiver.Node.Errors;
using Quiver.Node.Streaming;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Streaming;

public class GrowingSegmentInputTests
{
    private static readonly SegmentSchema Schema = new([
        new SegmentField("id", FieldType.Int64, IsPrimaryKey: true),
        new SegmentField("vec", FieldType.FloatVector, 8),
        new SegmentField("bits", FieldType.BinaryVector, 64),
        new SegmentField("tag", FieldType.Int32),
    ]);

    private static GrowingSegment Segment()
    {
        var s = new GrowingSegment(1, 1, Schema);
        s.Append(new SegmentBatchBuilder(Schema, 3).Timestamps([1, 1, 1]).Column("id", new long[] { 1, 2, 3 })
            .Column("vec", new float[24]).Column("bits", new byte[24]).Column("tag", new int[3]).Build());
        return s;
    }

    private static void Invalid(Action action, string mentions)
    {
        var e = Assert.Throws<QuiverException>(action);
        Assert.Equal(ErrorCode.ParameterInvalid, e.Code);
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void BadSearchesAreRefusedWithTheProblemNamed()
    {
        var s = Segment();
        var rows = new int[16];
        var d = new float[16];
        var q = new float[8];
        Invalid(() => s.Search("nope", Metric.L2, q, 1, 1, null, rows, d), "'nope'");
        Invalid(() => s.Search("tag", Metric.L2, q, 1, 1, null, rows, d), "'tag'");
        Invalid(() => s.Search("vec", Metric.Hamming, q, 1, 1, null, rows, d), "HAMMING");
        Invalid(() => s.Search("bits", Metric.L2, new byte[8], 1, 1, null, rows, d), "L2");
        Invalid(() => s.Search("vec", Metric.L2, new float[7], 1, 1, null, rows, d), "dim 8");
        Invalid(() => s.Search("vec", Metric.L2, ReadOnlySpan<float>.Empty, 1, 1, null, rows, d), "'vec'");
        Invalid(() => s.Search("bits", Metric.Hamming, new byte[9], 1, 1, null, rows, d), "multiple of 8");
        Invalid(() => s.Search("bits", Metric.Hamming, new float[8], 1, 1, null, rows, d), "bytes, not floats");
        Invalid(() => s.Search("vec", Metric.L2, new byte[32], 1, 1, null, rows, d), "floats, not bytes");
        Invalid(() => s.Search("vec", Metric.L2, q, 0, 1, null, rows, d), "k");
        Invalid(() => s.Search("vec", Metric.L2, q, GrowingSegment.MaxTopK + 1, 1, null, rows, d), "16384");
        Assert.Throws<ArgumentException>(() => s.Search("vec", Metric.L2, new float[16], 10, 1, null, rows, d));
    }

    [Fact]
    public void BadAppendsAndKeysAreRefused()
    {
        var s = Segment();
        var other = new SegmentSchema([new SegmentField("id", FieldType.Int64, IsPrimaryKey: true), new SegmentField("vec", FieldType.FloatVector, 4)]);
        var wrong = new SegmentBatchBuilder(other, 1).Timestamps([1]).Column("id", new long[] { 9 }).Column("vec", new float[4]).Build();
        Invalid(() => s.Append(wrong), "columns");

        var differentDim = new SegmentSchema([
            new SegmentField("id", FieldType.Int64, IsPrimaryKey: true),
            new SegmentField("vec", FieldType.FloatVector, 9),
            new SegmentField("bits", FieldType.BinaryVector, 64),
            new SegmentField("tag", FieldType.Int32),
        ]);
        var batch = new SegmentBatchBuilder(differentDim, 1).Timestamps([1]).Column("id", new long[] { 9 }).Column("vec", new float[9])
            .Column("bits", new byte[8]).Column("tag", new int[1]).Build();
        Invalid(() => s.Append(batch), "'vec'");

        // An equal schema built separately is accepted.
        var twin = new SegmentSchema(Schema.Fields);
        Assert.Equal(3, s.Append(new SegmentBatchBuilder(twin, 1).Timestamps([2]).Column("id", new long[] { 4 }).Column("vec", new float[8])
            .Column("bits", new byte[8]).Column("tag", new int[1]).Build()));

        Invalid(() => s.Delete(["a"], 5), "Int64");
        Invalid(() => s.TryGetRow("a", 5, out _), "Int64");
        Invalid(() => s.GetValue("nope", 0), "'nope'");
        Assert.True(s.TryGetRow(4, 5, out long row)); // an int key is taken as Int64
        Assert.Equal(3, row);
    }
}
