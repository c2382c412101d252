using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

// Function calls: json_contains*, array_contains*, array_length; the ones Quiver does not run are named as such.
internal sealed partial class FilterBinder
{
    private Bound Call(CallExpr c)
    {
        string name = c.Function.ToLowerInvariant();
        if (name is "text_match" or "phrase_match" or "random_sample" || name.StartsWith("st_", StringComparison.Ordinal))
            throw Error(c.Position, $"function {c.Function} is not supported by Quiver's filter (no text-match index, sampling or geometry yet)");
        if (c.Named.Count > 0)
            throw Error(c.Named.Values.First().Position, $"{c.Function} takes no named arguments");
        switch (name)
        {
            case "array_length":
            {
                Arity(c, 1);
                var x = Bind(c.Args[0]);
                return x switch
                {
                    ArrayBound a => new NumBound(c.Position, new ArrayLengthNode(a.Slot, a.Field.Name)),
                    JsonBound j => new NumBound(c.Position, new JsonArrayLengthNode(Path(j))),
                    _ => throw Error(c.Args[0].Position, $"array_length needs an Array field or a JSON path, found {Describe(x)}"),
                };
            }
            case "json_contains" or "array_contains":
                return Contains(c, ContainsMode.Any, single: true);
            case "json_contains_any" or "array_contains_any":
                return Contains(c, ContainsMode.Any, single: false);
            case "json_contains_all" or "array_contains_all":
                return Contains(c, ContainsMode.All, single: false);
            default:
                throw Error(c.Position, $"unknown function '{c.Function}'; filters support json_contains, json_contains_all, json_contains_any, array_contains, array_contains_all, array_contains_any and array_length");
        }
    }

    private void Arity(CallExpr c, int n)
    {
        if (c.Args.Count != n) throw Error(c.Position, $"{c.Function} takes {n} argument{(n == 1 ? "" : "s")}, got {c.Args.Count}");
    }

    private Bound Contains(CallExpr c, ContainsMode mode, bool single)
    {
        Arity(c, 2);
        var target = Bind(c.Args[0]);
        var arg = Bind(c.Args[1]);
        object[] values;
        if (single)
        {
            if (arg is not ConstBound { Value: { } v })
                throw Error(c.Args[1].Position, $"{c.Function} needs a constant as its second argument, found {Describe(arg)}");
            values = [v];
        }
        else
        {
            if (arg is not ConstBound { Value: object[] list })
                throw Error(c.Args[1].Position, $"{c.Function} needs a list of constants as its second argument, found {Describe(arg)}");
            values = list;
        }
        switch (target)
        {
            case JsonBound j:
                return new BoolBound(c.Position, new JsonContainsNode(Path(j), mode, values, c.Function));
            case ArrayBound a:
            {
                var element = a.Field.ElementType;
                foreach (var v in values)
                {
                    bool fits = element switch
                    {
                        FieldType.VarChar => v is string,
                        FieldType.Bool => v is bool,
                        _ => v is long or double,
                    };
                    if (!fits)
                        throw Error(c.Args[1].Position, $"{c.Function}: the Array field '{a.Field.Name}' holds {element} elements, which cannot equal the {Constants.TypeName(v)} {Constants.Show(v)}");
                }
                return new BoolBound(c.Position, new ArrayContainsNode(a.Slot, a.Field.Name, element, mode, new ConstSet(values), c.Function));
            }
            default:
                throw Error(c.Args[0].Position, $"{c.Function} needs an Array field or a JSON path as its first argument, found {Describe(target)}");
        }
    }
}

/// <summary>Builds and/or/not nodes, folding constants and flattening nested ones (Kleene rules).</summary>
internal static class Logic
{
    public static FilterNode Not(FilterNode n) => n switch
    {
        ConstNode c => new ConstNode(c.Value is { } v ? !v : null),
        NotNode inner => inner.Child,
        _ => new NotNode(n),
    };

    public static FilterNode And(IEnumerable<FilterNode> nodes) => Combine(nodes, isAnd: true);

    public static FilterNode Or(IEnumerable<FilterNode> nodes) => Combine(nodes, isAnd: false);

    private static FilterNode Combine(IEnumerable<FilterNode> nodes, bool isAnd)
    {
        var children = new List<FilterNode>();
        bool unknown = false;
        foreach (var n in nodes)
        {
            if (n is AndNode a && isAnd) children.AddRange(a.Written);
            else if (n is OrNode o && !isAnd) children.AddRange(o.Written);
            else if (n is ConstNode c)
            {
                if (c.Value == !isAnd) return new ConstNode(!isAnd); // false and x = false; true or x = true
                if (c.Value is null) unknown = true; // true and x = x; false or x = x
            }
            else children.Add(n);
        }
        if (unknown) children.Add(new ConstNode(null));
        if (children.Count == 0) return new ConstNode(isAnd);
        if (children.Count == 1) return children[0];
        return isAnd ? new AndNode(children) : new OrNode(children);
    }
}

/// <summary>A numeric value that is UNKNOWN on every row (a folded division by zero used in arithmetic).</summary>
internal sealed class NullNumericNode : NumericNode
{
    public override NumKind Kind => NumKind.Int;

    public override int Cost => 0;

    public override NumVector Evaluate(EvalContext ctx)
    {
        var v = NewVector(ctx, NumKind.Int);
        v.Valid = ctx.RentWords();
        v.Valid.AsSpan(0, ctx.Words).Clear();
        return v;
    }

    public override string ToString() => "null";
}
