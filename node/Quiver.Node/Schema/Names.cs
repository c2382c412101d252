using Quiver.Node.Errors;

namespace Quiver.Node.Schema;

/// <summary>Milvus's naming rule for databases, collections, partitions, aliases, fields and indexes.</summary>
public static class Names
{
    public const int MaxLength = 255;

    /// <summary>
    /// Throws unless <paramref name="name"/> is <c>[A-Za-z_][A-Za-z0-9_]*</c> and at most 255 characters;
    /// the message names what the name is for (<paramref name="what"/>: "collection", "field", …).
    /// </summary>
    public static void Validate(string? name, string what, ErrorCode code = ErrorCode.ParameterInvalid)
    {
        if (string.IsNullOrEmpty(name))
            throw new QuiverException(code, $"{what} name must not be empty");
        if (name.Length > MaxLength)
            throw new QuiverException(code, $"{what} name '{name[..20]}…' is {name.Length} characters; the limit is {MaxLength}");
        if (!(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            throw new QuiverException(code, $"{what} name '{name}' must start with a letter or '_'");
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new QuiverException(code, $"{what} name '{name}' may only contain letters, digits and '_' (found '{c}')");
        }
    }
}
