using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using FASTER.core;
using Quiver.Storage.ObjectStore;

namespace Quiver.Storage.Wal;

/// <summary>
/// The write-ahead log of one channel: a FASTER <see cref="FasterLog"/> whose entries are
/// <see cref="WalEntryCodec"/>-encoded insert and delete batches.
/// </summary>
/// <remarks>
/// <para><b>Durability.</b> <see cref="AppendAsync"/> completes only after a FASTER commit covers the
/// entry: the page is written with O_SYNC and the commit metadata after it. One background committer
/// runs commits back to back (group commit): every entry enqueued while a commit is in flight rides
/// the next one, so many concurrent appends share one synchronous write. <see cref="WalOptions.GroupCommitDelay"/>
/// trades a lone writer's latency for bigger batches.</para>
/// <para><b>Positions</b> are FASTER logical addresses: stable across restarts, increasing, and the unit of
/// <see cref="Scan"/> and <see cref="TruncateUntilAsync"/>.</para>
/// <para><b>Recovery.</b> Opening replays FASTER's latest commit and then checks every entry's CRC-32C from
/// the begin address to the tail. A bad entry followed by no good one is a torn tail: the log is cut back
/// to the last whole entry and a line is logged. A bad entry with good ones after it is corruption in the
/// middle: <see cref="WalCorruptionException"/> names its position and the log refuses to open.</para>
/// </remarks>
public sealed class WriteAheadLog : IAsyncDisposable
{
    private const string SegmentFileName = "wal.log";
    private readonly WalOptions _options;
    private readonly IDevice _device;
    private readonly WalCommitFile _commits;
    private readonly FasterLog _log;
    private readonly FileStream _lock;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _committer;
    private long _pendingBytes;
    private int _wakePending;
    private bool _disposed;

    private WriteAheadLog(WalOptions options, FileStream lockFile, IDevice device, WalCommitFile commits, FasterLog log)
    {
        _options = options;
        _lock = lockFile;
        _device = device;
        _commits = commits;
        _log = log;
        _committer = Task.Run(CommitLoopAsync);
    }

    /// <summary>The channel this log belongs to.</summary>
    public string Channel => _options.Channel;

    /// <summary>Position of the first entry still kept (everything before was truncated).</summary>
    public long BeginAddress => _log.BeginAddress;

    /// <summary>Position after the last enqueued entry.</summary>
    public long TailAddress => _log.TailAddress;

    /// <summary>Position up to which entries are durable.</summary>
    public long CommittedUntilAddress => _log.CommittedUntilAddress;

    /// <summary>The largest payload of one entry.</summary>
    public int MaxEntryBytes => _options.MaxEntryBytes;

    /// <summary>Opens (or creates) the log in <see cref="WalOptions.Directory"/>, recovers it and checks every entry.</summary>
    public static async Task<WriteAheadLog> OpenAsync(WalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(options.Directory);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(options.Directory, "LOCK"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"WAL directory '{options.Directory}' is already open in another process or log", e);
        }
        IDevice? device = null;
        WalCommitFile? commits = null;
        FasterLog? log = null;
        try
        {
            device = Devices.CreateLogDevice(Path.Combine(options.Directory, SegmentFileName), preallocateFile: false, deleteOnClose: false);
            commits = new WalCommitFile(options.Directory);
            log = new FasterLog(Settings(options, device, commits));
            await VerifyAsync(options, log, commits, cancellationToken).ConfigureAwait(false);
            return new WriteAheadLog(options, lockFile, device, commits, log);
        }
        catch
        {
            log?.Dispose();
            commits?.Dispose();
            device?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    private static FasterLogSettings Settings(WalOptions options, IDevice device, WalCommitFile commits) => new()
    {
        LogDevice = device,
        LogCommitManager = commits,
        PageSizeBits = options.PageSizeBits,
        MemorySizeBits = options.MemorySizeBits,
        SegmentSizeBits = options.SegmentSizeBits,
        LogChecksum = LogChecksumType.None, // every entry carries its own CRC-32C
        RemoveOutdatedCommits = true,
        TryRecoverLatest = true,
    };

    /// <summary>
    /// Appends one entry and completes when it is durable, with its position.
    /// Many calls may be in flight at once, from any number of threads; they share commits.
    /// </summary>
    public ValueTask<long> AppendAsync(in WalEntry entry, CancellationToken cancellationToken = default)
    {
        long address = Enqueue(entry);
        return WaitAsync(address, cancellationToken);
    }

    /// <summary>
    /// Enqueues one entry without waiting for durability and returns its position; the committer
    /// will make it durable soon. Pair with <see cref="WaitForCommitAsync"/> before acknowledging anything.
    /// </summary>
    public long Enqueue(in WalEntry entry)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (entry.Payload.Length > _options.MaxEntryBytes)
            throw new ArgumentException(
                $"WAL entry payload is {entry.Payload.Length} bytes; channel '{Channel}' takes at most {_options.MaxEntryBytes} " +
                $"(PageSizeBits {_options.PageSizeBits}); split the batch", nameof(entry));
        int size = WalEntryCodec.EncodedSize(entry.Payload.Length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        long address;
        try
        {
            WalEntryCodec.Encode(entry, buffer);
            address = _log.Enqueue(new ReadOnlySpan<byte>(buffer, 0, size));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Interlocked.Add(ref _pendingBytes, size);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0) _wake.Release();
        return address;
    }

    /// <summary>Completes when the entry at <paramref name="address"/> is durable.</summary>
    public ValueTask<long> WaitForCommitAsync(long address, CancellationToken cancellationToken = default) =>
        WaitAsync(address, cancellationToken);

    private async ValueTask<long> WaitAsync(long address, CancellationToken cancellationToken)
    {
        // FASTER's commit covers [.., CommittedUntilAddress); the entry starting at `address` is covered once it is above it.
        if (_log.CommittedUntilAddress <= address)
            await _log.WaitForCommitAsync(address + 1, token: cancellationToken).ConfigureAwait(false);
        return address;
    }

    private async Task CommitLoopAsync()
    {
        var stop = _stop.Token;
        while (true)
        {
            try
            {
                await _wake.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            Volatile.Write(ref _wakePending, 0);
            if (_options.GroupCommitDelay > TimeSpan.Zero && Volatile.Read(ref _pendingBytes) < _options.GroupCommitBytes)
            {
                var deadline = Environment.TickCount64 + (long)Math.Ceiling(_options.GroupCommitDelay.TotalMilliseconds);
                while (Environment.TickCount64 < deadline && Volatile.Read(ref _pendingBytes) < _options.GroupCommitBytes)
                    await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
            }
            Interlocked.Exchange(ref _pendingBytes, 0);
            try
            {
                await _log.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _options.Log?.Invoke($"WAL channel '{Channel}': commit failed: {e.Message}");
            }
        }
        // Drain: everything enqueued before disposal is committed, so no appender waits forever.
        await _log.CommitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads committed entries from <paramref name="fromAddress"/> (0 or <see cref="BeginAddress"/>: the start).
    /// With <paramref name="follow"/> the reader waits for new commits instead of ending at the tail
    /// (a tailing reader); cancel the token to stop it. Every entry's CRC is checked; a bad one throws
    /// <see cref="WalCorruptionException"/>.
    /// </summary>
    public async IAsyncEnumerable<WalRecord> Scan(long fromAddress = 0, bool follow = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long from = Math.Max(fromAddress, _log.BeginAddress);
        using var iterator = _log.Scan(from, follow ? long.MaxValue : _log.CommittedUntilAddress);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte[] bytes;
            int length;
            long address, next;
            bool got;
            long expected = iterator.NextAddress;
            try
            {
                got = iterator.GetNext(out bytes, out length, out address, out next);
            }
            catch (FasterException e)
            {
                throw new WalCorruptionException(Channel, expected, WalDecodeStatus.Truncated, $" ({e.Message})");
            }
            if (!got)
            {
                if (!follow) yield break;
                if (!await iterator.WaitAsync(cancellationToken).ConfigureAwait(false)) yield break;
                continue;
            }
            var status = WalEntryCodec.TryDecode(bytes.AsMemory(0, length), out var entry);
            if (status != WalDecodeStatus.Ok)
                throw new WalCorruptionException(Channel, address, status, "");
            yield return new WalRecord(address, next, entry);
        }
    }

    /// <summary>
    /// Drops every entry before <paramref name="address"/> (a position returned by an append or a scan,
    /// typically the first entry after a flushed checkpoint) and makes that durable.
    /// </summary>
    public async Task TruncateUntilAsync(long address, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (address < _log.BeginAddress || address > _log.CommittedUntilAddress)
            throw new ArgumentOutOfRangeException(nameof(address), address,
                $"truncation point must lie in [{_log.BeginAddress}, {_log.CommittedUntilAddress}] (begin .. committed tail)");
        _log.TruncateUntil(address);
        await _log.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies every closed segment file (all of whose pages lie below the current tail's segment and at or
    /// above the begin address) that is not yet archived to <c>wal/{channel}/</c> in <paramref name="store"/>,
    /// then writes the archive's marker (begin and end positions). Returns the number of segments copied.
    /// </summary>
    public async Task<int> ArchiveAsync(IObjectStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ObjectDisposedException.ThrowIf(_disposed, this);
        string prefix = ObjectKeys.WalPrefix(Channel);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var o in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false)) existing.Add(o.Key);
        long firstSegment = _log.BeginAddress >> _options.SegmentSizeBits;
        long closedEnd = _log.CommittedUntilAddress >> _options.SegmentSizeBits; // segments below this one are full and final
        int copied = 0;
        for (long s = firstSegment; s < closedEnd; s++)
        {
            string key = prefix + SegmentKey(s);
            if (existing.Contains(key)) continue;
            string file = Path.Combine(_options.Directory, SegmentFileName + "." + s.ToString(CultureInfo.InvariantCulture));
            await store.PutFileAsync(key, file, cancellationToken).ConfigureAwait(false);
            copied++;
        }
        if (closedEnd > firstSegment)
        {
            var marker = new WalArchiveMarker(WalArchiveMarker.CurrentVersion, _options.SegmentSizeBits, _log.BeginAddress, closedEnd << _options.SegmentSizeBits);
            await store.PutAsync(prefix + WalArchiveMarker.FileName, marker.Encode(), cancellationToken).ConfigureAwait(false);
        }
        return copied;
    }

    /// <summary>
    /// Rebuilds a channel's log in an empty <see cref="WalOptions.Directory"/> from its archive in
    /// <paramref name="store"/> (the zero-disk option): the archived segments are downloaded under their
    /// own positions, the log is opened at the archive's end, and every entry is checked.
    /// Entries after the last archived segment were never archived and are not restored.
    /// </summary>
    public static async Task<WriteAheadLog> RestoreFromArchiveAsync(WalOptions options, IObjectStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        options.Validate();
        if (Directory.Exists(options.Directory) && Directory.EnumerateFileSystemEntries(options.Directory).Any())
            throw new IOException($"cannot restore WAL channel '{options.Channel}' into '{options.Directory}': the directory is not empty");
        string prefix = ObjectKeys.WalPrefix(options.Channel);
        var marker = WalArchiveMarker.Decode(await store.GetAsync(prefix + WalArchiveMarker.FileName, cancellationToken).ConfigureAwait(false));
        if (marker.SegmentSizeBits != options.SegmentSizeBits)
            throw new ArgumentException($"archived WAL channel '{options.Channel}' uses SegmentSizeBits {marker.SegmentSizeBits}, the options say {options.SegmentSizeBits}", nameof(options));
        Directory.CreateDirectory(options.Directory);
        for (long s = marker.BeginAddress >> marker.SegmentSizeBits; s < marker.EndAddress >> marker.SegmentSizeBits; s++)
        {
            string file = Path.Combine(options.Directory, SegmentFileName + "." + s.ToString(CultureInfo.InvariantCulture));
            await store.GetToFileAsync(prefix + SegmentKey(s), file, cancellationToken).ConfigureAwait(false);
        }
        var device = Devices.CreateLogDevice(Path.Combine(options.Directory, SegmentFileName), preallocateFile: false, deleteOnClose: false);
        using (var commits = new WalCommitFile(options.Directory))
        {
            var settings = Settings(options, device, commits);
            settings.TryRecoverLatest = false;
            var log = new FasterLog(settings);
            log.Initialize(marker.BeginAddress, marker.EndAddress);
            await log.CommitAsync(cancellationToken).ConfigureAwait(false);
            log.Dispose();
        }
        device.Dispose();
        return await OpenAsync(options, cancellationToken).ConfigureAwait(false);
    }

    private static string SegmentKey(long segment) => "segment-" + segment.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>Checks every entry in [begin, tail); cuts a torn tail back, refuses corruption in the middle.</summary>
    private static async Task VerifyAsync(WalOptions options, FasterLog log, WalCommitFile commits, CancellationToken cancellationToken)
    {
        long tail = log.CommittedUntilAddress;
        if (tail <= log.BeginAddress) return;
        long firstBad = -1;
        WalDecodeStatus badStatus = WalDecodeStatus.Ok;
        string badDetail = "";
        using (var iterator = log.Scan(log.BeginAddress, tail))
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long expected = iterator.NextAddress;
                bool got;
                byte[] bytes;
                int length;
                long address;
                try
                {
                    got = iterator.GetNext(out bytes, out length, out address, out _);
                }
                catch (FasterException e)
                {
                    // FASTER moves past what it could not parse; remember the first bad place and look for good entries after it.
                    if (firstBad < 0) { firstBad = expected; badStatus = WalDecodeStatus.Truncated; badDetail = $" ({e.Message})"; }
                    if (iterator.NextAddress <= expected) break;
                    continue;
                }
                if (!got) break;
                var status = WalEntryCodec.TryDecode(bytes.AsMemory(0, length), out _);
                if (status == WalDecodeStatus.Ok)
                {
                    if (firstBad >= 0)
                        throw new WalCorruptionException(options.Channel, firstBad, badStatus, $"{badDetail}, and whole entries follow it (at {address})");
                    continue;
                }
                if (firstBad < 0) { firstBad = address; badStatus = status; }
            }
        }
        await Task.Yield();
        if (firstBad < 0) return;
        if (badStatus == WalDecodeStatus.UnknownVersion)
            throw new WalCorruptionException(options.Channel, firstBad, badStatus, " (written by a newer Quiver?)");
        options.Log?.Invoke($"WAL channel '{options.Channel}': torn tail at position {firstBad} ({badStatus}{badDetail}); " +
                            $"cutting the log back from {tail} to the last whole entry ending at {firstBad}");
        log.Initialize(log.BeginAddress, firstBad, commits.Latest);
        await log.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits whatever is enqueued, stops the committer and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        try
        {
            await _committer.ConfigureAwait(false);
        }
        finally
        {
            _log.Dispose();
            _commits.Dispose();
            _device.Dispose();
            _lock.Dispose();
            _stop.Dispose();
            _wake.Dispose();
        }
    }
}
