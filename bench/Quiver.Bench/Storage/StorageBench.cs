using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Quiver.Kernel.Distance;
using Quiver.Storage.ObjectStore;
using Quiver.Storage.Segments;
using Quiver.Storage.Wal;

namespace Quiver.Bench.Storage;

/// <summary>
/// <c>quiver-bench storage</c>: durable WAL appends, segment write and scan, object-store put/get.
/// One JSON line per measurement. Everything runs in a scratch directory on the same disk as the
/// temp folder (or <c>--dir</c>).
/// </summary>
internal static class StorageBench
{
    public static int Run(bool quick, string? output, string? directory, string? s3Endpoint, string s3Bucket)
    {
        string root = Path.Combine(directory ?? Path.GetTempPath(), $"quiver-storage-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        using var lines = new ResultLines(output);
        var Emit = lines.Emit;
        try
        {
            var seconds = TimeSpan.FromSeconds(quick ? 1.5 : 5);
            Emit(SyncFloor(Path.Combine(root, "fsync-floor"), 512, seconds));
            foreach (var (bytes, writers, inflight) in new[] { (512, 1, 1), (512, 1, 256), (512, 8, 1), (512, 8, 64), (65536, 1, 1), (65536, 1, 16), (65536, 8, 1), (65536, 8, 4) })
                Emit(WalAppend(Path.Combine(root, $"wal-{bytes}-{writers}-{inflight}"), bytes, writers, inflight, seconds).GetAwaiter().GetResult());

            int rows = quick ? 60_000 : 200_000, dim = 768;
            foreach (var row in Segments(Path.Combine(root, "segment"), rows, dim, quick ? 5 : 15)) Emit(row);

            using (var local = new LocalObjectStore(Path.Combine(root, "objects")))
                foreach (var row in Objects(local, quick ? 8 : 32, 4 << 20).GetAwaiter().GetResult()) Emit(row);
            if (s3Endpoint != null)
            {
                using var s3 = new S3ObjectStore(new S3ObjectStoreOptions { ServiceUrl = s3Endpoint, Bucket = s3Bucket, AccessKey = "S3RVER", SecretKey = "S3RVER" }, new Random(1));
                s3.CreateBucketIfMissingAsync().GetAwaiter().GetResult();
                foreach (var row in Objects(s3, quick ? 8 : 32, 4 << 20).GetAwaiter().GetResult()) Emit(row);
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// <paramref name="writers"/> tasks append <paramref name="entryBytes"/>-byte entries for <paramref name="duration"/>, each keeping
    /// <paramref name="inflight"/> appends outstanding (1 = wait for each ack before the next). Only acknowledged (durable) appends count.
    /// </summary>
    private static async Task<Dictionary<string, object>> WalAppend(string dir, int entryBytes, int writers, int inflight, TimeSpan duration)
    {
        var options = new WalOptions(dir, "bench", PageSizeBits: 22, MemorySizeBits: 26, SegmentSizeBits: 30);
        long acked = 0;
        var latencies = new List<double>();
        var sw = Stopwatch.StartNew();
        await using (var wal = await WriteAheadLog.OpenAsync(options))
        {
            var payload = new byte[entryBytes];
            new Random(entryBytes).NextBytes(payload);
            var stopAt = sw.Elapsed + duration;
            sw.Restart();
            var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var window = new Queue<(ValueTask<long> Ack, long Start)>();
                var local = new List<double>();
                long n = 0;
                ulong ts = 0;
                while (sw.Elapsed < duration)
                {
                    window.Enqueue((wal.AppendAsync(new WalEntry(WalEntryKind.Insert, ts++, 1, w, payload)), Stopwatch.GetTimestamp()));
                    if (window.Count >= inflight)
                    {
                        var (ack, start) = window.Dequeue();
                        await ack;
                        n++;
                        if ((n & 15) == 0) local.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
                }
                while (window.Count > 0) { await window.Dequeue().Ack; n++; }
                Interlocked.Add(ref acked, n);
                lock (latencies) latencies.AddRange(local);
            })).ToArray();
            await Task.WhenAll(tasks);
        }
        double secs = sw.Elapsed.TotalSeconds;
        latencies.Sort();
        return new Dictionary<string, object>
        {
            ["bench"] = "wal_append", ["entry_bytes"] = entryBytes, ["writers"] = writers, ["inflight_per_writer"] = inflight, ["durable"] = true,
            ["ops_per_s"] = Math.Round(acked / secs), ["mb_per_s"] = Math.Round(acked * (double)entryBytes / secs / 1e6, 1),
            ["p50_us"] = latencies.Count > 0 ? Math.Round(latencies[latencies.Count / 2]) : 0, ["p99_us"] = latencies.Count > 0 ? Math.Round(latencies[(int)(latencies.Count * 0.99)]) : 0,
            ["seconds"] = Math.Round(secs, 2),
        };
    }

    /// <summary>
    /// The disk's own floor, for scale: append 512 bytes to a plain file and fsync, one at a time. Each durable
    /// WAL commit costs at least one such synchronous write, so this bounds the one-writer, one-in-flight case.
    /// </summary>
    private static Dictionary<string, object> SyncFloor(string path, int entryBytes, TimeSpan duration)
    {
        var payload = new byte[entryBytes];
        long n = 0;
        var sw = Stopwatch.StartNew();
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1))
        {
            while (sw.Elapsed < duration)
            {
                f.Write(payload);
                f.Flush(flushToDisk: true);
                n++;
            }
        }
        File.Delete(path);
        return new Dictionary<string, object>
        {
            ["bench"] = "fsync_floor", ["entry_bytes"] = entryBytes, ["writers"] = 1, ["durable"] = true, ["ops_per_s"] = Math.Round(n / sw.Elapsed.TotalSeconds),
            ["note"] = "plain FileStream write + fsync per entry, no WAL",
        };
    }

    private static IEnumerable<Dictionary<string, object>> Segments(string dir, int rows, int dim, int scanRepeats)
    {
        Directory.CreateDirectory(dir);
        var schema = new SegmentSchema([new SegmentField("id", FieldType.Int64, IsPrimaryKey: true), new SegmentField("vec", FieldType.FloatVector, Dim: dim)]);
        var random = new Random(7);
        var flat = new float[(long)rows * dim];
        for (long i = 0; i < flat.Length; i++) flat[i] = (float)random.NextDouble();
        const int batchRows = 8192;
        var batches = new List<Apache.Arrow.RecordBatch>();
        for (int start = 0; start < rows; start += batchRows)
        {
            int n = Math.Min(batchRows, rows - start);
            batches.Add(new SegmentBatchBuilder(schema, n)
                .Column("id", Enumerable.Range(start, n).Select(i => (long)i).ToArray())
                .Column("vec", flat.AsSpan(start * dim, n * dim).ToArray())
                .Timestamps(Enumerable.Range(start, n).Select(i => (ulong)i).ToArray())
                .Build());
        }
        string path = Path.Combine(dir, "insert_0.arrow");
        double vectorBytes = (double)rows * dim * 4;
        var sw = Stopwatch.StartNew();
        var info = SegmentWriter.Write(path, schema, batches); // includes fsync and the CRC pass
        double writeSecs = sw.Elapsed.TotalSeconds;
        yield return new Dictionary<string, object>
        {
            ["bench"] = "segment_write", ["rows"] = rows, ["dim"] = dim, ["file_bytes"] = info.Size,
            ["gb_per_s"] = Math.Round(info.Size / writeSecs / 1e9, 3), ["seconds"] = Math.Round(writeSecs, 3), ["fsync"] = true,
        };

        sw.Restart();
        using (var verified = SegmentReader.Open(path, info)) { }
        double openSecs = sw.Elapsed.TotalSeconds;
        yield return new Dictionary<string, object>
        {
            ["bench"] = "segment_open_verified", ["file_bytes"] = info.Size, ["gb_per_s"] = Math.Round(info.Size / openSecs / 1e9, 3), ["seconds"] = Math.Round(openSecs, 3),
        };

        using var reader = SegmentReader.Open(path);
        var query = flat.AsSpan(0, dim).ToArray();
        var distances = new float[batchRows];
        // Kernel baseline: the same one-to-many L2 over the same rows in a managed array.
        var baselineRuns = new List<double>();
        var scanRuns = new List<double>();
        float sink = 0;
        for (int rep = 0; rep < scanRepeats + 1; rep++)
        {
            sw.Restart();
            for (int start = 0; start < rows; start += batchRows)
            {
                int n = Math.Min(batchRows, rows - start);
                VectorDistance.SquaredL2(query, flat.AsSpan(start * dim, n * dim), distances.AsSpan(0, n));
                sink += distances[n - 1];
            }
            if (rep > 0) baselineRuns.Add(sw.Elapsed.TotalSeconds);
            sw.Restart();
            for (int b = 0; b < reader.BatchCount; b++)
            {
                var vectors = reader.FloatVectors("vec", b);
                int n = vectors.Length / dim;
                VectorDistance.SquaredL2(query, vectors, distances.AsSpan(0, n));
                sink += distances[n - 1];
            }
            if (rep > 0) scanRuns.Add(sw.Elapsed.TotalSeconds);
        }
        baselineRuns.Sort();
        scanRuns.Sort();
        double baseline = vectorBytes / baselineRuns[baselineRuns.Count / 2] / 1e9, scan = vectorBytes / scanRuns[scanRuns.Count / 2] / 1e9;
        yield return new Dictionary<string, object>
        {
            ["bench"] = "segment_scan", ["rows"] = rows, ["dim"] = dim, ["source"] = "mmap page cache, zero-copy", ["gb_per_s"] = Math.Round(scan, 2),
            ["kernel_gb_per_s"] = Math.Round(baseline, 2), ["ratio_to_kernel"] = Math.Round(scan / baseline, 3), ["repeats"] = scanRepeats, ["checksum"] = sink,
        };
    }

    private static async Task<List<Dictionary<string, object>>> Objects(IObjectStore store, int count, int size)
    {
        var data = new byte[size];
        new Random(3).NextBytes(data);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++) await store.PutAsync($"bench/obj-{i:D4}", data);
        double put = sw.Elapsed.TotalSeconds;
        sw.Restart();
        long got = 0;
        for (int i = 0; i < count; i++) got += (await store.GetAsync($"bench/obj-{i:D4}")).Length;
        double get = sw.Elapsed.TotalSeconds;
        for (int i = 0; i < count; i++) await store.DeleteAsync($"bench/obj-{i:D4}");
        double mb = (double)count * size / 1e6;
        return
        [
            new() { ["bench"] = "object_put", ["backend"] = store.Backend, ["object_bytes"] = size, ["objects"] = count, ["mb_per_s"] = Math.Round(mb / put, 1) },
            new() { ["bench"] = "object_get", ["backend"] = store.Backend, ["object_bytes"] = size, ["objects"] = count, ["mb_per_s"] = Math.Round(got / 1e6 / get, 1) },
        ];
    }
}
