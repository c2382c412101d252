using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Quiver.Node.Client;

namespace Quiver.Server.Milvus;

/// <summary>
/// Users and passwords for <c>authorization</c> checks, kept in the engine's meta store (salted PBKDF2 records, see
/// <see cref="PasswordRecord"/>) and mirrored here so a check needs no I/O. The slow digest runs once per user and
/// password: a SHA-256 of the last password that matched is kept in memory and compared in constant time after that.
/// The built-in <c>root</c> is created with the configured password when the store has no root yet (Milvus's
/// <c>defaultRootPassword</c> is likewise only the first one).
/// </summary>
public sealed class CredentialStore
{
    /// <summary>The built-in administrator.</summary>
    public const string RootUser = "root";

    private readonly QuiverClient _client;
    private readonly ConcurrentDictionary<string, byte[]> _records;
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writes = new(1, 1);

    private CredentialStore(QuiverClient client, IReadOnlyDictionary<string, byte[]> records)
    {
        _client = client;
        _records = new ConcurrentDictionary<string, byte[]>(records, StringComparer.Ordinal);
    }

    public static async Task<CredentialStore> OpenAsync(QuiverClient client, string rootPassword, CancellationToken cancellationToken = default)
    {
        var store = new CredentialStore(client, await client.UserRecordsAsync(cancellationToken).ConfigureAwait(false));
        if (!store._records.ContainsKey(RootUser))
        {
            var record = PasswordRecord.Create(rootPassword);
            await client.PutUserAsync(RootUser, record, cancellationToken).ConfigureAwait(false);
            store._records[RootUser] = record;
        }
        return store;
    }

    public bool Verify(string user, string password)
    {
        if (!_records.TryGetValue(user, out var record)) return false;
        var quick = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        if (_verified.TryGetValue(user, out var known) && CryptographicOperations.FixedTimeEquals(known, quick)) return true;
        if (!PasswordRecord.Matches(record, password)) return false;
        _verified[user] = quick;
        return true;
    }

    public async Task<bool> TryAddAsync(string user, string password)
    {
        await _writes.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_records.ContainsKey(user)) return false;
            var record = PasswordRecord.Create(password);
            await _client.PutUserAsync(user, record).ConfigureAwait(false);
            _records[user] = record;
            return true;
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task<bool> TryUpdateAsync(string user, string oldPassword, string newPassword)
    {
        await _writes.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!Verify(user, oldPassword)) return false;
            var record = PasswordRecord.Create(newPassword);
            await _client.PutUserAsync(user, record).ConfigureAwait(false);
            _records[user] = record;
            _verified.TryRemove(user, out _);
            return true;
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task<bool> RemoveAsync(string user)
    {
        if (user == RootUser) return false;
        await _writes.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_records.ContainsKey(user)) return false;
            await _client.DeleteUserAsync(user).ConfigureAwait(false);
            _records.TryRemove(user, out _);
            _verified.TryRemove(user, out _);
            return true;
        }
        finally
        {
            _writes.Release();
        }
    }

    public IReadOnlyList<string> Users => [.. _records.Keys.Order(StringComparer.Ordinal)];
}
