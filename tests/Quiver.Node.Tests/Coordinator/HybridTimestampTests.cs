using Quiver.Node.Coordinator;

namespace Quiver.Node.Tests.Coordinator;

public class HybridTimestampTests
{
    [Fact]
    public void ComposeSplitsBackIntoPhysicalAndLogical()
    {
        long physical = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() + 123;
        ulong ts = HybridTimestamp.Compose(physical, 4567);
        Assert.Equal(((ulong)physical << 18) | 4567UL, ts);
        Assert.Equal(physical, HybridTimestamp.Physical(ts));
        Assert.Equal(4567, HybridTimestamp.Logical(ts));
        Assert.Equal(new DateTime(2026, 3, 1, 12, 0, 0, 123, DateTimeKind.Utc), HybridTimestamp.ToDateTime(ts));
        Assert.Equal(DateTimeKind.Utc, HybridTimestamp.ToDateTime(ts).Kind);
    }

    [Fact]
    public void OrderOfTimestampsIsOrderOfPhysicalThenLogical()
    {
        Assert.True(HybridTimestamp.Compose(10, HybridTimestamp.LogicalPerMillisecond - 1) < HybridTimestamp.Compose(11, 0));
        Assert.True(HybridTimestamp.Compose(10, 1) < HybridTimestamp.Compose(10, 2));
        Assert.Equal(HybridTimestamp.MaxPhysical, HybridTimestamp.Physical(HybridTimestamp.Compose(HybridTimestamp.MaxPhysical, 0)));
    }

    [Fact]
    public void OutOfRangePartsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HybridTimestamp.Compose(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HybridTimestamp.Compose(HybridTimestamp.MaxPhysical + 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HybridTimestamp.Compose(1, HybridTimestamp.LogicalPerMillisecond));
        Assert.Throws<ArgumentOutOfRangeException>(() => HybridTimestamp.Compose(1, -1));
    }
}
