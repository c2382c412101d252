namespace Quiver.Node.Client;

public sealed partial class QuiverClient
{
    private readonly CancellationTokenSource _background = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Task> _autoFlushes = new();
    private Task? _worker;

    /// <summary>Starts the background worker: the seal policies (size and age) checked every <see cref="QuiverClientOptions.BackgroundInterval"/>.</summary>
    private void StartBackground() => _worker = Task.Run(async () =>
    {
        var stop = _background.Token;
        long lastCompaction = Environment.TickCount64;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.BackgroundInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            foreach (var runtime in _collections.Values)
                if (runtime.Shards.Any(s => s.OldestGrowingAge >= _options.SealAfter)) ScheduleFlush(runtime);
            if (_options.CompactionInterval > TimeSpan.Zero && Environment.TickCount64 - lastCompaction >= _options.CompactionInterval.TotalMilliseconds)
            {
                lastCompaction = Environment.TickCount64;
                foreach (var runtime in _collections.Values) await CompactInBackgroundAsync(runtime, stop).ConfigureAwait(false);
            }
        }
    });

    /// <summary>After a write: seal and flush in the background once the collection's growing data passes the size policy.</summary>
    private void CheckSealBySize(CollectionRuntime runtime)
    {
        long bytes = 0;
        foreach (var shard in runtime.Shards) bytes += shard.GrowingBytes;
        if (bytes >= _options.SealBytes) ScheduleFlush(runtime);
    }

    /// <summary>One background flush per collection at a time; a failure is logged and the policy triggers it again later.</summary>
    private void ScheduleFlush(CollectionRuntime runtime)
    {
        if (_background.IsCancellationRequested || _autoFlushes.ContainsKey(runtime.Info.Id)) return;
        var done = new TaskCompletionSource();
        if (!_autoFlushes.TryAdd(runtime.Info.Id, done.Task)) return;
        _ = Task.Run(async () =>
        {
            try
            {
                if (_collections.ContainsKey(runtime.Info.Id)) await FlushAsync(runtime, _background.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_background.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _options.Log?.Invoke($"background flush of collection '{runtime.Info.Name}' failed: {e.Message}");
            }
            finally
            {
                _autoFlushes.TryRemove(runtime.Info.Id, out _);
                done.SetResult();
            }
        });
    }

    /// <summary>The data node's scheduled compaction of one collection; failures are logged and retried at the next round.</summary>
    private async Task CompactInBackgroundAsync(CollectionRuntime runtime, CancellationToken stop)
    {
        try
        {
            if (_collections.ContainsKey(runtime.Info.Id)) await CompactAsync(runtime, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _options.Log?.Invoke($"background compaction of collection '{runtime.Info.Name}' failed: {e.Message}");
        }
    }

    /// <summary>Stops the worker and waits for background flushes to finish.</summary>
    private async Task StopBackgroundAsync()
    {
        _background.Cancel();
        if (_worker != null) await _worker.ConfigureAwait(false);
        await Task.WhenAll(_autoFlushes.Values).ConfigureAwait(false);
        _background.Dispose();
    }
}
