using Apache.Arrow;
using Quiver.Node.Errors;
using Quiver.Storage.Segments;
using Quiver.Storage.Wal;
using Array = System.Array;

namespace Quiver.Node.Streaming;

/// <summary>
/// One shard (vchannel) of a collection on the streaming node: its write-ahead log and its growing segments.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> A write takes its hybrid timestamp and its WAL position in one short critical section,
/// so timestamps rise with positions within the shard (what delete-versus-insert visibility relies on).
/// It then waits for its commit outside the section, so concurrent writes share commits (group commit).</para>
/// <para><b>Visibility.</b> Rows become searchable only once durable: committed entries are applied to the
/// growing segments strictly in WAL order by whichever writer sees its commit first, so a search never sees a
/// write that a crash could take back, and never sees a later write without an earlier one.</para>
/// <para><b>Recovery.</b> Opening replays every committed entry of the log (flush and truncation come with the
/// sealed-segment work), rebuilding the same growing segments under the same segment ids.</para>
/// </remarks>
public sealed class ShardChannel : IAsyncDisposable
{
    private readonly WriteAheadLog _wal;
    private readonly SegmentSchema _schema;
    private readonly Func<ValueTask<ulong>> _timestamps;
    private readonly Func<ValueTask<long>> _segmentIds;
    private readonly SemaphoreSlim _order = new(1, 1);
    private readonly object _applyGate = new();
    private readonly Queue<(long Address, ulong Timestamp, Action Apply)> _pending = new();
    private readonly Dictionary<long, long> _currentSegment = new(); // partition → growing segment id (order section)
    private readonly Dictionary<long, GrowingSegment> _segmentsById = new(); // apply side
    private volatile IQuerySegment[] _segments = [];
    private readonly Dictionary<long, long> _createdAt = new(); // growing segment id → Environment.TickCount64 at creation
    private readonly HashSet<long> _flushed = new();
    private ulong _serviceable;

    private ShardChannel(string vchannel, long collectionId, WriteAheadLog wal, SegmentSchema schema,
        Func<ValueTask<ulong>> timestamps, Func<ValueTask<long>> segmentIds)
    {
        VirtualChannel = vchannel;
        CollectionId = collectionId;
        _wal = wal;
        _schema = schema;
        _timestamps = timestamps;
        _segmentIds = segmentIds;
    }

    public string VirtualChannel { get; }

    public long CollectionId { get; }

    /// <summary>The shard's segments, growing and sealed: a snapshot safe to search while writes and flushes go on.</summary>
    public IReadOnlyList<IQuerySegment> Segments => _segments;

    /// <summary>Bytes of rows held by growing (unsealed) segments.</summary>
    public long GrowingBytes => _segments.OfType<GrowingSegment>().Where(g => !g.IsSealed).Sum(g => g.MemoryBytes);

    /// <summary>Age of the oldest growing (unsealed, non-empty) segment, or zero when there is none.</summary>
    public TimeSpan OldestGrowingAge
    {
        get
        {
            lock (_applyGate)
            {
                long oldest = long.MaxValue;
                foreach (var g in _segments.OfType<GrowingSegment>())
                    if (!g.IsSealed && g.RowCount > 0 && _createdAt.TryGetValue(g.SegmentId, out long t)) oldest = Math.Min(oldest, t);
                return oldest == long.MaxValue ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - oldest);
            }
        }
    }

    /// <summary>Timestamp of the last applied write: searches at or below it see every write of this shard up to it.</summary>
    public ulong ServiceableTimestamp => Volatile.Read(ref _serviceable);

    /// <param name="timestamps">The TSO: a fresh hybrid timestamp per write.</param>
    /// <param name="segmentIds">Allocates ids for new growing segments.</param>
    /// <param name="sealedSegments">This shard's flushed segments, already loaded: the replay skips their inserts (they are in the
    /// segment files) but still applies later deletes to them.</param>
    /// <param name="checkpoint">The channel checkpoint recorded by the last flush: the replay starts there (entries before it are
    /// in segment files and delete logs, and normally already truncated away).</param>
    public static async Task<ShardChannel> OpenAsync(string vchannel, long collectionId, SegmentSchema schema, WalOptions wal,
        Func<ValueTask<ulong>> timestamps, Func<ValueTask<long>> segmentIds, IReadOnlyCollection<IQuerySegment>? sealedSegments = null,
        long checkpoint = 0, CancellationToken cancellationToken = default, IEnumerable<long>? compactedSegments = null)
    {
        var log = await WriteAheadLog.OpenAsync(wal, cancellationToken).ConfigureAwait(false);
        var shard = new ShardChannel(vchannel, collectionId, log, schema, timestamps, segmentIds);
        if (sealedSegments != null)
        {
            shard._segments = sealedSegments.ToArray();
            foreach (var s in sealedSegments) shard._flushed.Add(s.SegmentId);
        }
        // Segments merged away by compaction: their rows live in the merged segment, so their WAL inserts are skipped too.
        if (compactedSegments != null) shard._flushed.UnionWith(compactedSegments);
        try
        {
            await foreach (var record in log.Scan(checkpoint, follow: false, cancellationToken).ConfigureAwait(false))
                shard.Replay(record);
            return shard;
        }
        catch
        {
            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Replay(WalRecord record)
    {
        var e = record.Entry;
        if (e.CollectionId != CollectionId)
            throw new QuiverException(ErrorCode.DataCorrupted, $"WAL of '{VirtualChannel}': entry at {record.Address} belongs to collection {e.CollectionId}, not {CollectionId}");
        switch (e.Kind)
        {
            case WalEntryKind.Insert:
                var (segmentId, batch, upsert) = WalPayload.DecodeInsert(e.Payload, _schema, record.Address);
                if (upsert) ApplyDelete(PrimaryKeys(batch), e.Timestamp);
                if (_flushed.Contains(segmentId)) break; // its rows are in the segment's files
                _currentSegment[e.PartitionId] = segmentId;
                ApplyInsert(segmentId, e.PartitionId, batch);
                break;
            case WalEntryKind.Delete:
                ApplyDelete(WalPayload.DecodeDelete(e.Payload, record.Address), e.Timestamp);
                break;
        }
        _serviceable = e.Timestamp;
    }

    /// <summary>
    /// Appends rows of one partition (a batch built for this collection's storage schema; its timestamps are
    /// replaced by the write's) and returns the write's timestamp once the rows are durable and searchable.
    /// </summary>
    public Task<ulong> InsertAsync(long partitionId, RecordBatch batch, CancellationToken cancellationToken = default) =>
        WriteRowsAsync(partitionId, batch, upsert: false, cancellationToken);

    /// <summary>
    /// Replaces rows by primary key: every existing row with one of the batch's keys (in any partition of this shard)
    /// is deleted and the batch inserted, in one WAL entry at one timestamp, so the swap is atomic.
    /// </summary>
    public Task<ulong> UpsertAsync(long partitionId, RecordBatch batch, CancellationToken cancellationToken = default) =>
        WriteRowsAsync(partitionId, batch, upsert: true, cancellationToken);

    private async Task<ulong> WriteRowsAsync(long partitionId, RecordBatch batch, bool upsert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Length == 0) throw QuiverException.Invalid("an insert needs at least one row");
        long address;
        ulong ts;
        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ts = await _timestamps().ConfigureAwait(false);
            if (!_currentSegment.TryGetValue(partitionId, out long segmentId))
            {
                segmentId = await _segmentIds().ConfigureAwait(false);
                _currentSegment[partitionId] = segmentId;
            }
            var stamped = Stamp(batch, ts);
            // A batch larger than one WAL entry goes in as several entries of consecutive rows, all at the write's timestamp
            // (each part of an upsert replaces its own keys). Such a write is durable and visible once its last part is; a
            // crash in between can keep a prefix of an unacknowledged write, as a write spanning shards can.
            address = -1;
            foreach (var (part, payload) in Parts(stamped, segmentId, upsert))
            {
                address = _wal.Enqueue(new WalEntry(WalEntryKind.Insert, ts, CollectionId, partitionId, payload));
                var rows = part;
                lock (_applyGate)
                {
                    _pending.Enqueue((address, ts, () =>
                    {
                        if (upsert) ApplyDelete(PrimaryKeys(rows), ts);
                        ApplyInsert(segmentId, partitionId, rows);
                    }));
                }
            }
        }
        finally
        {
            _order.Release();
        }
        await WaitAndApplyAsync(address, cancellationToken).ConfigureAwait(false);
        return ts;
    }

    /// <summary>The batch as WAL payloads of at most one entry each: whole if it fits, else halves until every part does.</summary>
    private List<(RecordBatch Rows, byte[] Payload)> Parts(RecordBatch batch, long segmentId, bool upsert)
    {
        var parts = new List<(RecordBatch, byte[])>();
        var pending = new Stack<RecordBatch>();
        pending.Push(batch);
        while (pending.Count > 0)
        {
            var b = pending.Pop();
            var payload = WalPayload.EncodeInsert(segmentId, b, upsert);
            if (payload.Length <= _wal.MaxEntryBytes)
            {
                parts.Add((b, payload));
                continue;
            }
            if (b.Length == 1)
                throw QuiverException.Invalid($"one row of '{VirtualChannel}' takes {payload.Length} bytes; the limit per row is {_wal.MaxEntryBytes}");
            int half = b.Length / 2;
            pending.Push(b.Slice(half, b.Length - half));
            pending.Push(b.Slice(0, half));
        }
        return parts;
    }

    /// <summary>Deletes rows by primary key (long[] or string[]) in every growing segment of the shard; returns the write's timestamp once durable.</summary>
    public async Task<ulong> DeleteAsync(Array primaryKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primaryKeys);
        long address;
        ulong ts;
        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ts = await _timestamps().ConfigureAwait(false);
            var payload = WalPayload.EncodeDelete(primaryKeys);
            if (payload.Length > _wal.MaxEntryBytes)
                throw QuiverException.Invalid($"one delete on '{VirtualChannel}' is {payload.Length} bytes; the limit per write is {_wal.MaxEntryBytes} — send fewer keys per call");
            address = _wal.Enqueue(new WalEntry(WalEntryKind.Delete, ts, CollectionId, 0, payload));
            lock (_applyGate) _pending.Enqueue((address, ts, () => ApplyDelete(primaryKeys, ts)));
        }
        finally
        {
            _order.Release();
        }
        await WaitAndApplyAsync(address, cancellationToken).ConfigureAwait(false);
        return ts;
    }

    /// <summary>
    /// Waits until this shard serves <paramref name="guarantee"/>: every write whose timestamp is at or below it —
    /// or, for <see cref="ulong.MaxValue"/>, every write that had its timestamp when the call began — is applied.
    /// Immediate when the last applied write is that new, or when no write is in flight; otherwise the writes
    /// already in the log are committed and applied first (the delegator's wait for serviceable time).
    /// </summary>
    public async ValueTask WaitServiceableAsync(ulong guarantee, CancellationToken cancellationToken = default)
    {
        if (guarantee <= Volatile.Read(ref _serviceable)) return;
        // Nothing in flight: a writer outside the order section has either been applied or has not taken its
        // timestamp yet (and then takes one above any guarantee handed out before this call). Order matters:
        // the section first, then the queue it hands entries to.
        if (_order.CurrentCount == 1)
        {
            bool idle;
            lock (_applyGate) idle = _pending.Count == 0;
            if (idle) return;
        }
        long tail;
        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            tail = _wal.TailAddress;
        }
        finally
        {
            _order.Release();
        }
        if (tail > _wal.BeginAddress) await WaitAndApplyAsync(tail - 1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the rows <paramref name="select"/> picks, exactly as of the request: inside the shard's order section,
    /// once every earlier write is applied, <paramref name="select"/> sees the shard's segments at the latest state and
    /// returns the primary keys to delete (long[] or string[]); the delete takes the next timestamp, so no write lands
    /// between the selection and the delete. Returns the delete's timestamp and the keys (null timestamp when none matched).
    /// </summary>
    public async Task<(ulong? Timestamp, Array Keys)> DeleteMatchingAsync(Func<IReadOnlyList<IQuerySegment>, Array> select, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(select);
        long address;
        ulong ts;
        Array keys;
        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long tail = _wal.TailAddress;
            if (tail > _wal.BeginAddress) await WaitAndApplyAsync(tail - 1, CancellationToken.None).ConfigureAwait(false);
            keys = select(_segments);
            if (keys.Length == 0) return (null, keys);
            ts = await _timestamps().ConfigureAwait(false);
            var payload = WalPayload.EncodeDelete(keys);
            if (payload.Length > _wal.MaxEntryBytes)
                throw QuiverException.Invalid($"the delete on '{VirtualChannel}' matches {keys.Length} rows ({payload.Length} bytes of keys); the limit per write is {_wal.MaxEntryBytes} — narrow the filter");
            address = _wal.Enqueue(new WalEntry(WalEntryKind.Delete, ts, CollectionId, 0, payload));
            var toDelete = keys;
            lock (_applyGate) _pending.Enqueue((address, ts, () => ApplyDelete(toDelete, ts)));
        }
        finally
        {
            _order.Release();
        }
        await WaitAndApplyAsync(address, cancellationToken).ConfigureAwait(false);
        return (ts, keys);
    }

    private async Task WaitAndApplyAsync(long address, CancellationToken cancellationToken)
    {
        // The wait itself is not cancelled: once enqueued the write will be committed, and it must be applied in order.
        await _wal.WaitForCommitAsync(address, CancellationToken.None).ConfigureAwait(false);
        lock (_applyGate)
        {
            long committed = _wal.CommittedUntilAddress;
            while (_pending.Count > 0 && _pending.Peek().Address < committed)
            {
                var (_, ts, apply) = _pending.Dequeue();
                apply();
                Volatile.Write(ref _serviceable, ts);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Seals every growing segment: writes after this call go to new segments, and every write enqueued before it
    /// is applied first. Returns the sealed segments (non-empty ones), for the flush to write out.
    /// </summary>
    public async Task<SealResult> SealAsync(CancellationToken cancellationToken = default)
    {
        long tail;
        HashSet<long> sealing;
        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Exactly the segments written so far: a write after this point opens a new segment, which may already hold
            // rows by the time the earlier writes are applied below, and must not be sealed with them.
            sealing = [.. _currentSegment.Values];
            lock (_applyGate)
                foreach (var g in _segments.OfType<GrowingSegment>()) sealing.Add(g.SegmentId);
            _currentSegment.Clear();
            tail = _wal.TailAddress;
        }
        finally
        {
            _order.Release();
        }
        if (tail > _wal.BeginAddress) await WaitAndApplyAsync(tail - 1, CancellationToken.None).ConfigureAwait(false);
        lock (_applyGate)
        {
            var sealedNow = _segments.OfType<GrowingSegment>().Where(g => !g.IsSealed && g.RowCount > 0 && sealing.Contains(g.SegmentId)).ToList();
            foreach (var g in sealedNow) g.Seal();
            return new SealResult(sealedNow, tail);
        }
    }

    /// <summary>
    /// Drops the WAL before <paramref name="checkpoint"/> (a seal position whose every earlier entry is now in
    /// segment files and delete logs, recorded in the meta store first).
    /// </summary>
    public async Task TruncateAsync(long checkpoint, CancellationToken cancellationToken = default)
    {
        if (checkpoint > _wal.BeginAddress) await _wal.TruncateUntilAsync(checkpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Swaps a flushed growing segment for its sealed form: searches see one or the other, never both or neither.</summary>
    public void Replace(GrowingSegment growing, IQuerySegment sealedSegment)
    {
        ArgumentNullException.ThrowIfNull(growing);
        ArgumentNullException.ThrowIfNull(sealedSegment);
        lock (_applyGate)
        {
            int i = Array.IndexOf(_segments, growing);
            if (i < 0) throw new InvalidOperationException($"segment {growing.SegmentId} is not a growing segment of '{VirtualChannel}'");
            var next = (IQuerySegment[])_segments.Clone();
            next[i] = sealedSegment;
            _flushed.Add(growing.SegmentId);
            _createdAt.Remove(growing.SegmentId);
            _segments = next;
        }
    }

    private void ApplyInsert(long segmentId, long partitionId, RecordBatch batch)
    {
        if (!_segmentsById.TryGetValue(segmentId, out var segment))
        {
            segment = new GrowingSegment(segmentId, partitionId, _schema);
            _segmentsById[segmentId] = segment;
            _createdAt[segmentId] = Environment.TickCount64;
            _segments = [.. _segments, segment];
        }
        if (segment.IsSealed)
            throw new InvalidOperationException($"write for sealed segment {segmentId} of '{VirtualChannel}' arrived after the seal");
        segment.Append(batch);
    }

    private void ApplyDelete(Array primaryKeys, ulong ts)
    {
        foreach (var segment in _segments)
        {
            if (primaryKeys is long[] ints) segment.Delete(ints, ts);
            else segment.Delete((string[])primaryKeys, ts);
        }
    }

    /// <summary>
    /// Swaps several sealed segments for one compacted replacement, atomically for searches (they see the old set or
    /// the new one). <paramref name="beforeSwap"/> runs under the apply lock just before the swap, so no write can
    /// land in between: the compaction uses it to carry deletes that reached the old segments while it copied rows.
    /// </summary>
    public void ReplaceSealed(IReadOnlyCollection<IQuerySegment> olds, IQuerySegment replacement, Action beforeSwap)
    {
        ArgumentNullException.ThrowIfNull(olds);
        ArgumentNullException.ThrowIfNull(replacement);
        lock (_applyGate)
        {
            foreach (var old in olds)
                if (Array.IndexOf(_segments, old) < 0) throw new InvalidOperationException($"segment {old.SegmentId} is not a segment of '{VirtualChannel}'");
            beforeSwap();
            var next = _segments.Where(s => !olds.Contains(s)).Append(replacement).ToArray();
            _flushed.Add(replacement.SegmentId);
            _segments = next;
        }
    }

    /// <summary>What <see cref="SealAsync"/> sealed, and the WAL position before which every entry is applied to them or earlier segments.</summary>
    public sealed record SealResult(IReadOnlyList<GrowingSegment> Segments, long Position);

    private Array PrimaryKeys(RecordBatch batch)
    {
        var column = batch.Column(_schema.PrimaryKey.Name);
        if (column is Int64Array ints) return ints.Values.ToArray();
        var strings = (StringArray)column;
        var keys = new string[strings.Length];
        for (int i = 0; i < keys.Length; i++) keys[i] = strings.GetString(i);
        return keys;
    }

    private RecordBatch Stamp(RecordBatch batch, ulong ts)
    {
        if (!_schema.Describes(batch.Schema))
            throw new ArgumentException("the batch was not built for this collection's storage schema", nameof(batch));
        var stamps = new ulong[batch.Length];
        System.Array.Fill(stamps, ts);
        var tsColumn = new UInt64Array.Builder().AppendRange(stamps).Build();
        var columns = Enumerable.Range(0, batch.ColumnCount - 1).Select(batch.Column).Append(tsColumn).ToList();
        return new RecordBatch(_schema.Arrow, columns, batch.Length);
    }

    public async ValueTask DisposeAsync()
    {
        await _wal.DisposeAsync().ConfigureAwait(false);
        _order.Dispose();
    }
}
