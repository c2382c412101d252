using System.Text;

namespace Quiver.Storage.Meta;

/// <summary>
/// Key rules shared by both stores, and a join for namespaced keys such as
/// <c>MetaKeys.Join(root, "meta", "coordinator", "session")</c> → <c>{root}/meta/coordinator/session</c>.
/// </summary>
/// <remarks>
/// Keys are Unicode strings stored as UTF-8 and ordered by their UTF-8 bytes (etcd's order), which is
/// code-point order, not UTF-16 <see cref="string.CompareOrdinal(string, string)"/> order.
/// Limits follow etcd's defaults so that what the embedded store takes, etcd takes too: a key is
/// 1..<see cref="MaxKeyBytes"/> UTF-8 bytes, a value at most <see cref="MaxValueBytes"/>.
/// </remarks>
public static class MetaKeys
{
    /// <summary>Largest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 4096;

    /// <summary>Largest value: 1 MiB, under etcd's default 1.5 MiB request limit.</summary>
    public const int MaxValueBytes = 1 << 20;

    /// <summary>Most writes in one transaction branch: etcd's default <c>--max-txn-ops</c>.</summary>
    public const int MaxTxnOps = 128;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Joins non-empty parts with '/', e.g. <c>Join("by-dev", "meta", "collection", "7")</c>.</summary>
    public static string Join(params ReadOnlySpan<string> parts)
    {
        if (parts.Length == 0)
            throw new ArgumentException("a meta key needs at least one part", nameof(parts));
        var sb = new StringBuilder();
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            if (string.IsNullOrEmpty(part))
                throw new ArgumentException($"meta key part {i} is null or empty", nameof(parts));
            if (i > 0)
                sb.Append('/');
            sb.Append(i == 0 ? part.TrimEnd('/') : part.Trim('/'));
        }
        return sb.ToString();
    }

    /// <summary>UTF-8 bytes of a key; refuses strings with unpaired surrogates (they would not round-trip).</summary>
    internal static byte[] ToUtf8(string key, string paramName)
    {
        try
        {
            return StrictUtf8.GetBytes(key);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"meta key '{key}' is not valid Unicode (unpaired surrogate)", paramName, e);
        }
    }

    internal static string FromUtf8(ReadOnlySpan<byte> bytes) => StrictUtf8.GetString(bytes);

    internal static void ValidateKey(string key, string paramName)
    {
        if (key is null)
            throw new ArgumentNullException(paramName, "meta key must not be null");
        if (key.Length == 0)
            throw new ArgumentException("meta key must not be empty", paramName);
        int bytes = ToUtf8(key, paramName).Length;
        if (bytes > MaxKeyBytes)
            throw new ArgumentException($"meta key is {bytes} UTF-8 bytes; at most {MaxKeyBytes} are allowed", paramName);
    }

    internal static void ValidatePrefix(string prefix, string paramName, bool allowEmpty)
    {
        if (prefix is null)
            throw new ArgumentNullException(paramName, "meta key prefix must not be null");
        if (prefix.Length == 0)
        {
            if (allowEmpty)
                return;
            throw new ArgumentException("meta key prefix must not be empty here (it would cover every key)", paramName);
        }
        ValidateKey(prefix, paramName);
    }

    internal static void ValidateValue(byte[] value, string paramName)
    {
        if (value is null)
            throw new ArgumentNullException(paramName, "meta value must not be null (use an empty array for no bytes)");
        if (value.Length > MaxValueBytes)
            throw new ArgumentException($"meta value is {value.Length} bytes; at most {MaxValueBytes} are allowed", paramName);
    }

    internal static void ValidateLeaseId(long leaseId, string paramName)
    {
        if (leaseId < 0)
            throw new ArgumentOutOfRangeException(paramName, leaseId, "lease id must be 0 (no lease) or a granted id");
    }

    /// <summary>
    /// etcd's range end for a prefix: the prefix's bytes with the last byte below 0xFF incremented and
    /// the rest cut; a single 0 byte (meaning "to the end") when there is none, or for the empty prefix.
    /// </summary>
    internal static byte[] PrefixRangeEnd(byte[] prefix)
    {
        for (int i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] < 0xFF)
            {
                byte[] end = prefix.AsSpan(0, i + 1).ToArray();
                end[i]++;
                return end;
            }
        }
        return [0];
    }
}
