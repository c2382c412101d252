namespace Quiver.Storage.Meta;

/// <summary>
/// One resolved change inside a commit of the embedded store: a put (value set) or a delete of a
/// key that exists. Transactions and prefix deletes are resolved to these before they are journaled,
/// so replay needs no comparisons and no scans.
/// </summary>
internal readonly record struct MetaMutation(string Key, byte[]? Value, long Lease)
{
    public bool IsPut => Value is not null;

    public static MetaMutation Put(string key, byte[] value, long lease) => new(key, value, lease);

    public static MetaMutation Delete(string key) => new(key, null, 0);
}
