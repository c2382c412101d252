using System.Text;
using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

public sealed class MetaKeysTests
{
    [Fact]
    public void Join_builds_slash_separated_keys_and_refuses_empty_parts()
    {
        Assert.Equal("by-dev/meta/coordinator/session", MetaKeys.Join("by-dev/", "meta", "coordinator", "session"));
        Assert.Throws<ArgumentException>(() => MetaKeys.Join("root", "", "x"));
        Assert.Throws<ArgumentException>(() => MetaKeys.Join());
    }

    [Fact]
    public void Key_order_is_utf8_byte_order()
    {
        var random = new Random(20260101);
        char[] alphabet = ['a', 'z', '/', '\u00E9', '\u4E2D', '\uE000', '\uFF5E', '\uFFFF'];
        string RandomKey()
        {
            var sb = new StringBuilder();
            int n = random.Next(1, 6);
            for (int i = 0; i < n; i++)
            {
                if (random.Next(4) == 0)
                    sb.Append(char.ConvertFromUtf32(0x1F600 + random.Next(64)));
                else
                    sb.Append(alphabet[random.Next(alphabet.Length)]);
            }
            return sb.ToString();
        }
        for (int i = 0; i < 5000; i++)
        {
            string a = RandomKey(), b = RandomKey();
            int bytes = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
            Assert.Equal(bytes, Math.Sign(Utf8KeyComparer.Instance.Compare(a, b)));
        }
    }

    [Fact]
    public void Prefix_range_end_increments_the_last_byte_below_0xFF()
    {
        Assert.Equal("ab"u8.ToArray(), MetaKeys.PrefixRangeEnd("aa"u8.ToArray()));
        Assert.Equal(new byte[] { (byte)'b' }, MetaKeys.PrefixRangeEnd([(byte)'a', 0xFF]));
        Assert.Equal(new byte[] { 0 }, MetaKeys.PrefixRangeEnd([0xFF, 0xFF]));
    }
}
