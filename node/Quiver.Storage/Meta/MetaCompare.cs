namespace Quiver.Storage.Meta;

/// <summary>
/// One condition of a transaction: <c>key.Target Result operand</c>. All conditions must hold for
/// the success branch to run. Build with the factories, e.g. <c>MetaCompare.Version(key, CompareResult.Equal, 0)</c>
/// for create-if-absent, or <c>MetaCompare.ModRevision(key, CompareResult.Equal, seen)</c> for compare-and-swap.
/// </summary>
public sealed record MetaCompare
{
    private MetaCompare(string key, CompareTarget target, CompareResult result, long number, byte[]? value)
    {
        MetaKeys.ValidateKey(key, nameof(key));
        if (!Enum.IsDefined(result))
            throw new ArgumentOutOfRangeException(nameof(result), result, "unknown compare result");
        Key = key;
        Target = target;
        Result = result;
        Number = number;
        Operand = value;
    }

    public string Key { get; }
    public CompareTarget Target { get; }
    public CompareResult Result { get; }

    /// <summary>The operand for every target but <see cref="CompareTarget.Value"/>.</summary>
    public long Number { get; }

    /// <summary>The operand for <see cref="CompareTarget.Value"/>; null otherwise.</summary>
    public byte[]? Operand { get; }

    public static MetaCompare Version(string key, CompareResult result, long version) =>
        new(key, CompareTarget.Version, result, version, null);

    public static MetaCompare CreateRevision(string key, CompareResult result, long revision) =>
        new(key, CompareTarget.CreateRevision, result, revision, null);

    public static MetaCompare ModRevision(string key, CompareResult result, long revision) =>
        new(key, CompareTarget.ModRevision, result, revision, null);

    public static MetaCompare Lease(string key, CompareResult result, long leaseId) =>
        new(key, CompareTarget.Lease, result, leaseId, null);

    public static MetaCompare Value(string key, CompareResult result, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(key, CompareTarget.Value, result, 0, value.ToArray());
    }

    /// <summary>Holds when <paramref name="key"/> does not exist (Version == 0).</summary>
    public static MetaCompare Absent(string key) => Version(key, CompareResult.Equal, 0);

    /// <summary>Evaluates against the key's current state (null when missing), with etcd's rules.</summary>
    internal bool Holds(KeyValue? current)
    {
        int cmp;
        if (Target == CompareTarget.Value)
        {
            // etcd: a value comparison on a missing key always fails; there is no "missing" value to compare.
            if (current is null)
                return false;
            cmp = current.Value.AsSpan().SequenceCompareTo(Operand);
        }
        else
        {
            long field = current is null ? 0 : Target switch
            {
                CompareTarget.Version => current.Version,
                CompareTarget.CreateRevision => current.CreateRevision,
                CompareTarget.ModRevision => current.ModRevision,
                CompareTarget.Lease => current.Lease,
                _ => throw new InvalidOperationException($"unknown compare target {Target}"),
            };
            cmp = field.CompareTo(Number);
        }
        return Result switch
        {
            CompareResult.Equal => cmp == 0,
            CompareResult.NotEqual => cmp != 0,
            CompareResult.Less => cmp < 0,
            CompareResult.Greater => cmp > 0,
            _ => false,
        };
    }
}
