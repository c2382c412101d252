using Quiver.Kernel.Bits;

namespace Quiver.Index.Storage;

/// <summary>
/// The deleted-row set and live count of an index whose rows are appended under one write lock
/// (FLAT, IVF). The bitset is replaced, never resized in place, so a search keeps a consistent
/// <see cref="Snapshot"/>; rows newer than the snapshot count as live. Mutators expect the owner's
/// write lock to be held.
/// </summary>
internal sealed class DeletedRows
{
    private Bitset _bits = new(0);
    private int _live;

    /// <summary>The current set, for a search to hold on to.</summary>
    public Bitset Snapshot => Volatile.Read(ref _bits);

    /// <summary>Rows added and not removed.</summary>
    public int Live => Volatile.Read(ref _live);

    /// <summary>Bytes held by the set.</summary>
    public long MemoryBytes => (long)Snapshot.Words.Length * sizeof(ulong);

    /// <summary>True when <paramref name="id"/> is deleted in <paramref name="snapshot"/>.</summary>
    public static bool IsDeleted(Bitset snapshot, int id) => id < snapshot.Length && snapshot.Test(id);

    /// <summary>Records <paramref name="added"/> new rows, the index now holding <paramref name="rows"/> in all.</summary>
    public void Added(int rows, int added)
    {
        if (rows > _bits.Length)
        {
            var next = new Bitset(Math.Max(rows, _bits.Length * 2));
            _bits.Words.CopyTo(next.Words);
            Volatile.Write(ref _bits, next);
        }
        _live += added;
    }

    /// <summary>Marks a row deleted; false if it already was.</summary>
    public bool Remove(int id)
    {
        if (_bits.Test(id)) return false;
        _bits.Set(id);
        _live--;
        return true;
    }

    /// <summary>Installs a set read from a file for <paramref name="rows"/> rows.</summary>
    public void Restore(ReadOnlySpan<ulong> words, int rows)
    {
        var bits = new Bitset(Math.Max(rows, 1));
        words.CopyTo(bits.Words);
        _bits = bits;
        _live = rows - (int)bits.PopCount();
    }
}
