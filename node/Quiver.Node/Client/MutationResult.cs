namespace Quiver.Node.Client;

/// <summary>What an insert, upsert or delete did: the primary keys (long[] or string[], in input order), counts, and the write's timestamp (use it for Session consistency).</summary>
public sealed record MutationResult(Array Ids, long InsertCount, long DeleteCount, long UpsertCount, ulong Timestamp);
