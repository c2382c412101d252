using System.Globalization;
using Quiver.Storage.Wal;

namespace Quiver.Storage.Tests.Wal;

/// <summary>
/// A child process appends in a loop and prints every acknowledged entry; the test kills it with SIGKILL
/// at random moments, reopens the log and checks that every acknowledged entry is there, at its position,
/// intact and in order, and that nothing was invented. QUIVER_WAL_CRASH_ROUNDS sets the rounds (soak mode).
/// </summary>
public class WalCrashTests
{
    private sealed record Ack(int Round, int Writer, long Seq, long Address);

    [Fact]
    public async Task AcknowledgedEntriesSurviveSigkill()
    {
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("QUIVER_WAL_CRASH_ROUNDS"), out int r) ? r : 20;
        using var dir = new ScratchDirectory("walcrash");
        var random = new Random(20261126);
        var acked = new Dictionary<long, Ack>();
        int totalAcked = 0;
        for (int round = 0; round < rounds; round++)
        {
            int writers = 1 + round % 4;
            var acks = await RunChildUntilKilled(dir.Path, round, writers, random.Next(), killAfterMs: random.Next(30, 400));
            foreach (var a in acks)
            {
                Assert.False(acked.ContainsKey(a.Address), $"round {round}: position {a.Address} acknowledged twice");
                acked[a.Address] = a;
            }
            totalAcked += acks.Count;
            await VerifyLog(dir.Path, round, acked);
        }
        Assert.True(totalAcked > rounds, $"the child acknowledged only {totalAcked} entries in {rounds} rounds");
    }

    private static async Task VerifyLog(string dir, int round, Dictionary<long, Ack> acked)
    {
        var log = new List<string>();
        await using var wal = await WriteAheadLog.OpenAsync(new WalOptions(dir, "crash", PageSizeBits: 16, MemorySizeBits: 20, SegmentSizeBits: 20, Log: log.Add));
        var seen = new HashSet<long>();
        var lastSeq = new Dictionary<(int, int), long>();
        await foreach (var rec in wal.Scan())
        {
            var e = rec.Entry;
            Assert.True(CrashPayload.TryRead(e.Payload.Span, out int rnd, out int writer, out long seq),
                $"round {round}: entry at {rec.Address} has a payload the child never wrote");
            Assert.Equal((ulong)seq, e.Timestamp);
            Assert.Equal(rnd, e.CollectionId);
            Assert.Equal(writer, e.PartitionId);
            Assert.True(rnd <= round, $"entry at {rec.Address} claims round {rnd} > {round}");
            // Each writer awaited every append before the next, so its entries are contiguous and in order.
            long expected = lastSeq.TryGetValue((rnd, writer), out long last) ? last + 1 : 0;
            Assert.True(seq == expected, $"round {round}: writer {rnd}/{writer} entry {seq} at {rec.Address}, expected {expected}");
            lastSeq[(rnd, writer)] = seq;
            if (acked.TryGetValue(rec.Address, out var ack))
                Assert.Equal((ack.Round, ack.Writer, ack.Seq), (rnd, writer, seq));
            seen.Add(rec.Address);
        }
        foreach (var a in acked.Values)
            Assert.True(seen.Contains(a.Address), $"after round {round}: acknowledged entry {a} is missing");
    }

    private static async Task<List<Ack>> RunChildUntilKilled(string dir, int round, int writers, int seed, int killAfterMs)
    {
        var lines = await CrashChild.RunUntilKilledAsync("Quiver.Storage.WalCrashHost.dll", $"\"{dir}\" {round} {writers} {seed}", killAfterMs);
        var acks = new List<Ack>();
        foreach (var l in lines)
        {
            var p = l.Split(' ');
            if (p.Length != 5 || p[0] != "ack") continue;
            acks.Add(new Ack(int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture),
                long.Parse(p[3], CultureInfo.InvariantCulture), long.Parse(p[4], CultureInfo.InvariantCulture)));
        }
        return acks;
    }
}
