using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

/// <summary>
/// Hands out unique 64-bit ids (collections, partitions, indexes, segments, auto-id primary keys),
/// starting at 1 and never repeating, across restarts and across allocators sharing one key.
/// </summary>
/// <remarks>
/// <para>The key holds the first id nobody has reserved. An allocator reserves a block of
/// <c>blockSize</c> ids by moving that mark forward with compare-and-swap on the key's revision
/// (a lost race re-reads and tries again), then hands the block out from memory. Milvus's
/// <c>allocator/GlobalIDAllocator</c> works the same way over its TSO. A restart abandons the rest of
/// the block it had: ids may skip, never repeat. A reply lost after a reservation landed only loses
/// that block.</para>
/// <para>Ids of one call are consecutive. When the current block cannot hold them all, its rest is
/// abandoned and a new block of at least <c>count</c> ids is reserved.</para>
/// </remarks>
public sealed class IdAllocator
{
    /// <summary>Ids reserved per meta-store write by default.</summary>
    public const int DefaultBlockSize = 10_000;

    /// <summary>The most ids one call may take.</summary>
    public const int MaxCount = 1 << 24;

    private readonly IMetaStore _meta;
    private readonly string _key;
    private readonly int _blockSize;

    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _reserveGate = new(1, 1);
    private long _next; // guarded by _sync: the block in hand is [_next, _end)
    private long _end;

    private IdAllocator(IMetaStore meta, string key, int blockSize)
    {
        _meta = meta;
        _key = key;
        _blockSize = blockSize;
    }

    /// <summary>The meta-store key holding the reservation mark.</summary>
    public string Key => _key;

    /// <summary>
    /// Opens an allocator on <paramref name="key"/> (read once here, so a damaged record fails now);
    /// the first block is reserved on the first allocation.
    /// </summary>
    public static async Task<IdAllocator> OpenAsync(IMetaStore meta, string key, int blockSize = DefaultBlockSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meta);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSize, MaxCount);
        KeyValue? saved;
        try
        {
            saved = await meta.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (MetaStoreException e)
        {
            throw StoreFailures.Wrap($"open the id allocator on '{key}'", e);
        }
        if (saved is not null)
            _ = Read(saved);
        return new IdAllocator(meta, key, blockSize);
    }

    /// <summary>Returns the first of <paramref name="count"/> consecutive ids, all ≥ 1 and never handed out before.</summary>
    public ValueTask<long> AllocateAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        if (count is < 1 or > MaxCount)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be 1..{MaxCount}");
        return TryTake(count, out long id) ? ValueTask.FromResult(id) : AllocateSlowAsync(count, cancellationToken);
    }

    private async ValueTask<long> AllocateSlowAsync(int count, CancellationToken cancellationToken)
    {
        await _reserveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller may have reserved a fresh block while this one waited.
            if (TryTake(count, out long id))
                return id;
            long start, end;
            try
            {
                (start, end) = await ReserveAsync(Math.Max(count, _blockSize), cancellationToken).ConfigureAwait(false);
            }
            catch (MetaStoreException e)
            {
                throw StoreFailures.Wrap($"reserve ids in '{_key}'", e);
            }
            lock (_sync)
            {
                _next = start + count;
                _end = end;
            }
            return start;
        }
        finally
        {
            _reserveGate.Release();
        }
    }

    private bool TryTake(int count, out long id)
    {
        lock (_sync)
        {
            if (_end - _next >= count)
            {
                id = _next;
                _next += count;
                return true;
            }
            id = 0;
            return false;
        }
    }

    /// <summary>Moves the mark forward by <paramref name="size"/> with compare-and-swap; returns the reserved [start, end).</summary>
    private async Task<(long Start, long End)> ReserveAsync(long size, CancellationToken cancellationToken)
    {
        while (true)
        {
            KeyValue? current = await _meta.GetAsync(_key, cancellationToken).ConfigureAwait(false);
            long start = current is null ? 1 : Read(current);
            long revision = current?.ModRevision ?? 0;
            if (start > long.MaxValue - size)
                throw new QuiverException(ErrorCode.Unexpected, $"id space of '{_key}' is exhausted");
            long end = start + size;
            byte[] value = CoordinatorJson.Encode(new IdRecord { Version = CoordinatorJson.CurrentVersion, Next = end }, CoordinatorJsonContext.Default.IdRecord);
            var result = await _meta.TxnAsync(
                [MetaCompare.ModRevision(_key, CompareResult.Equal, revision)],
                [MetaOp.Put(_key, value)],
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
                return (start, end);
            // Another allocator reserved in between: read its mark and go past it.
        }
    }

    private static long Read(KeyValue kv)
    {
        long next = CoordinatorJson.Decode(kv, CoordinatorJsonContext.Default.IdRecord, "id allocator mark").Next;
        if (next < 1)
            throw new QuiverException(ErrorCode.DataCorrupted, $"meta key '{kv.Key}' holds id mark {next}; ids start at 1");
        return next;
    }
}
