namespace Quiver.Node.Coordinator;

/// <summary>
/// How fresh a read must be, numbered as Milvus's <c>common.ConsistencyLevel</c>. A collection has a
/// default (Bounded unless set at creation); a request may override it. The proxy turns it into a
/// guarantee timestamp (ARCHITECTURE §4).
/// </summary>
public enum ConsistencyLevel
{
    /// <summary>See every write acknowledged before the read (guarantee = a fresh TSO).</summary>
    Strong = 0,

    /// <summary>See the client's own writes (guarantee = its last write timestamp).</summary>
    Session = 1,

    /// <summary>See writes older than the graceful time (guarantee = now − 5 s by default).</summary>
    Bounded = 2,

    /// <summary>No wait: whatever the nodes have.</summary>
    Eventually = 3,

    /// <summary>The client gives the guarantee timestamp itself.</summary>
    Customized = 4,
}
