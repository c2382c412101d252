namespace Quiver.Storage.Meta;

/// <summary>
/// One write inside a transaction. Every write of a transaction gets the same revision. As in etcd,
/// a transaction branch may not touch a key twice: two puts of one key, or a put of a key that a
/// delete of the same branch covers, are refused with <see cref="ArgumentException"/>, and so is a
/// branch of more than <see cref="MetaKeys.MaxTxnOps"/> writes.
/// </summary>
public sealed record MetaOp
{
    private MetaOp(MetaOpKind kind, string key, byte[]? value, long lease)
    {
        Kind = kind;
        Key = key;
        Value = value;
        LeaseId = lease;
    }

    public MetaOpKind Kind { get; }

    /// <summary>The key, or the prefix for <see cref="MetaOpKind.DeletePrefix"/>.</summary>
    public string Key { get; }

    /// <summary>The value of a put; null otherwise.</summary>
    public byte[]? Value { get; }

    /// <summary>The lease of a put; 0 for none.</summary>
    public long LeaseId { get; }

    public static MetaOp Put(string key, byte[] value, long leaseId = 0)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        MetaKeys.ValidateValue(value, nameof(value));
        MetaKeys.ValidateLeaseId(leaseId, nameof(leaseId));
        return new(MetaOpKind.Put, key, value.ToArray(), leaseId);
    }

    public static MetaOp Delete(string key)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        return new(MetaOpKind.Delete, key, null, 0);
    }

    public static MetaOp DeletePrefix(string prefix)
    {
        MetaKeys.ValidatePrefix(prefix, nameof(prefix), allowEmpty: false);
        return new(MetaOpKind.DeletePrefix, prefix, null, 0);
    }

    /// <summary>The argument checks of a transaction, shared by both stores so that both refuse the same.</summary>
    internal static void ValidateTxn(IReadOnlyList<MetaCompare> compares, IReadOnlyList<MetaOp> onSuccess, IReadOnlyList<MetaOp>? onFailure)
    {
        ArgumentNullException.ThrowIfNull(compares);
        ArgumentNullException.ThrowIfNull(onSuccess);
        if (compares.Count > MetaKeys.MaxTxnOps)
            throw new ArgumentException($"transaction has {compares.Count} comparisons; at most {MetaKeys.MaxTxnOps} are allowed (etcd's limit)", nameof(compares));
        foreach (var c in compares)
            ArgumentNullException.ThrowIfNull(c, nameof(compares));
        ValidateBranch(onSuccess, nameof(onSuccess));
        ValidateBranch(onFailure ?? [], nameof(onFailure));
    }

    /// <summary>Refuses a branch that is too long or touches one key twice (etcd's "duplicate key given in txn request").</summary>
    private static void ValidateBranch(IReadOnlyList<MetaOp> ops, string paramName)
    {
        if (ops.Count > MetaKeys.MaxTxnOps)
            throw new ArgumentException($"transaction branch has {ops.Count} writes; at most {MetaKeys.MaxTxnOps} are allowed (etcd's limit)", paramName);
        var puts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in ops)
        {
            ArgumentNullException.ThrowIfNull(op, paramName);
            if (op.Kind == MetaOpKind.Put && !puts.Add(op.Key))
                throw new ArgumentException($"transaction puts key '{op.Key}' twice", paramName);
        }
        foreach (var op in ops)
        {
            if (op.Kind == MetaOpKind.Put)
                continue;
            foreach (string key in puts)
            {
                bool covered = op.Kind == MetaOpKind.Delete
                    ? key == op.Key
                    : key.StartsWith(op.Key, StringComparison.Ordinal);
                if (covered)
                    throw new ArgumentException($"transaction both puts and deletes key '{key}'", paramName);
            }
        }
    }
}
