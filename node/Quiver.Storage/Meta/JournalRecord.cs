namespace Quiver.Storage.Meta;

/// <summary>One decoded journal record: a commit (revision + mutations) or a lease grant.</summary>
internal sealed record JournalRecord(
    JournalRecordKind Kind,
    long Revision,
    IReadOnlyList<MetaMutation> Mutations,
    long LeaseId,
    TimeSpan Ttl);

/// <summary>The record kinds of journal format 1.</summary>
internal enum JournalRecordKind : byte
{
    Commit = 1,
    LeaseGrant = 2,
}
