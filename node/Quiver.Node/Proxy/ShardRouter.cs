using System.Text;
using Quiver.Kernel.Hashing;

namespace Quiver.Node.Proxy;

/// <summary>
/// Which shard (vchannel) a primary key belongs to. Stable forever: it decides where a row's inserts,
/// upserts and deletes go, so changing it would split a key's history across shards.
/// Int64 keys: a SplitMix64 finish of the key; VarChar keys: CRC-32C of the UTF-8 bytes.
/// </summary>
public static class ShardRouter
{
    public static int Shard(long primaryKey, int shards)
    {
        if (shards == 1) return 0;
        ulong z = (ulong)primaryKey + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z % (ulong)shards);
    }

    public static int Shard(string primaryKey, int shards)
    {
        if (shards == 1) return 0;
        return (int)(Crc32C.Compute(Encoding.UTF8.GetBytes(primaryKey)) % (uint)shards);
    }
}
