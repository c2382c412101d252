using Quiver.Kernel.Bits;

namespace Quiver.Kernel.Tests.Bits;

public class BitsetTests
{
    public static IEnumerable<object[]> Lengths() => new[] { 0, 1, 63, 64, 65, 127, 128, 129, 200, 511, 512, 1000, 4099 }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Operations_match_a_bool_array_model(int length)
    {
        var rng = new Random(length + 1);
        var a = new Bitset(length); var ma = new bool[length];
        var b = new Bitset(length); var mb = new bool[length];
        for (int step = 0; step < 3 * length; step++)
        {
            int i = rng.Next(length);
            switch (rng.Next(3))
            {
                case 0: a.Set(i); ma[i] = true; break;
                case 1: a.Clear(i); ma[i] = false; break;
                default: b[i] = true; mb[i] = true; break;
            }
        }
        Same(ma, a);
        Same(mb, b);

        var and = Copy(a, ma, out var mAnd); and.And(b); for (int i = 0; i < length; i++) mAnd[i] &= mb[i]; Same(mAnd, and);
        var or = Copy(a, ma, out var mOr); or.Or(b); for (int i = 0; i < length; i++) mOr[i] |= mb[i]; Same(mOr, or);
        var andNot = Copy(a, ma, out var mAndNot); andNot.AndNot(b); for (int i = 0; i < length; i++) mAndNot[i] &= !mb[i]; Same(mAndNot, andNot);

        a.SetAll(); Same(Enumerable.Repeat(true, length).ToArray(), a);
        a.ClearAll(); Same(new bool[length], a);
    }

    [Fact]
    public void Out_of_range_and_mismatched_lengths_are_clear_errors()
    {
        var a = new Bitset(10);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => a.Set(10));
        Assert.Contains("0 ≤ index < 10", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Test(-1));
        Assert.Throws<ArgumentException>(() => a.And(new Bitset(11)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Bitset(-1));
    }

    private static Bitset Copy(Bitset src, bool[] model, out bool[] copyModel)
    {
        var c = new Bitset(src.Length);
        src.Words.CopyTo(c.Words);
        copyModel = (bool[])model.Clone();
        return c;
    }

    private static void Same(bool[] model, Bitset set)
    {
        for (int i = 0; i < model.Length; i++) Assert.Equal(model[i], set.Test(i));
        Assert.Equal(model.Count(x => x), set.PopCount());
        var listed = new List<int>();
        foreach (int i in set.SetBits) listed.Add(i);
        Assert.Equal(Enumerable.Range(0, model.Length).Where(i => model[i]), listed);
    }
}
