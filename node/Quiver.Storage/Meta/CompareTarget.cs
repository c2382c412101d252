namespace Quiver.Storage.Meta;

/// <summary>Which field of a key a <see cref="MetaCompare"/> looks at (etcd's Compare.target).</summary>
public enum CompareTarget
{
    /// <summary><see cref="KeyValue.Version"/>; 0 for a missing key, so "Version == 0" means "absent".</summary>
    Version,

    /// <summary><see cref="KeyValue.CreateRevision"/>; 0 for a missing key.</summary>
    CreateRevision,

    /// <summary><see cref="KeyValue.ModRevision"/>; 0 for a missing key.</summary>
    ModRevision,

    /// <summary><see cref="KeyValue.Value"/>, compared bytewise. Any comparison on a missing key fails, as in etcd.</summary>
    Value,

    /// <summary><see cref="KeyValue.Lease"/>; 0 for a missing key or a key without a lease.</summary>
    Lease,
}
