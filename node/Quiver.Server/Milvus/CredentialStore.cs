using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Quiver.Server.Milvus;

/// <summary>
/// Users and passwords for <c>authorization</c> checks. Held in memory only for now: users made with
/// CreateCredential are gone after a restart (Milvus keeps them in etcd). Only SHA-256 digests are kept.
/// </summary>
public sealed class CredentialStore
{
    /// <summary>The built-in administrator.</summary>
    public const string RootUser = "root";

    private readonly ConcurrentDictionary<string, byte[]> _users = new(StringComparer.Ordinal);

    public CredentialStore(string rootPassword) => _users[RootUser] = Digest(rootPassword);

    public bool Verify(string user, string password) =>
        _users.TryGetValue(user, out var digest) && CryptographicOperations.FixedTimeEquals(digest, Digest(password));

    public bool TryAdd(string user, string password) => _users.TryAdd(user, Digest(password));

    public bool TryUpdate(string user, string oldPassword, string newPassword)
    {
        if (!Verify(user, oldPassword)) return false;
        _users[user] = Digest(newPassword);
        return true;
    }

    public bool Remove(string user) => user != RootUser && _users.TryRemove(user, out _);

    public IReadOnlyList<string> Users => [.. _users.Keys.Order(StringComparer.Ordinal)];

    private static byte[] Digest(string password) => SHA256.HashData(Encoding.UTF8.GetBytes(password));
}
