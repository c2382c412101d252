using System.Collections.Concurrent;
using System.Diagnostics;
using Quiver.Kernel.Distance;
using Quiver.Node.Streaming;
using Xunit.Abstractions;

namespace Quiver.Node.Tests.Streaming;

public class GrowingSegmentConcurrencyTests(ITestOutputHelper output)
{
    /// <summary>
    /// One writer appends, deletes and upserts for about a second while three searchers read at the newest
    /// finished timestamp. Every answer must be a consistent snapshot: each row visible at its timestamp, one
    /// row per key, distances right for the stored vectors and in order, and as many rows as are visible
    /// (visibility at T cannot change once the writer has moved past T).
    /// </summary>
    [Fact]
    public void SearchersSeeConsistentSnapshotsWhileOneWriterAppendsDeletesAndUpserts()
    {
        const int dim = 16, k = 10;
        var schema = GrowingData.FloatSchema(dim);
        var segment = new GrowingSegment(1, 1, schema);
        long publishedTs = 0;
        var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<Exception>();
        long searches = 0;

        var writer = new Thread(() =>
        {
            try
            {
                var rng = new Random(1);
                long nextKey = 0;
                var clock = Stopwatch.StartNew();
                for (ulong step = 1; clock.ElapsedMilliseconds < 1000; step++)
                {
                    ulong ts = step * 10;
                    int n = 1 + rng.Next(100);
                    long[] keys;
                    if (segment.RowCount > 40_000)
                    {
                        // Enough rows for a cheap brute force: from here on only deletes move the state.
                        segment.Delete(Enumerable.Range(0, 5).Select(_ => rng.NextInt64(nextKey)).ToArray(), ts);
                        Volatile.Write(ref publishedTs, (long)ts);
                        Thread.Sleep(1);
                        continue;
                    }
                    if (step % 4 == 0 && nextKey > 100)
                    {
                        // Upsert existing keys: delete at ts, then the new rows at ts.
                        keys = Enumerable.Range(0, Math.Min(n, 50)).Select(_ => rng.NextInt64(nextKey)).Distinct().ToArray();
                        segment.Delete(keys, ts);
                    }
                    else
                    {
                        keys = GrowingData.Range(nextKey, n);
                        nextKey += n;
                    }
                    segment.Append(GrowingData.FloatBatch(schema, keys, GrowingData.Vectors(rng, keys.Length, dim), ts));
                    if (step % 5 == 0) segment.Delete(Enumerable.Range(0, 20).Select(_ => rng.NextInt64(nextKey)).ToArray(), ts + 5);
                    Volatile.Write(ref publishedTs, (long)ts + (step % 5 == 0 ? 5 : 0));
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
            finally
            {
                stop.Cancel();
            }
        });

        var searchers = Enumerable.Range(0, 3).Select(id => new Thread(() =>
        {
            try
            {
                var rng = new Random(100 + id);
                var queries = new float[2 * dim];
                var rows = new int[2 * k];
                var d = new float[2 * k];
                var found = new int[2];
                Metric metric = id switch { 0 => Metric.L2, 1 => Metric.InnerProduct, _ => Metric.Cosine };
                while (!stop.IsCancellationRequested)
                {
                    ulong ts = (ulong)Volatile.Read(ref publishedTs);
                    for (int i = 0; i < queries.Length; i++) queries[i] = (float)(rng.NextDouble() * 2 - 1);
                    segment.Search("vec", metric, queries, k, ts, null, rows, d, found);
                    long live = segment.LiveCount(ts);
                    for (int q = 0; q < 2; q++)
                    {
                        Assert.Equal(Math.Min(k, live), found[q]);
                        var keys = new HashSet<long>();
                        for (int i = 0; i < found[q]; i++)
                        {
                            int row = rows[q * k + i];
                            Assert.True(segment.IsVisible(row, ts), $"row {row} is not visible at {ts}");
                            Assert.True(keys.Add((long)segment.PrimaryKey(row)), $"key of row {row} returned twice at {ts}");
                            var stored = (float[])segment.GetValue("vec", row)!;
                            double expected = GrowingData.Reference(metric, queries.AsSpan(q * dim, dim), stored);
                            Assert.True(Math.Abs(expected - d[q * k + i]) <= 1e-4 * (1 + Math.Abs(expected)), $"row {row}: {d[q * k + i]} vs {expected}");
                            if (i > 0)
                            {
                                float prev = d[q * k + i - 1];
                                Assert.True(GrowingData.LargerIsBetter(metric) ? prev >= d[q * k + i] : prev <= d[q * k + i], "results out of order");
                            }
                        }
                        for (int i = found[q]; i < k; i++) Assert.Equal(-1, rows[q * k + i]);
                    }
                    long probe = rng.NextInt64(Math.Max(1, segment.RowCount));
                    if (segment.RowCount > 0 && segment.TryGetRow(segment.PrimaryKey(probe), ts, out long hit))
                        Assert.True(segment.IsVisible(hit, ts));
                    Interlocked.Increment(ref searches);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
                stop.Cancel();
            }
        })).ToArray();

        writer.Start();
        foreach (var s in searchers) s.Start();
        writer.Join();
        foreach (var s in searchers) s.Join();

        output.WriteLine($"{segment.RowCount} rows, {Interlocked.Read(ref searches)} searches");
        Assert.Empty(failures);
        Assert.True(Interlocked.Read(ref searches) > 10, $"only {searches} searches ran");
        Assert.True(segment.RowCount > 1000);
    }
}
