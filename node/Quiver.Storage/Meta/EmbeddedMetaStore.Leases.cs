namespace Quiver.Storage.Meta;

// Leases: deadlines in memory on the injected clock, one timer set to the earliest deadline.
public sealed partial class EmbeddedMetaStore
{
    private sealed class LeaseState(long id, TimeSpan ttl)
    {
        public long Id { get; } = id;
        public TimeSpan Ttl { get; } = ttl;
        public DateTimeOffset Deadline { get; set; }
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    private readonly Dictionary<long, LeaseState> _leases = [];
    private readonly ITimer _leaseTimer;

    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        TimeSpan granted = RoundTtl(ttl, nameof(ttl));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            long id = _nextLeaseId;
            // Journaled only so that ids are never handed out twice across restarts; leases themselves end at reopen.
            AppendLocked(MetaJournalFormat.EncodeLeaseGrant(id, granted));
            _nextLeaseId = id + 1;
            _leases[id] = new LeaseState(id, granted) { Deadline = _time.GetUtcNow() + granted };
            RescheduleLeaseTimerLocked();
            return Task.FromResult(new LeaseGrant(id, granted));
        }
    }

    public Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            var lease = RequireLeaseLocked(leaseId)!;
            lease.Deadline = _time.GetUtcNow() + lease.Ttl;
            RescheduleLeaseTimerLocked();
            return Task.FromResult(lease.Ttl);
        }
    }

    public Task KeepLeaseAliveAsync(long leaseId, CancellationToken cancellationToken) =>
        LeaseKeepAliveLoop.RunAsync(this, leaseId, _time, cancellationToken);

    public Task<bool> RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusable();
            ExpireDueLeasesLocked();
            if (!_leases.TryGetValue(leaseId, out var lease))
                return Task.FromResult(false);
            EndLeaseLocked(lease);
            RescheduleLeaseTimerLocked();
            return Task.FromResult(true);
        }
    }

    /// <summary>etcd counts TTLs in whole seconds; so does this store, so both grant the same.</summary>
    internal static TimeSpan RoundTtl(TimeSpan ttl, string paramName)
    {
        if (ttl <= TimeSpan.Zero || ttl > TimeSpan.FromDays(365))
            throw new ArgumentOutOfRangeException(paramName, ttl, "lease TTL must be positive and at most a year");
        return TimeSpan.FromSeconds(Math.Ceiling(ttl.TotalSeconds));
    }

    /// <summary>The live lease, or null for 0; throws <see cref="MetaStoreErrorCode.LeaseNotFound"/> otherwise.</summary>
    private LeaseState? RequireLeaseLocked(long leaseId)
    {
        if (leaseId == 0)
            return null;
        if (_leases.TryGetValue(leaseId, out var lease))
            return lease;
        throw new MetaStoreException(MetaStoreErrorCode.LeaseNotFound,
            $"lease {leaseId} not found in meta store {_directory}: it expired, was revoked, was never granted, or belonged to an earlier run");
    }

    /// <summary>Ends every lease whose deadline has passed, earliest first, each in its own revision (as etcd's lessor does).</summary>
    private void ExpireDueLeasesLocked()
    {
        if (_leases.Count == 0)
            return;
        DateTimeOffset now = _time.GetUtcNow();
        List<LeaseState>? due = null;
        foreach (var lease in _leases.Values)
        {
            if (lease.Deadline <= now)
                (due ??= []).Add(lease);
        }
        if (due is null)
            return;
        due.Sort(static (a, b) => a.Deadline.CompareTo(b.Deadline));
        foreach (var lease in due)
            EndLeaseLocked(lease);
    }

    private void EndLeaseLocked(LeaseState lease)
    {
        _leases.Remove(lease.Id);
        if (lease.Keys.Count == 0)
            return;
        var keys = new List<string>(lease.Keys);
        keys.Sort(Utf8KeyComparer.Instance);
        var muts = new List<MetaMutation>(keys.Count);
        foreach (string key in keys)
            muts.Add(MetaMutation.Delete(key));
        CommitLocked(muts);
    }

    private void RescheduleLeaseTimerLocked()
    {
        if (_disposed)
            return;
        if (_leases.Count == 0)
        {
            _leaseTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        DateTimeOffset earliest = DateTimeOffset.MaxValue;
        foreach (var lease in _leases.Values)
        {
            if (lease.Deadline < earliest)
                earliest = lease.Deadline;
        }
        TimeSpan due = earliest - _time.GetUtcNow();
        _leaseTimer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private void OnLeaseTimer()
    {
        lock (_gate)
        {
            if (_disposed || _fault is not null)
                return;
            try
            {
                ExpireDueLeasesLocked();
            }
            catch (MetaStoreException e)
            {
                _log($"meta store {_directory}: ending expired leases failed: {e.Message}");
            }
            RescheduleLeaseTimerLocked();
        }
    }
}
