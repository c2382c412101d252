using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Quiver.Kernel.Numerics;

/// <summary>
/// Lane sums as a halving tree. The runtime's Vector512.Sum reduces each 128-bit quarter on its own
/// and chains the partial results through scalar adds (seen in the .NET 10 JIT's output); for a
/// 784-d pair kernel that tail cost about as much as a fifth of the whole call.
/// </summary>
internal static class HorizontalSum
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(Vector512<float> v) => Of(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(Vector256<float> v) => Of(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(Vector128<float> v)
    {
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(Vector512<int> v) => Of(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(Vector256<int> v) => Of(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(Vector128<int> v)
    {
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }
}
