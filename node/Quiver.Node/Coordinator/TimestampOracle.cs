using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

/// <summary>
/// The timestamp oracle (TSO): hands out hybrid timestamps (<see cref="HybridTimestamp"/>) that are
/// strictly increasing across calls, threads and restarts, even when the clock steps backwards.
/// </summary>
/// <remarks>
/// <para>Like Milvus's <c>tso/timestampOracle</c>, it persists an upper bound on the physical part
/// (the "window", <see cref="DefaultWindow"/> ahead of the clock) before handing out any timestamp at
/// or beyond the previously saved bound. Every timestamp handed out is therefore below
/// <c>Compose(savedBound, 0)</c>, and a restarted oracle starts at
/// <c>max(now, savedBound)</c>: above everything the previous run handed out, whatever its clock said.
/// Between saves, allocation is a few arithmetic operations under a lock; a save (one meta-store
/// write) happens about once per window.</para>
/// <para>The physical part follows the clock while the clock moves forward. When the clock stands
/// still or goes back, the logical part counts on; when it would pass 2^18 the physical part moves
/// to the next millisecond, ahead of the clock if need be.</para>
/// <para>Fencing: the bound is written with compare-and-swap on the key's revision. If another
/// oracle wrote the key after this one (a second coordinator took over), this oracle stops handing
/// out timestamps and every later call throws.</para>
/// </remarks>
public sealed class TimestampOracle
{
    /// <summary>How far ahead of the clock the saved bound is put (Milvus: 3 s).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(3);

    private readonly IMetaStore _meta;
    private readonly string _key;
    private readonly TimeProvider _clock;
    private readonly long _windowMs;

    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _saveGate = new(1, 1);

    // Guarded by _sync. The next timestamp to hand out is Compose(_physical, _logical) or later.
    private long _physical;
    private long _logical;
    private long _boundMs;        // everything handed out has physical < _boundMs
    private long _boundRevision;  // mod revision of our last write of the bound key
    private string? _fenced;      // why this oracle stopped, once it has

    // Written into the bound record, so that a save whose reply was lost can be recognised as ours.
    private readonly string _owner = Guid.NewGuid().ToString("N");

    private TimestampOracle(IMetaStore meta, string key, TimeProvider clock, long windowMs)
    {
        _meta = meta;
        _key = key;
        _clock = clock;
        _windowMs = windowMs;
    }

    /// <summary>The meta-store key holding the saved bound.</summary>
    public string Key => _key;

    /// <summary>
    /// Loads the saved bound from <paramref name="key"/>, starts above it, and saves the next bound
    /// before returning.
    /// </summary>
    public static async Task<TimestampOracle> OpenAsync(IMetaStore meta, string key, TimeProvider clock,
        TimeSpan? window = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meta);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(clock);
        TimeSpan w = window ?? DefaultWindow;
        if (w < TimeSpan.FromMilliseconds(1) || w > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(window), w, "the TSO window must be 1 ms..1 h");

        try
        {
            return await OpenCoreAsync(meta, key, clock, (long)w.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        }
        catch (MetaStoreException e)
        {
            throw StoreFailures.Wrap($"open the timestamp oracle on '{key}'", e);
        }
    }

    private static async Task<TimestampOracle> OpenCoreAsync(IMetaStore meta, string key, TimeProvider clock, long windowMs, CancellationToken cancellationToken)
    {
        var oracle = new TimestampOracle(meta, key, clock, windowMs);
        KeyValue? saved = await meta.GetAsync(key, cancellationToken).ConfigureAwait(false);
        long savedBound = saved is null ? 0 : CoordinatorJson.Decode(saved, CoordinatorJsonContext.Default.TsoRecord, "TSO bound").PhysicalBoundMs;
        long start = Math.Max(oracle.NowMs(), savedBound);
        long revision = saved?.ModRevision ?? 0;
        long newBound = start + oracle._windowMs;
        var result = await meta.TxnAsync(
            [MetaCompare.ModRevision(key, CompareResult.Equal, revision)],
            [MetaOp.Put(key, oracle.Encode(newBound))],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new QuiverException(ErrorCode.Unavailable,
                $"timestamp oracle key '{key}' changed while the oracle was opening; another coordinator is using it", retriable: true);
        oracle._physical = start;
        oracle._logical = 0;
        oracle._boundMs = newBound;
        oracle._boundRevision = result.Revision;
        return oracle;
    }

    /// <summary>
    /// Returns the first of <paramref name="count"/> consecutive timestamps (ts, ts+1, …, ts+count−1,
    /// all in one millisecond), each greater than every timestamp handed out before.
    /// </summary>
    public ValueTask<ulong> AllocateAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        if (count is < 1 or > (int)HybridTimestamp.LogicalPerMillisecond)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be 1..{HybridTimestamp.LogicalPerMillisecond}");
        return TryAllocate(count, out ulong ts, out _) ? ValueTask.FromResult(ts) : AllocateSlowAsync(count, cancellationToken);
    }

    private async ValueTask<ulong> AllocateSlowAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _saveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Another caller may have saved a later bound while this one waited.
                if (TryAllocate(count, out ulong ts, out long needed))
                    return ts;
                try
                {
                    await SaveBoundAsync(needed + _windowMs, cancellationToken).ConfigureAwait(false);
                }
                catch (MetaStoreException e)
                {
                    throw StoreFailures.Wrap($"save the timestamp oracle's bound in '{_key}'", e);
                }
            }
            finally
            {
                _saveGate.Release();
            }
        }
    }

    /// <summary>Hands out from memory; false (with the physical part it needs) when that is at or past the saved bound.</summary>
    private bool TryAllocate(int count, out ulong ts, out long neededPhysical)
    {
        lock (_sync)
        {
            if (_fenced is not null)
                throw new QuiverException(ErrorCode.Unavailable, _fenced, retriable: true);
            long now = NowMs();
            long physical = _physical;
            long logical = _logical;
            if (now > physical)
            {
                physical = now;
                logical = 0;
            }
            if (logical + count > HybridTimestamp.LogicalPerMillisecond)
            {
                // The millisecond is used up: borrow the next one, even ahead of the clock.
                physical++;
                logical = 0;
            }
            if (physical >= _boundMs)
            {
                ts = 0;
                neededPhysical = physical;
                return false;
            }
            _physical = physical;
            _logical = logical + count;
            ts = HybridTimestamp.Compose(physical, logical);
            neededPhysical = physical;
            return true;
        }
    }

    /// <summary>Writes a new bound with compare-and-swap on our last write; called under <see cref="_saveGate"/>.</summary>
    private async Task SaveBoundAsync(long newBound, CancellationToken cancellationToken)
    {
        while (true)
        {
            long revision;
            lock (_sync)
                revision = _boundRevision;
            var result = await _meta.TxnAsync(
                [MetaCompare.ModRevision(_key, CompareResult.Equal, revision)],
                [MetaOp.Put(_key, Encode(newBound))],
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                lock (_sync)
                {
                    _boundMs = newBound;
                    _boundRevision = result.Revision;
                }
                return;
            }
            // The key moved. If an earlier save of ours landed but its reply was lost (a cancelled or
            // failed call), the key still carries our owner token: take its revision and try again.
            // Anyone else's write means another oracle owns the key now.
            KeyValue? current = await _meta.GetAsync(_key, cancellationToken).ConfigureAwait(false);
            TsoRecord? record = current is null ? null : CoordinatorJson.Decode(current, CoordinatorJsonContext.Default.TsoRecord, "TSO bound");
            lock (_sync)
            {
                if (current is not null && record!.Owner == _owner && current.ModRevision != revision)
                {
                    _boundRevision = current.ModRevision;
                    continue;
                }
                _fenced = $"timestamp oracle key '{_key}' was written by another oracle; this one has stopped handing out timestamps";
                throw new QuiverException(ErrorCode.Unavailable, _fenced, retriable: true);
            }
        }
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private byte[] Encode(long bound) => CoordinatorJson.Encode(
        new TsoRecord { Version = CoordinatorJson.CurrentVersion, PhysicalBoundMs = bound, Owner = _owner },
        CoordinatorJsonContext.Default.TsoRecord);
}
