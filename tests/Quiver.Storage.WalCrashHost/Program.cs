// Child process of the WAL crash test (tests/Quiver.Storage.Tests/Wal/WalCrashTests.cs).
// Usage: Quiver.Storage.WalCrashHost <wal-dir> <round> <writers> <seed>
// Opens the log, then `writers` tasks append entries in a loop; after each append is acknowledged
// (durable) it prints "ack <round> <writer> <seq> <address>". It never exits by itself: the parent
// kills it with SIGKILL at a random moment.
using System.Globalization;
using Quiver.Storage.Wal;

string dir = args[0];
int round = int.Parse(args[1], CultureInfo.InvariantCulture);
int writers = int.Parse(args[2], CultureInfo.InvariantCulture);
int seed = int.Parse(args[3], CultureInfo.InvariantCulture);

await using var wal = await WriteAheadLog.OpenAsync(new WalOptions(dir, "crash", PageSizeBits: 16, MemorySizeBits: 20, SegmentSizeBits: 20));
var stdout = Console.Out;
stdout.WriteLine("ready");
var tasks = new Task[writers];
for (int w = 0; w < writers; w++)
{
    int writer = w;
    tasks[w] = Task.Run(async () =>
    {
        var random = new Random(seed * 31 + writer);
        for (long seq = 0; ; seq++)
        {
            var payload = CrashPayload.Make(round, writer, seq, random.Next(16, 3000));
            long address = await wal.AppendAsync(new WalEntry(WalEntryKind.Insert, (ulong)seq, round, writer, payload));
            lock (stdout) stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {round} {writer} {seq} {address}"));
        }
    });
}
await Task.WhenAll(tasks);

/// <summary>The payload both sides agree on: round, writer, seq, then bytes derived from them.</summary>
public static class CrashPayload
{
    public static byte[] Make(int round, int writer, long seq, int length)
    {
        var b = new byte[Math.Max(16, length)];
        BitConverter.TryWriteBytes(b.AsSpan(0), round);
        BitConverter.TryWriteBytes(b.AsSpan(4), writer);
        BitConverter.TryWriteBytes(b.AsSpan(8), seq);
        for (int i = 16; i < b.Length; i++) b[i] = Filler(round, writer, seq, i);
        return b;
    }

    public static byte Filler(int round, int writer, long seq, int i) => (byte)((round * 131 + writer * 31 + seq * 7 + i * 13) ^ (i >> 3));

    /// <summary>Parses and checks a payload; false when any filler byte is wrong.</summary>
    public static bool TryRead(ReadOnlySpan<byte> b, out int round, out int writer, out long seq)
    {
        round = writer = 0;
        seq = 0;
        if (b.Length < 16) return false;
        round = BitConverter.ToInt32(b);
        writer = BitConverter.ToInt32(b[4..]);
        seq = BitConverter.ToInt64(b[8..]);
        for (int i = 16; i < b.Length; i++)
            if (b[i] != Filler(round, writer, seq, i)) return false;
        return true;
    }
}
