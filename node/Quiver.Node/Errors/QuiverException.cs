using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Quiver.Node.Errors;

/// <summary>
/// Every failure the engine reports: a catalogue code, a message that names the problem, and whether
/// trying again later may succeed. Bad input and corruption have different codes (CONVENTIONS 6).
/// </summary>
public class QuiverException : Exception
{
    public QuiverException(ErrorCode code, string message, bool retriable = false, Exception? inner = null) : base(message, inner)
    {
        Code = code;
        Retriable = retriable;
    }

    public ErrorCode Code { get; }

    public bool Retriable { get; }

    public override string ToString() => $"{Code} ({(int)Code}): {Message}";

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Throw(ErrorCode code, string message) => throw new QuiverException(code, message);

    /// <summary>A bad request parameter.</summary>
    public static QuiverException Invalid(string message) => new(ErrorCode.ParameterInvalid, message);
}
