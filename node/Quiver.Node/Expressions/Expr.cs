namespace Quiver.Node.Expressions;

/// <summary>
/// The syntax tree of a Milvus boolean expression, as parsed (not yet checked against a schema).
/// <see cref="Position"/> is the character offset where the node starts, for error messages.
/// </summary>
public abstract record Expr(int Position);

/// <summary>A literal: <c>long</c>, <c>double</c>, <c>bool</c> or <c>string</c>.</summary>
public sealed record LiteralExpr(int Position, object Value) : Expr(Position);

/// <summary>A list literal <c>[a, b, …]</c>.</summary>
public sealed record ListExpr(int Position, IReadOnlyList<Expr> Items) : Expr(Position);

/// <summary>A field name, a dynamic key, or <c>$meta</c>.</summary>
public sealed record IdentifierExpr(int Position, string Name) : Expr(Position);

/// <summary>A template parameter <c>{name}</c>, whose value is passed beside the expression.</summary>
public sealed record TemplateExpr(int Position, string Name) : Expr(Position);

/// <summary>Element access: a JSON path step <c>f["a"]</c> or an array element <c>arr[3]</c>.</summary>
public sealed record IndexExpr(int Position, Expr Target, Expr Key) : Expr(Position);

/// <summary>A prefix operator: <c>not</c>, <c>-</c>, <c>+</c>, <c>~</c>.</summary>
public sealed record UnaryExpr(int Position, string Op, Expr Operand) : Expr(Position);

/// <summary>A binary operator: arithmetic, bit, equality, <c>like</c>, <c>and</c>, <c>or</c> (spelled the canonical way: and, or, ==, …).</summary>
public sealed record BinaryExpr(int Position, string Op, Expr Left, Expr Right) : Expr(Position);

/// <summary>Relational comparisons, chained: <c>a &lt; b</c> has one operator, <c>1 &lt; x &lt;= 5</c> two.</summary>
public sealed record CompareExpr(int Position, IReadOnlyList<Expr> Operands, IReadOnlyList<string> Ops) : Expr(Position);

/// <summary><c>x in [..]</c> or <c>x not in [..]</c> (the list may be a template).</summary>
public sealed record InExpr(int Position, Expr Value, Expr List, bool Negated) : Expr(Position);

/// <summary><c>x is null</c> or <c>x is not null</c>.</summary>
public sealed record IsNullExpr(int Position, Expr Value, bool Negated) : Expr(Position);

/// <summary><c>exists f["k"]</c>.</summary>
public sealed record ExistsExpr(int Position, Expr Path) : Expr(Position);

/// <summary>A function call, e.g. <c>array_contains(tags, "a")</c>, <c>text_match(t, "x", minimum_should_match=2)</c>.</summary>
public sealed record CallExpr(int Position, string Function, IReadOnlyList<Expr> Args, IReadOnlyDictionary<string, Expr> Named) : Expr(Position);
