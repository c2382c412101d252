using System.Runtime.Intrinsics;

namespace Quiver.Kernel.Bits;

/// <summary>
/// How two bit words combine, at every width, as struct functors: <see cref="BitOps"/> applies them in
/// place and <see cref="PopCount"/> counts their result without storing it.
/// </summary>
internal interface IWordOp
{
    static abstract ulong Apply(ulong a, ulong b);
    static abstract Vector128<ulong> Apply(Vector128<ulong> a, Vector128<ulong> b);
    static abstract Vector256<ulong> Apply(Vector256<ulong> a, Vector256<ulong> b);
    static abstract Vector512<ulong> Apply(Vector512<ulong> a, Vector512<ulong> b);
}

/// <summary>a (b ignored): counting one span.</summary>
internal readonly struct FirstOp : IWordOp
{
    public static ulong Apply(ulong a, ulong b) => a;
    public static Vector128<ulong> Apply(Vector128<ulong> a, Vector128<ulong> b) => a;
    public static Vector256<ulong> Apply(Vector256<ulong> a, Vector256<ulong> b) => a;
    public static Vector512<ulong> Apply(Vector512<ulong> a, Vector512<ulong> b) => a;
}

/// <summary>a xor b.</summary>
internal readonly struct XorOp : IWordOp
{
    public static ulong Apply(ulong a, ulong b) => a ^ b;
    public static Vector128<ulong> Apply(Vector128<ulong> a, Vector128<ulong> b) => a ^ b;
    public static Vector256<ulong> Apply(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;
    public static Vector512<ulong> Apply(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;
}

/// <summary>a and b.</summary>
internal readonly struct AndOp : IWordOp
{
    public static ulong Apply(ulong a, ulong b) => a & b;
    public static Vector128<ulong> Apply(Vector128<ulong> a, Vector128<ulong> b) => a & b;
    public static Vector256<ulong> Apply(Vector256<ulong> a, Vector256<ulong> b) => a & b;
    public static Vector512<ulong> Apply(Vector512<ulong> a, Vector512<ulong> b) => a & b;
}

/// <summary>a or b.</summary>
internal readonly struct OrOp : IWordOp
{
    public static ulong Apply(ulong a, ulong b) => a | b;
    public static Vector128<ulong> Apply(Vector128<ulong> a, Vector128<ulong> b) => a | b;
    public static Vector256<ulong> Apply(Vector256<ulong> a, Vector256<ulong> b) => a | b;
    public static Vector512<ulong> Apply(Vector512<ulong> a, Vector512<ulong> b) => a | b;
}

/// <summary>a and not b.</summary>
internal readonly struct AndNotOp : IWordOp
{
    public static ulong Apply(ulong a, ulong b) => a & ~b;
    public static Vector128<ulong> Apply(Vector128<ulong> a, Vector128<ulong> b) => Vector128.AndNot(a, b);
    public static Vector256<ulong> Apply(Vector256<ulong> a, Vector256<ulong> b) => Vector256.AndNot(a, b);
    public static Vector512<ulong> Apply(Vector512<ulong> a, Vector512<ulong> b) => Vector512.AndNot(a, b);
}
