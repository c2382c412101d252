using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Quiver.Kernel;

/// <summary>Non-inlined throws, so the hot callers stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void LengthMismatch(int a, int b, string what = "vectors") =>
        throw new ArgumentException($"The {what} have different lengths: {a} and {b}.");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Argument(string message, string? paramName = null) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void OutOfRange(string paramName, object value, string allowed) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} = {value} is out of range; allowed: {allowed}.");
}
