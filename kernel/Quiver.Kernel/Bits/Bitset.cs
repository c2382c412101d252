using System.Numerics;
using System.Runtime.CompilerServices;

namespace Quiver.Kernel.Bits;

/// <summary>
/// A fixed-length set of bits over ulong words, for filters (rows that pass an expression) and deletes
/// (rows whose primary key was deleted). Bits past <see cref="Length"/> in the last word are always 0,
/// so counts and word-wise operations need no masking.
/// </summary>
public sealed class Bitset
{
    private readonly ulong[] _words;

    /// <summary>A bitset of <paramref name="length"/> bits, all clear.</summary>
    public Bitset(int length)
    {
        if (length < 0) ThrowHelper.OutOfRange(nameof(length), length, "length ≥ 0");
        Length = length;
        _words = new ulong[WordsFor(length)];
    }

    /// <summary>Number of bits.</summary>
    public int Length { get; }

    /// <summary>The backing words (bit i is bit i % 64 of word i / 64).</summary>
    public Span<ulong> Words => _words;

    /// <summary>Words needed for <paramref name="bits"/> bits.</summary>
    public static int WordsFor(int bits) => (int)(((uint)bits + 63u) >> 6);

    /// <summary>Bit <paramref name="index"/>.</summary>
    public bool this[int index]
    {
        get => Test(index);
        set { if (value) Set(index); else Clear(index); }
    }

    /// <summary>True when bit <paramref name="index"/> is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Test(int index)
    {
        if ((uint)index >= (uint)Length) ThrowIndex(index);
        return (_words[index >> 6] & (1UL << index)) != 0;
    }

    /// <summary>Sets bit <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int index)
    {
        if ((uint)index >= (uint)Length) ThrowIndex(index);
        _words[index >> 6] |= 1UL << index;
    }

    /// <summary>Clears bit <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Clear(int index)
    {
        if ((uint)index >= (uint)Length) ThrowIndex(index);
        _words[index >> 6] &= ~(1UL << index);
    }

    /// <summary>Sets every bit.</summary>
    public void SetAll()
    {
        Array.Fill(_words, ulong.MaxValue);
        int tail = Length & 63;
        if (tail != 0) _words[^1] = (1UL << tail) - 1;
    }

    /// <summary>Clears every bit.</summary>
    public void ClearAll() => Array.Clear(_words);

    /// <summary>this ∧= other.</summary>
    public void And(Bitset other) => BitOps.And(_words, Check(other)._words);

    /// <summary>this ∨= other.</summary>
    public void Or(Bitset other) => BitOps.Or(_words, Check(other)._words);

    /// <summary>this ∧= ¬other (for example, filter minus deleted rows).</summary>
    public void AndNot(Bitset other) => BitOps.AndNot(_words, Check(other)._words);

    /// <summary>Number of set bits.</summary>
    public long PopCount() => Bits.PopCount.Count(_words);

    /// <summary>The indices of the set bits, ascending.</summary>
    public SetBitEnumerator SetBits => new(_words);

    private Bitset Check(Bitset other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Length != Length) ThrowHelper.LengthMismatch(Length, other.Length, "bitsets");
        return other;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowIndex(int index) => ThrowHelper.OutOfRange(nameof(index), index, $"0 ≤ index < {Length}");

    /// <summary>Walks set bits with trailing-zero counts: cost per set bit, not per bit.</summary>
    public ref struct SetBitEnumerator
    {
        private readonly ReadOnlySpan<ulong> _words;
        private int _word;
        private ulong _bits;
        private int _current;

        internal SetBitEnumerator(ReadOnlySpan<ulong> words)
        {
            _words = words;
            _word = -1;
            _bits = 0;
            _current = -1;
        }

        /// <summary>Itself, so it works in foreach.</summary>
        public readonly SetBitEnumerator GetEnumerator() => this;

        /// <summary>The current set bit's index.</summary>
        public readonly int Current => _current;

        /// <summary>Advances to the next set bit.</summary>
        public bool MoveNext()
        {
            while (_bits == 0)
            {
                if (++_word >= _words.Length) return false;
                _bits = _words[_word];
            }
            _current = (_word << 6) + BitOperations.TrailingZeroCount(_bits);
            _bits &= _bits - 1;
            return true;
        }
    }
}
