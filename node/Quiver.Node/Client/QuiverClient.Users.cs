using System.Security.Cryptography;
using System.Text;

namespace Quiver.Node.Client;

// Users for authentication (Milvus's credentials), kept in the meta store as Milvus keeps them in etcd: one record per
// user under {root}/credential/users/, a salted PBKDF2-SHA256 digest of the password (see PasswordRecord), never the password.
public sealed partial class QuiverClient
{
    private string UserKey(string user) => $"{_options.MetaRoot}/credential/users/{user}";

    /// <summary>Every user's password record, by user name.</summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> UserRecordsAsync(CancellationToken cancellationToken = default)
    {
        string prefix = UserKey("");
        var records = await _meta.RangeAsync(prefix, cancellationToken).ConfigureAwait(false);
        return records.ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>Stores a user's password record (from <see cref="PasswordRecord.Create"/>), replacing any earlier one.</summary>
    public Task PutUserAsync(string user, byte[] record, CancellationToken cancellationToken = default) =>
        _meta.PutAsync(UserKey(user), record, cancellationToken: cancellationToken);

    /// <summary>Removes a user; false when there was none.</summary>
    public Task<bool> DeleteUserAsync(string user, CancellationToken cancellationToken = default) =>
        _meta.DeleteAsync(UserKey(user), cancellationToken);
}

/// <summary>A stored password: 16 bytes of random salt, then the 32-byte PBKDF2-SHA256 digest (100 000 iterations).</summary>
public static class PasswordRecord
{
    private const int Iterations = 100_000;

    public static byte[] Create(string password)
    {
        var record = new byte[48];
        RandomNumberGenerator.Fill(record.AsSpan(0, 16));
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), record.AsSpan(0, 16), record.AsSpan(16, 32), Iterations, HashAlgorithmName.SHA256);
        return record;
    }

    public static bool Matches(byte[] record, string password)
    {
        if (record.Length != 48) return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), record.AsSpan(0, 16), Iterations, HashAlgorithmName.SHA256, 32);
        return CryptographicOperations.FixedTimeEquals(record.AsSpan(16, 32), actual);
    }
}
