namespace Quiver.Node.Tests.Coordinator;

/// <summary>A clock the test moves by hand, forwards or backwards (only <see cref="GetUtcNow"/> is used by the TSO).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);

    public long NowMs => GetUtcNow().ToUnixTimeMilliseconds();
}
