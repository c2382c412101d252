using Quiver.Node.Errors;

namespace Quiver.Node.Expressions;

/// <summary>A filter expression that cannot be parsed or checked: the message names the position and what was expected.</summary>
public sealed class ExpressionException(string expression, int position, string problem)
    : QuiverException(ErrorCode.ParameterInvalid, $"cannot parse expression at position {position}: {problem} (in: {Excerpt(expression, position)})")
{
    public int Position { get; } = position;

    private static string Excerpt(string expression, int position)
    {
        const int Window = 30;
        int start = Math.Max(0, position - Window);
        int end = Math.Min(expression.Length, position + Window);
        return (start > 0 ? "…" : "") + expression[start..end] + (end < expression.Length ? "…" : "");
    }
}
