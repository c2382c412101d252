namespace Quiver.Storage.Meta;

/// <summary>
/// Orders strings as their UTF-8 bytes would be ordered (code-point order), so the embedded store
/// ranges in the same order as etcd. UTF-16 ordinal order differs only where a surrogate pair
/// (U+10000 and up) meets a unit in U+E000..U+FFFF: ordinal puts the pair first, UTF-8 puts it last.
/// </summary>
internal sealed class Utf8KeyComparer : IComparer<string>
{
    public static readonly Utf8KeyComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;
        int n = Math.Min(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            char a = x[i], b = y[i];
            if (a != b)
                return Rank(a) - Rank(b);
        }
        return x.Length - y.Length;
    }

    // Lifts surrogates above every other BMP unit; the rest keep their order.
    private static int Rank(char c) => c >= 0xD800 && c <= 0xDFFF ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c;
}
