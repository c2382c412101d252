using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Quiver.Kernel.Bits;

/// <summary>In-place word-wise operations over bit spans, on the widest accelerated vectors.</summary>
public static class BitOps
{
    /// <summary>dst ∧= src.</summary>
    public static void And(Span<ulong> dst, ReadOnlySpan<ulong> src) => Apply<AndOp>(dst, src);

    /// <summary>dst ∨= src.</summary>
    public static void Or(Span<ulong> dst, ReadOnlySpan<ulong> src) => Apply<OrOp>(dst, src);

    /// <summary>dst ∧= ¬src.</summary>
    public static void AndNot(Span<ulong> dst, ReadOnlySpan<ulong> src) => Apply<AndNotOp>(dst, src);

    private static void Apply<TOp>(Span<ulong> dst, ReadOnlySpan<ulong> src) where TOp : struct, IWordOp
    {
        if (dst.Length != src.Length) ThrowHelper.LengthMismatch(dst.Length, src.Length, "word spans");
        ref ulong d = ref MemoryMarshal.GetReference(dst);
        ref ulong s = ref MemoryMarshal.GetReference(src);
        nuint n = (nuint)dst.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) TOp.Apply(Vector512.LoadUnsafe(ref d, i), Vector512.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) TOp.Apply(Vector256.LoadUnsafe(ref d, i), Vector256.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 2 <= n; i += 2) TOp.Apply(Vector128.LoadUnsafe(ref d, i), Vector128.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = TOp.Apply(Unsafe.Add(ref d, i), Unsafe.Add(ref s, i));
    }
}
