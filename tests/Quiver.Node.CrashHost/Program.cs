// Child process of the engine crash test (tests/Quiver.Node.Tests/Client/EngineCrashTests.cs).
// Usage: Quiver.Node.CrashHost <data-dir> <first-new-id> <max-existing-id> <seed>
// Runs operations one at a time through QuiverClient (inserts, upserts, deletes, and now and then a flush or a compaction): before each it prints
// "begin <op> <insert|upsert|delete> <id,id,...> <title>", after its acknowledgement "ack <op>".
// It never exits by itself: the parent kills it with SIGKILL at a random moment.
using System.Globalization;
using Quiver.Node.Client;
using Quiver.Node.Coordinator;
using Quiver.Node.Proxy;
using Quiver.Node.Schema;
using Quiver.Storage.Segments;

string dir = args[0];
long nextId = long.Parse(args[1], CultureInfo.InvariantCulture);
long maxExisting = long.Parse(args[2], CultureInfo.InvariantCulture);
var random = new Random(int.Parse(args[3], CultureInfo.InvariantCulture));
var options = new QuiverClientOptions { WalPageSizeBits = 20, WalMemorySizeBits = 22, WalSegmentSizeBits = 24 };
await using var client = await QuiverClient.OpenAsync(dir, options);
if (!await client.HasCollectionAsync("crash"))
    await client.CreateCollectionAsync(CrashSchema.Schema, new CreateCollectionOptions { ShardsNum = 2 });
var stdout = Console.Out;
stdout.WriteLine("ready");
for (long op = 0; ; op++)
{
    int kind = random.Next(22);
    if (kind == 21)
    {
        // Now and then a compaction: merge the small sealed segments, drop deleted rows, swap.
        stdout.WriteLine($"begin {op} compact 0 -");
        await client.CompactAsync("crash");
        stdout.WriteLine($"ack {op}");
        continue;
    }
    if (kind == 20)
    {
        // Now and then a flush: seal, write segments and delete logs, move the checkpoint, truncate the WAL.
        stdout.WriteLine($"begin {op} flush 0 -");
        await client.FlushAsync("crash");
        stdout.WriteLine($"ack {op}");
        continue;
    }
    kind %= 5;
    string title = string.Create(CultureInfo.InvariantCulture, $"t{nextId}-{op}");
    long[] ids;
    string name;
    if (kind <= 2 || maxExisting < 0)
    {
        ids = Enumerable.Range(0, 20).Select(i => nextId + i).ToArray();
        nextId += 20;
        name = "insert";
    }
    else
    {
        ids = Enumerable.Range(0, 10).Select(_ => random.NextInt64(0, maxExisting + 1)).Distinct().ToArray();
        name = kind == 3 ? "upsert" : "delete";
    }
    stdout.WriteLine($"begin {op} {name} {string.Join(',', ids)} {title}");
    if (name == "delete")
    {
        await client.DeleteAsync("crash", ids);
    }
    else
    {
        var data = new InsertData(ids.Length)
            .Column("id", ids)
            .Column("title", Enumerable.Repeat(title, ids.Length).ToArray())
            .Column("vec", ids.SelectMany(id => Enumerable.Range(0, 8).Select(d => (float)((id * 7 + d) % 13))).ToArray());
        if (name == "insert") await client.InsertAsync("crash", data);
        else await client.UpsertAsync("crash", data);
        maxExisting = Math.Max(maxExisting, ids.Max());
    }
    stdout.WriteLine($"ack {op}");
}

/// <summary>The crash test's collection, shared with the test.</summary>
public static class CrashSchema
{
    public static CollectionSchema Schema { get; } = new("crash",
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true },
        new FieldSchema("title", FieldType.VarChar) { MaxLength = 64 },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = 8 },
    ]);
}
