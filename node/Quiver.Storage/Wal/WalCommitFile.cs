using System.Buffers.Binary;
using FASTER.core;
using Microsoft.Win32.SafeHandles;
using Quiver.Kernel.Hashing;

namespace Quiver.Storage.Wal;

/// <summary>
/// FASTER's commit metadata kept in two fixed files, <c>commit-0</c> and <c>commit-1</c>, written in turn
/// (commit N goes to file N mod 2) in place with write-through. FASTER's default manager creates a new file
/// per commit and deletes the old one, which costs directory updates on every commit; overwriting a
/// preallocated block is one synchronous write. A torn write can only damage the file being written, and
/// the other still holds the previous commit, so recovery takes the newest record whose CRC checks.
/// Record: <c>magic "QWCM" | u16 version | u16 0 | i64 commit number | i32 length | metadata | u32 CRC-32C</c>,
/// padded to a multiple of 4 KiB.
/// </summary>
internal sealed class WalCommitFile : ILogCommitManager
{
    private const uint Magic = 0x4D435751; // "QWCM"
    private const ushort Version = 1;
    private const int HeaderSize = 20;
    private const int Block = 4096;
    private readonly SafeFileHandle[] _files = new SafeFileHandle[2];
    private readonly object _gate = new();

    public WalCommitFile(string directory)
    {
        for (int i = 0; i < 2; i++)
        {
            _files[i] = File.OpenHandle(Path.Combine(directory, $"commit-{i}"), FileMode.OpenOrCreate, FileAccess.ReadWrite,
                FileShare.None, FileOptions.WriteThrough);
        }
    }

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        int size = (HeaderSize + commitMetadata.Length + 4 + Block - 1) / Block * Block;
        var record = new byte[size];
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4), Version);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), commitNum);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(16), commitMetadata.Length);
        commitMetadata.CopyTo(record, HeaderSize);
        int end = HeaderSize + commitMetadata.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(end), Crc32C.Compute(record.AsSpan(0, end)));
        lock (_gate)
        {
            RandomAccess.Write(_files[(int)(commitNum & 1)], record, 0);
        }
    }

    private (long CommitNum, byte[] Metadata)? Read(int file)
    {
        lock (_gate)
        {
            long length = RandomAccess.GetLength(_files[file]);
            if (length < HeaderSize + 4) return null;
            var bytes = new byte[Math.Min(length, 1 << 24)];
            int n = RandomAccess.Read(_files[file], bytes, 0);
            var s = bytes.AsSpan(0, n);
            if (BinaryPrimitives.ReadUInt32LittleEndian(s) != Magic || BinaryPrimitives.ReadUInt16LittleEndian(s[4..]) != Version) return null;
            int len = BinaryPrimitives.ReadInt32LittleEndian(s[16..]);
            if (len < 0 || HeaderSize + len + 4 > n) return null;
            if (BinaryPrimitives.ReadUInt32LittleEndian(s[(HeaderSize + len)..]) != Crc32C.Compute(s[..(HeaderSize + len)])) return null;
            return (BinaryPrimitives.ReadInt64LittleEndian(s[8..]), s.Slice(HeaderSize, len).ToArray());
        }
    }

    public byte[]? GetCommitMetadata(long commitNum)
    {
        for (int i = 0; i < 2; i++)
            if (Read(i) is { } r && r.CommitNum == commitNum) return r.Metadata;
        return null;
    }

    /// <summary>The valid commits, newest first (FASTER recovers from the first that loads).</summary>
    public IEnumerable<long> ListCommits()
    {
        var found = new List<long>(2);
        for (int i = 0; i < 2; i++)
            if (Read(i) is { } r) found.Add(r.CommitNum);
        found.Sort();
        found.Reverse();
        return found;
    }

    /// <summary>The newest valid commit number, or 0 when there is none.</summary>
    public long Latest => ListCommits().FirstOrDefault();

    // Records are overwritten in turn; nothing to remove one by one.
    public void RemoveCommit(long commitNum) { }

    public void RemoveAllCommits()
    {
        lock (_gate)
        {
            foreach (var f in _files) RandomAccess.SetLength(f, 0);
        }
    }

    public void OnRecovery(long commitNum) { }

    public void Dispose()
    {
        foreach (var f in _files) f?.Dispose();
    }
}
