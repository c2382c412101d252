using Quiver.Node.Coordinator;

namespace Quiver.Node.Client;

/// <summary>
/// An index definition with its build progress, as Milvus's DescribeIndex reports it: rows in the collection,
/// rows of sealed segments the index covers, rows of sealed segments still waiting for it, and the state
/// (Finished when none waits). Growing rows are searched exactly and are not counted as pending.
/// </summary>
public sealed record IndexDescription(IndexDefinition Definition, long TotalRows, long IndexedRows, long PendingIndexRows, string State);
