using System.Globalization;

namespace Quiver.Storage.Meta;

// Durability: the journal, snapshots, recovery, and the one path every write takes (CommitLocked).
public sealed partial class EmbeddedMetaStore
{
    private FileStream? _journal;
    private string _journalPath = "";
    private long _journalLength;
    private long _generation;
    private long _nextLeaseId = 1;

    private static string SnapshotName(long generation) => $"meta-{generation.ToString("D8", CultureInfo.InvariantCulture)}.snapshot";

    private static string JournalName(long generation) => $"meta-{generation.ToString("D8", CultureInfo.InvariantCulture)}.journal";

    private static long? ParseGeneration(string fileName, string extension)
    {
        if (!fileName.StartsWith("meta-", StringComparison.Ordinal) || !fileName.EndsWith(extension, StringComparison.Ordinal))
            return null;
        string digits = fileName["meta-".Length..^extension.Length];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long g) ? g : null;
    }

    /// <summary>Open-time recovery: newest snapshot, its journal, torn-tail cut, leases of the last run ended.</summary>
    private void Recover()
    {
        foreach (string tmp in System.IO.Directory.EnumerateFiles(_directory, "*.tmp"))
            File.Delete(tmp); // an interrupted snapshot or journal creation; the previous files are still whole

        var snapshots = new List<long>();
        var journals = new List<long>();
        foreach (string path in System.IO.Directory.EnumerateFiles(_directory))
        {
            string name = Path.GetFileName(path);
            if (ParseGeneration(name, ".snapshot") is long s)
                snapshots.Add(s);
            else if (ParseGeneration(name, ".journal") is long j)
                journals.Add(j);
        }

        long generation = snapshots.Count > 0 ? snapshots.Max() : 0;
        long newerJournal = journals.Where(j => j > generation).DefaultIfEmpty(-1).Max();
        if (newerJournal >= 0)
        {
            throw new MetaStoreException(MetaStoreErrorCode.Corrupt,
                $"meta store {_directory} has journal {JournalName(newerJournal)} but not its snapshot {SnapshotName(newerJournal)}; " +
                "files were removed by hand. Restore the directory from a backup.");
        }

        _generation = generation;
        if (snapshots.Count > 0)
        {
            string path = Path.Combine(_directory, SnapshotName(generation));
            var (revision, nextLease, keys) = MetaSnapshotFormat.Decode(File.ReadAllBytes(path), path, generation);
            _revision = revision;
            _nextLeaseId = nextLease;
            foreach (var kv in keys)
            {
                _kvs[kv.Key] = kv;
                _keys.Add(kv.Key);
            }
        }
        // Replay rebuilds the history after the snapshot; without one, the journal holds it all.
        _historyFloor = snapshots.Count > 0 ? _revision + 1 : 1;

        _journalPath = Path.Combine(_directory, JournalName(generation));
        if (File.Exists(_journalPath))
            ReplayJournal();
        else
            CreateJournal(generation);
        _journal = OpenJournalForAppend(_journalPath);
        _journalLength = _journal.Length;

        // Remove what an interrupted roll left behind; everything in them is in the snapshot just loaded.
        foreach (long g in snapshots.Where(g => g < generation))
            File.Delete(Path.Combine(_directory, SnapshotName(g)));
        foreach (long g in journals.Where(g => g < generation))
            File.Delete(Path.Combine(_directory, JournalName(g)));

        EndLeasesOfPreviousRun();
    }

    private void ReplayJournal()
    {
        byte[] file = File.ReadAllBytes(_journalPath);
        MetaJournalFormat.CheckHeader(file, _journalPath, _generation);
        var records = MetaJournalFormat.Scan(file, _journalPath, out long validLength);
        foreach (var (offset, record) in records)
        {
            if (record.Kind == JournalRecordKind.LeaseGrant)
            {
                _nextLeaseId = Math.Max(_nextLeaseId, record.LeaseId + 1);
                continue;
            }
            if (record.Revision <= _revision)
            {
                throw MetaJournalFormat.Corrupt(_journalPath, offset,
                    $"revision {record.Revision} does not follow revision {_revision}");
            }
            ApplyLocked(record.Revision, record.Mutations);
        }
        if (validLength < file.Length)
        {
            using (var fs = new FileStream(_journalPath, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                fs.SetLength(validLength);
                fs.Flush(flushToDisk: true);
            }
            _log($"meta journal {_journalPath}: cut {file.Length - validLength} bytes of a torn record at offset {validLength} " +
                 $"(a write interrupted by a crash, never acknowledged); {records.Count} whole records before it were replayed");
        }
    }

    /// <summary>Deletes the keys of every lease an earlier run granted: their deadlines were in that run's memory.</summary>
    private void EndLeasesOfPreviousRun()
    {
        var muts = new List<MetaMutation>();
        var leases = new HashSet<long>();
        foreach (string key in _keys)
        {
            var kv = _kvs[key];
            if (kv.Lease != 0)
            {
                muts.Add(MetaMutation.Delete(key));
                leases.Add(kv.Lease);
            }
        }
        _leases.Clear();
        if (muts.Count == 0)
            return;
        long revision = CommitLocked(muts);
        _log($"meta store {_directory}: {leases.Count} lease(s) of the previous run treated as expired; " +
             $"their {muts.Count} key(s) deleted at revision {revision}");
    }

    private void CreateJournal(long generation)
    {
        string path = Path.Combine(_directory, JournalName(generation));
        WriteDurably(path, MetaJournalFormat.EncodeHeader(generation));
    }

    private static FileStream OpenJournalForAppend(string path) =>
        // No user-space buffer: each record goes to the kernel in one write, then Flush(true) fsyncs it.
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);

    /// <summary>Writes a whole file under a temporary name, fsyncs it, renames it into place and fsyncs the directory.</summary>
    private void WriteDurably(string path, ReadOnlySpan<byte> content)
    {
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        ObjectStore.PosixDirectory.Sync(_directory);
    }

    /// <summary>
    /// The one write path: journals the mutations as the next revision (fsync), then applies them and
    /// tells the watches. No mutations: nothing is written and the revision stays.
    /// </summary>
    private long CommitLocked(List<MetaMutation> mutations)
    {
        if (mutations.Count == 0)
            return _revision;
        long revision = _revision + 1;
        AppendLocked(MetaJournalFormat.EncodeCommit(revision, mutations));
        ApplyLocked(revision, mutations);
        RollIfDueLocked();
        return revision;
    }

    private void AppendLocked(byte[] frame)
    {
        try
        {
            _journal!.Write(frame);
            _journal.Flush(flushToDisk: true);
            _journalLength += frame.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file may now end in part of this record; memory has not changed. Refuse more work:
            // reopening replays the journal and cuts the partial record.
            _fault = e;
            throw new MetaStoreException(MetaStoreErrorCode.Io,
                $"meta journal {_journalPath}: write failed ({e.Message}); the store refuses further writes until reopened",
                retriable: false, e);
        }
    }

    /// <summary>Applies a journaled commit to memory (live, or during replay) and publishes its events.</summary>
    private void ApplyLocked(long revision, IReadOnlyList<MetaMutation> mutations)
    {
        var events = new List<WatchEvent>(mutations.Count);
        foreach (var m in mutations)
        {
            _kvs.TryGetValue(m.Key, out var previous);
            if (m.IsPut)
            {
                var kv = new KeyValue(m.Key, m.Value!, previous?.CreateRevision ?? revision, revision, (previous?.Version ?? 0) + 1, m.Lease);
                if (previous is null)
                    _keys.Add(m.Key);
                _kvs[m.Key] = kv;
                DetachLocked(previous);
                if (m.Lease != 0 && _leases.TryGetValue(m.Lease, out var lease))
                    lease.Keys.Add(m.Key);
                events.Add(new WatchEvent(WatchEventType.Put, Copy(kv), previous is null ? null : Copy(previous)));
            }
            else if (previous is not null)
            {
                _kvs.Remove(m.Key);
                _keys.Remove(m.Key);
                DetachLocked(previous);
                events.Add(new WatchEvent(WatchEventType.Delete, new KeyValue(m.Key, [], 0, revision, 0, 0), Copy(previous)));
            }
        }
        _revision = revision;
        PublishLocked(events);
    }

    private void DetachLocked(KeyValue? kv)
    {
        if (kv is not null && kv.Lease != 0 && _leases.TryGetValue(kv.Lease, out var lease))
            lease.Keys.Remove(kv.Key);
    }

    /// <summary>When the journal is past its size, writes the state as snapshot g+1, starts journal g+1, and drops generation g.</summary>
    private void RollIfDueLocked()
    {
        if (_journalLength <= _options.JournalRollBytes)
            return;
        long next = _generation + 1;
        FileStream fresh;
        try
        {
            var ordered = new List<KeyValue>(_keys.Count);
            foreach (string key in _keys)
                ordered.Add(_kvs[key]);
            // Order matters for recovery: the snapshot first, then its journal; open takes the newest snapshot.
            WriteDurably(Path.Combine(_directory, SnapshotName(next)), MetaSnapshotFormat.Encode(next, _revision, _nextLeaseId, ordered));
            CreateJournal(next);
            fresh = OpenJournalForAppend(Path.Combine(_directory, JournalName(next)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The commit that triggered the roll is already durable in the current journal. Keep
            // appending there, but only once generation g+1 is gone again: open would prefer it and
            // miss what is appended to generation g from now on.
            try
            {
                File.Delete(Path.Combine(_directory, JournalName(next)));
                File.Delete(Path.Combine(_directory, SnapshotName(next)));
                _log($"meta store {_directory}: snapshot {SnapshotName(next)} failed ({e.Message}); staying on {JournalName(_generation)}");
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                _fault = e;
                _log($"meta store {_directory}: snapshot {SnapshotName(next)} failed ({e.Message}) and could not be removed " +
                     $"({cleanup.Message}); the store stops taking writes until reopened");
            }
            return;
        }

        _journal!.Dispose();
        string oldJournal = _journalPath;
        long old = _generation;
        _journal = fresh;
        _journalPath = Path.Combine(_directory, JournalName(next));
        _journalLength = fresh.Length;
        _generation = next;
        try
        {
            File.Delete(oldJournal);
            File.Delete(Path.Combine(_directory, SnapshotName(old)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log($"meta store {_directory}: could not remove generation {old} ({e.Message}); the next open removes it");
        }
    }
}
