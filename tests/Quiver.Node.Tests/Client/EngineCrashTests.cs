using System.Globalization;
using Quiver.Node.Client;
using Quiver.Node.Proxy;

namespace Quiver.Node.Tests.Client;

/// <summary>
/// A child process inserts, upserts and deletes through the embedded client, one operation at a time, and prints
/// each operation before it starts and when it is acknowledged; the test kills it with SIGKILL at random moments,
/// reopens the data directory and checks that the state is exactly the acknowledged history — plus, possibly, the
/// one operation that was in flight. A write is atomic per shard (one WAL entry per shard, as in Milvus, where
/// each vchannel is its own log), so an unacknowledged write may have reached some shards and not others: each
/// shard's part of it is wholly there or wholly absent.
/// QUIVER_ENGINE_CRASH_ROUNDS sets the rounds (soak mode), QUIVER_ENGINE_CRASH_SEED the seed of the schedule.
/// </summary>
public class EngineCrashTests
{
    private sealed record Op(long Number, string Kind, long[] Ids, string Title);

    [Fact]
    public async Task TheStateAfterSigkillIsTheAcknowledgedHistory()
    {
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("QUIVER_ENGINE_CRASH_ROUNDS"), out int r) ? r : 10;
        using var dir = new ScratchDirectory("enginecrash");
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("QUIVER_ENGINE_CRASH_SEED"), out int seed) ? seed : 11_26);
        var state = new Dictionary<long, string>(); // id → title of the acknowledged history
        long maxId = -1;
        int acknowledged = 0;
        for (int round = 0; round < rounds; round++)
        {
            long firstNew = (round + 1) * 10_000_000L;
            var lines = await CrashChild.RunUntilKilledAsync("Quiver.Node.CrashHost.dll",
                $"\"{dir.Path}\" {firstNew} {maxId} {random.Next()}", random.Next(200, 900));
            Op? inFlight = null;
            foreach (var line in lines)
            {
                var p = line.Split(' ');
                if (p[0] == "begin" && p.Length == 5)
                {
                    inFlight = new Op(long.Parse(p[1], CultureInfo.InvariantCulture), p[2],
                        p[3].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray(), p[4]);
                }
                else if (p[0] == "ack" && p.Length == 2 && inFlight != null && long.Parse(p[1], CultureInfo.InvariantCulture) == inFlight.Number)
                {
                    Apply(state, inFlight);
                    if (inFlight.Kind is not ("flush" or "compact")) maxId = Math.Max(maxId, inFlight.Ids.Max());
                    acknowledged++;
                    inFlight = null;
                }
            }
            // The candidates: the acknowledged history plus any subset of the in-flight write's per-shard parts.
            var candidates = new List<Dictionary<long, string>> { state };
            if (inFlight != null)
            {
                var parts = inFlight.Kind is "flush" or "compact" ? [] : inFlight.Ids.GroupBy(id => ShardRouter.Shard(id, 2)).Select(g => inFlight with { Ids = g.ToArray() }).ToList();
                for (int mask = 1; mask < 1 << parts.Count; mask++)
                {
                    var candidate = new Dictionary<long, string>(state);
                    for (int i = 0; i < parts.Count; i++) if ((mask & (1 << i)) != 0) Apply(candidate, parts[i]);
                    candidates.Add(candidate);
                }
            }

            await using var client = await QuiverClient.OpenAsync(dir.Path, new QuiverClientOptions { WalPageSizeBits = 20, WalMemorySizeBits = 22, WalSegmentSizeBits = 24 });
            var actual = await ReadAll(client, state.Keys.Concat(inFlight?.Ids ?? []).ToArray());
            long count = await client.CountAsync("crash");
            var match = candidates.FirstOrDefault(c => Same(actual, c) && count == c.Count);
            if (match is null)
            {
                // Say which rows are there that the history does not have (and the reverse), with the titles that name the writes.
                var all = new Dictionary<long, string>();
                var dup = new List<long>();
                await foreach (var page in client.QueryIteratorAsync("crash", new QueryRequest { Filter = "id >= 0", OutputFields = ["id", "title"] }, 4096))
                    foreach (var row in page)
                        if (!all.TryAdd((long)row["id"]!, (string)row["title"]!)) dup.Add((long)row["id"]!);
                var extra = all.Where(p => !state.ContainsKey(p.Key)).Take(8).Select(p => $"{p.Key}:{p.Value}");
                var missing = state.Where(p => !all.ContainsKey(p.Key)).Take(8).Select(p => $"{p.Key}:{p.Value}");
                var changed = state.Where(p => all.TryGetValue(p.Key, out var t) && t != p.Value).Take(8).Select(p => $"{p.Key}:{p.Value}->{all[p.Key]}");
                Assert.Fail($"round {round}: {actual.Count} rows (count {count}, query {all.Count}) match neither the acknowledged history ({state.Count} rows) " +
                    $"nor it plus per-shard parts of the in-flight {inFlight?.Kind}; duplicate keys [{string.Join(' ', dup.Take(8))}] extra [{string.Join(' ', extra)}] missing [{string.Join(' ', missing)}] changed [{string.Join(' ', changed)}]; " +
                    $"last lines: {string.Join(" | ", lines.TakeLast(3))}");
            }
            // Whatever part of the in-flight write reached the log is part of history from now on.
            state = match;
            if (inFlight != null && inFlight.Kind is not ("flush" or "compact")) maxId = Math.Max(maxId, inFlight.Ids.Max());
        }
        Assert.True(acknowledged > rounds, $"only {acknowledged} operations were acknowledged in {rounds} rounds");
    }

    private static void Apply(Dictionary<long, string> state, Op op)
    {
        if (op.Kind is "flush" or "compact") return; // change where rows live, never what they are
        foreach (long id in op.Ids)
        {
            if (op.Kind == "delete") state.Remove(id);
            else state[id] = op.Title;
        }
    }

    private static async Task<Dictionary<long, string>> ReadAll(QuiverClient client, long[] ids)
    {
        var rows = await client.GetAsync("crash", ids.Distinct().ToArray(), ["id", "title"]);
        return rows.ToDictionary(row => (long)row["id"]!, row => (string)row["title"]!);
    }

    private static bool Same(Dictionary<long, string> a, Dictionary<long, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
