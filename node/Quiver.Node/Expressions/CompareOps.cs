using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Quiver.Node.Expressions;

/// <summary>
/// A lane-wise predicate over numbers against one or two bounds (<c>a</c>, <c>b</c>), as a struct functor: the
/// compare kernel is generic over it, so the JIT specialises one loop per element type and operator with no call
/// per row. Vector forms return all-ones lanes where the predicate holds; every form agrees with the scalar one
/// (IEEE semantics for floats: NaN compares false except under !=).
/// </summary>
internal interface ICompareOp<T> where T : unmanaged, INumber<T>
{
    static abstract bool Test(T x, T a, T b);
    static abstract Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b);
    static abstract Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b);
    static abstract Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b);
}

internal readonly struct EqOp<T> : ICompareOp<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Test(T x, T a, T b) => x == a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b) => Vector128.Equals(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b) => Vector256.Equals(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b) => Vector512.Equals(x, a);
}

internal readonly struct NeOp<T> : ICompareOp<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Test(T x, T a, T b) => x != a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b) => ~Vector128.Equals(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b) => ~Vector256.Equals(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b) => ~Vector512.Equals(x, a);
}

internal readonly struct LtOp<T> : ICompareOp<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Test(T x, T a, T b) => x < a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b) => Vector128.LessThan(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b) => Vector256.LessThan(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b) => Vector512.LessThan(x, a);
}

internal readonly struct LeOp<T> : ICompareOp<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Test(T x, T a, T b) => x <= a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b) => Vector128.LessThanOrEqual(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b) => Vector256.LessThanOrEqual(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(x, a);
}

internal readonly struct GtOp<T> : ICompareOp<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Test(T x, T a, T b) => x > a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(x, a);
}

internal readonly struct GeOp<T> : ICompareOp<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Test(T x, T a, T b) => x >= a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b) => Vector128.GreaterThanOrEqual(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(x, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(x, a);
}

/// <summary>A two-sided range: <typeparamref name="TLow"/> against <c>a</c> and <typeparamref name="THigh"/> against <c>b</c>.</summary>
internal readonly struct RangeOp<T, TLow, THigh> : ICompareOp<T>
    where T : unmanaged, INumber<T> where TLow : struct, ICompareOp<T> where THigh : struct, ICompareOp<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Test(T x, T a, T b) => TLow.Test(x, a, a) & THigh.Test(x, b, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Test(Vector128<T> x, Vector128<T> a, Vector128<T> b) => TLow.Test(x, a, a) & THigh.Test(x, b, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Test(Vector256<T> x, Vector256<T> a, Vector256<T> b) => TLow.Test(x, a, a) & THigh.Test(x, b, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Test(Vector512<T> x, Vector512<T> a, Vector512<T> b) => TLow.Test(x, a, a) & THigh.Test(x, b, b);
}

/// <summary>
/// A lane-wise map applied before the compare (<c>x op m</c> for a constant <c>m</c>): the fused fast path for
/// <c>field op const cmp const</c>. Integer maps wrap like the general evaluator's long arithmetic.
/// </summary>
internal interface ILaneMap<T> where T : unmanaged, INumber<T>
{
    static abstract T Map(T x, T m);
    static abstract Vector128<T> Map(Vector128<T> x, Vector128<T> m);
    static abstract Vector256<T> Map(Vector256<T> x, Vector256<T> m);
    static abstract Vector512<T> Map(Vector512<T> x, Vector512<T> m);
}

internal readonly struct IdentityMap<T> : ILaneMap<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Map(T x, T m) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Map(Vector128<T> x, Vector128<T> m) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Map(Vector256<T> x, Vector256<T> m) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Map(Vector512<T> x, Vector512<T> m) => x;
}

internal readonly struct AddMap<T> : ILaneMap<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Map(T x, T m) => unchecked(x + m);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Map(Vector128<T> x, Vector128<T> m) => x + m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Map(Vector256<T> x, Vector256<T> m) => x + m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Map(Vector512<T> x, Vector512<T> m) => x + m;
}

/// <summary>x − m.</summary>
internal readonly struct SubMap<T> : ILaneMap<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Map(T x, T m) => unchecked(x - m);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Map(Vector128<T> x, Vector128<T> m) => x - m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Map(Vector256<T> x, Vector256<T> m) => x - m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Map(Vector512<T> x, Vector512<T> m) => x - m;
}

/// <summary>m − x.</summary>
internal readonly struct SubFromMap<T> : ILaneMap<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Map(T x, T m) => unchecked(m - x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Map(Vector128<T> x, Vector128<T> m) => m - x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Map(Vector256<T> x, Vector256<T> m) => m - x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Map(Vector512<T> x, Vector512<T> m) => m - x;
}

internal readonly struct MulMap<T> : ILaneMap<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Map(T x, T m) => unchecked(x * m);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Map(Vector128<T> x, Vector128<T> m) => x * m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Map(Vector256<T> x, Vector256<T> m) => x * m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Map(Vector512<T> x, Vector512<T> m) => x * m;
}

/// <summary>x / m, for floating-point lanes only (integer division needs the divide-by-zero rule).</summary>
internal readonly struct DivMap<T> : ILaneMap<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Map(T x, T m) => x / m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Map(Vector128<T> x, Vector128<T> m) => x / m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Map(Vector256<T> x, Vector256<T> m) => x / m;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Map(Vector512<T> x, Vector512<T> m) => x / m;
}

/// <summary>m / x, for floating-point lanes only.</summary>
internal readonly struct DivFromMap<T> : ILaneMap<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Map(T x, T m) => m / x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Map(Vector128<T> x, Vector128<T> m) => m / x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Map(Vector256<T> x, Vector256<T> m) => m / x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Map(Vector512<T> x, Vector512<T> m) => m / x;
}
