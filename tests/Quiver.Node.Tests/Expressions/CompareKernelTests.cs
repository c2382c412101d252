using System.Numerics;
using Quiver.Kernel.Bits;
using Quiver.Node.Expressions;

namespace Quiver.Node.Tests.Expressions;

/// <summary>
/// The SIMD compare kernels against a plain per-row loop, for every length 0..300 and every element type and
/// operator, on whichever ISA the process runs (the suite is also run with AVX-512, AVX2 and all intrinsics off).
/// </summary>
public class CompareKernelTests
{
    private static T[] Values<T>(int n, int seed) where T : unmanaged, INumber<T>
    {
        var rng = new Random(seed);
        var a = new T[n];
        for (int i = 0; i < n; i++)
        {
            double v = rng.Next(10) == 0 ? double.NaN : rng.Next(-5, 6); // NaN for float lanes, 0 for integers
            a[i] = T.CreateTruncating(v);
        }
        return a;
    }

    private static void Check<T, TMap, TOp>(Func<T, bool> oracle, T m, T a, T b)
        where T : unmanaged, INumber<T> where TMap : struct, ILaneMap<T> where TOp : struct, ICompareOp<T>
    {
        for (int n = 0; n <= 300; n++)
        {
            var x = Values<T>(n, n);
            var words = new ulong[Bitset.WordsFor(n) + 1];
            words[^1] = 0xDEADBEEF; // a sentinel past the mask
            CompareKernels.Compare<T, TMap, TOp>(x, m, a, b, words);
            for (int i = 0; i < n; i++)
                Assert.True(oracle(x[i]) == ((words[i >> 6] >> i) & 1) is 1, $"{typeof(TOp).Name}<{typeof(T).Name}> n={n} row {i} value {x[i]}");
            if ((n & 63) != 0) Assert.Equal(0UL, words[Bitset.WordsFor(n) - 1] >> (n & 63));
            Assert.Equal(0xDEADBEEFUL, words[^1]);
        }
    }

    private static void AllOps<T>() where T : unmanaged, INumber<T>
    {
        T two = T.CreateTruncating(2), minus = T.CreateTruncating(-1);
        Check<T, IdentityMap<T>, EqOp<T>>(x => x == two, T.Zero, two, two);
        Check<T, IdentityMap<T>, NeOp<T>>(x => x != two, T.Zero, two, two);
        Check<T, IdentityMap<T>, LtOp<T>>(x => x < two, T.Zero, two, two);
        Check<T, IdentityMap<T>, LeOp<T>>(x => x <= two, T.Zero, two, two);
        Check<T, IdentityMap<T>, GtOp<T>>(x => x > two, T.Zero, two, two);
        Check<T, IdentityMap<T>, GeOp<T>>(x => x >= two, T.Zero, two, two);
        Check<T, IdentityMap<T>, RangeOp<T, GtOp<T>, LeOp<T>>>(x => x > minus && x <= two, T.Zero, minus, two);
        Check<T, IdentityMap<T>, RangeOp<T, GeOp<T>, LtOp<T>>>(x => x >= minus && x < two, T.Zero, minus, two);
    }

    [Fact] public void Int8() => AllOps<sbyte>();
    [Fact] public void Int16() => AllOps<short>();
    [Fact] public void Int32() => AllOps<int>();
    [Fact] public void Int64() => AllOps<long>();
    [Fact] public void Float() => AllOps<float>();
    [Fact] public void Double() => AllOps<double>();

    [Fact]
    public void FusedMapsMatchScalarArithmetic()
    {
        Check<long, AddMap<long>, GtOp<long>>(x => x + 3 > 4, 3, 4, 4);
        Check<long, SubFromMap<long>, LeOp<long>>(x => 3 - x <= 1, 3, 1, 1);
        Check<long, MulMap<long>, EqOp<long>>(x => x * -2 == 4, -2, 4, 4);
        Check<double, DivMap<double>, LtOp<double>>(x => x / 4 < 0.5, 4, 0.5, 0.5);
        Check<double, DivFromMap<double>, GeOp<double>>(x => 1 / x >= 0.5, 1, 0.5, 0.5);
        Check<double, SubMap<double>, NeOp<double>>(x => x - 1 != 2, 1, 2, 2);
    }

    [Fact]
    public void TwoColumnsAndShortListsMatchTheLoop()
    {
        for (int n = 0; n <= 300; n++)
        {
            var x = Values<long>(n, n);
            var y = Values<long>(n, n + 1000);
            var words = new ulong[Bitset.WordsFor(n)];
            CompareKernels.Compare2<long, LtOp<long>>(x, y, words);
            for (int i = 0; i < n; i++) Assert.Equal(x[i] < y[i], ((words[i >> 6] >> i) & 1) == 1);
            var d = Values<double>(n, n);
            var e = Values<double>(n, n + 7);
            CompareKernels.Compare2<double, NeOp<double>>(d, e, words);
            for (int i = 0; i < n; i++) Assert.Equal(d[i] != e[i], ((words[i >> 6] >> i) & 1) == 1);
            var s = Values<short>(n, n);
            short[] list = [-5, 0, 3];
            CompareKernels.AnyEqual<short>(s, list, words);
            for (int i = 0; i < n; i++) Assert.Equal(list.Contains(s[i]), ((words[i >> 6] >> i) & 1) == 1);
        }
    }

    [Fact]
    public void BitmapCopyAndSpliceHandleEveryOffset()
    {
        var rng = new Random(3);
        var bitmap = new byte[40];
        rng.NextBytes(bitmap);
        for (int offset = 0; offset < 70; offset++)
        {
            for (int rows = 0; rows <= 200 && offset + rows <= bitmap.Length * 8; rows += 13)
            {
                var words = new ulong[Bitset.WordsFor(rows)];
                BitWords.CopyBitmap(bitmap, offset, rows, words);
                for (int i = 0; i < rows; i++)
                    Assert.Equal((bitmap[(offset + i) >> 3] >> ((offset + i) & 7) & 1) == 1, ((words[i >> 6] >> i) & 1) == 1);
                var dest = new ulong[Bitset.WordsFor(offset + rows) + 1];
                BitWords.Splice(dest, offset, words, rows);
                for (int i = 0; i < offset + rows; i++)
                    Assert.Equal(i >= offset && ((words[(i - offset) >> 6] >> (i - offset)) & 1) == 1, ((dest[i >> 6] >> i) & 1) == 1);
            }
        }
    }
}
