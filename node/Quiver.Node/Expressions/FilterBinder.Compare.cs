using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

// Comparisons, chains, in, is null, exists.
internal sealed partial class FilterBinder
{
    private static CompareOp ParseOp(string op) => op switch
    {
        "==" => CompareOp.Eq,
        "!=" => CompareOp.Ne,
        "<" => CompareOp.Lt,
        "<=" => CompareOp.Le,
        ">" => CompareOp.Gt,
        _ => CompareOp.Ge,
    };

    private Bound Chain(CompareExpr c)
    {
        var operands = c.Operands.Select(Bind).ToArray();
        var ops = c.Ops.Select(ParseOp).ToArray();
        // lo < x < hi (or hi > x > lo) with constant bounds: one range node.
        if (ops.Length == 2 && operands[0] is ConstBound { Value: long or double } lo && operands[2] is ConstBound { Value: long or double } hi
            && operands[1] is NumBound or JsonBound && IsUpward(ops[0]) == IsUpward(ops[1]))
        {
            var source = Numeric(operands[1])!;
            var conditions = new List<(CompareOp, object)> { (ops[0].Flip(), lo.Value!), (ops[1], hi.Value!) };
            if (!IsUpward(ops[0])) conditions.Reverse(); // lower bound first
            return new BoolBound(c.Position, NumericCompare(source, conditions));
        }
        Bound result = Compare(operands[0], ops[0], operands[1], c.Position);
        for (int i = 1; i < ops.Length; i++)
        {
            var next = Compare(operands[i], ops[i], operands[i + 1], c.Operands[i].Position);
            result = new BoolBound(c.Position, Logic.And([Predicate(result, "a chained comparison"), Predicate(next, "a chained comparison")]));
        }
        return result;
    }

    private static bool IsUpward(CompareOp op) => op is CompareOp.Lt or CompareOp.Le;

    /// <summary><c>left op right</c> for any operand types, or a type error naming both.</summary>
    private Bound Compare(Bound left, CompareOp op, Bound right, int position)
    {
        if (left is ConstBound && right is not ConstBound) (left, right, op) = (right, left, op.Flip());
        string Mismatch() => $"cannot compare {Describe(left)} with {Describe(right)} using '{op.Symbol()}'";
        bool relational = op is not (CompareOp.Eq or CompareOp.Ne);
        switch (left)
        {
            case ConstBound a:
            {
                var b = (ConstBound)right;
                if (a.Value is null || b.Value is null) return new ConstBound(position, null);
                if (a.Value is bool x && b.Value is bool y)
                {
                    if (relational) throw Error(position, $"{Mismatch()}: bools only support == and !=");
                    return new ConstBound(position, (x == y) == (op == CompareOp.Eq));
                }
                if (a.Value is string s && b.Value is string t)
                    return new ConstBound(position, op.Holds(Constants.Utf8(s).AsSpan().SequenceCompareTo(Constants.Utf8(t))));
                if (a.Value is long or double && b.Value is long or double)
                    return new ConstBound(position, op.Holds(Constants.CompareNumbers(a.Value, b.Value)));
                throw Error(position, Mismatch());
            }
            case NumBound n:
                switch (right)
                {
                    case ConstBound { Value: long or double } c:
                        return new BoolBound(position, NumericCompare(n.Node, [(op, c.Value!)]));
                    case ConstBound { Value: null }:
                        return new ConstBound(position, null);
                    case NumBound m:
                        return new BoolBound(position, new VectorCompareNode(n.Node, op, m.Node));
                    case JsonBound j:
                        return new BoolBound(position, new VectorCompareNode(n.Node, op, new JsonNumberNode(Path(j))));
                }
                break;
            case StrBound s:
                switch (right)
                {
                    case ConstBound { Value: string c }:
                        return new BoolBound(position, new StringCompareConstNode(s.Node, op, c));
                    case ConstBound { Value: null }:
                        return new ConstBound(position, null);
                    case StrBound t:
                        return new BoolBound(position, new StringCompareNode(s.Node, op, t.Node));
                    case JsonBound j:
                        return new BoolBound(position, new StringCompareNode(s.Node, op, new JsonStringNode(Path(j))));
                }
                break;
            case BoolBound p:
                if (right is ConstBound { Value: null }) return new ConstBound(position, null);
                if (right is not (ConstBound { Value: bool } or BoolBound or JsonBound)) break;
                if (relational) throw Error(position, $"{Mismatch()}: bools only support == and !=");
                return new BoolBound(position, right switch
                {
                    ConstBound { Value: bool v } => v == (op == CompareOp.Eq) ? p.Node : Logic.Not(p.Node),
                    BoolBound q => new BoolEqualNode(p.Node, q.Node, op == CompareOp.Ne),
                    _ => new BoolEqualNode(p.Node, new JsonTruthNode(Path((JsonBound)right)), op == CompareOp.Ne),
                });
            case JsonBound j:
                switch (right)
                {
                    case ConstBound { Value: long or double } c:
                        return new BoolBound(position, NumericCompare(new JsonNumberNode(Path(j)), [(op, c.Value!)]));
                    case ConstBound { Value: string c }:
                        return new BoolBound(position, new StringCompareConstNode(new JsonStringNode(Path(j)), op, c));
                    case ConstBound { Value: bool v }:
                        if (relational) throw Error(position, $"{Mismatch()}: bools only support == and !=");
                        var truth = new JsonTruthNode(Path(j));
                        return new BoolBound(position, v == (op == CompareOp.Eq) ? truth : Logic.Not(truth));
                    case ConstBound { Value: null }:
                        return new ConstBound(position, null);
                    case NumBound m:
                        return new BoolBound(position, new VectorCompareNode(new JsonNumberNode(Path(j)), op, m.Node));
                    case StrBound t:
                        return new BoolBound(position, new StringCompareNode(new JsonStringNode(Path(j)), op, t.Node));
                    case BoolBound q:
                        if (relational) throw Error(position, $"{Mismatch()}: bools only support == and !=");
                        return new BoolBound(position, new BoolEqualNode(new JsonTruthNode(Path(j)), q.Node, op == CompareOp.Ne));
                    case JsonBound k:
                        return new BoolBound(position, new JsonCompareNode(Path(j), op, Path(k)));
                }
                break;
            case ArrayBound a:
                throw Error(position, $"the Array field '{a.Field.Name}' cannot be compared as a whole; use array_contains, array_length or {a.Field.Name}[i]");
        }
        if (right is ArrayBound ra)
            throw Error(position, $"the Array field '{ra.Field.Name}' cannot be compared as a whole; use array_contains, array_length or {ra.Field.Name}[i]");
        throw Error(position, Mismatch());
    }

    /// <summary>
    /// A numeric value against constant bounds, on the fastest path its shape allows: a field's own column
    /// (SIMD over the Arrow buffer), <c>field op const</c> fused into the same kernel for Int64/Double fields,
    /// or a computed column.
    /// </summary>
    private static FilterNode NumericCompare(NumericNode node, IReadOnlyList<(CompareOp, object)> conditions)
    {
        if (node is NullNumericNode) return new ConstNode(null);
        if (node is ArithNode { Op: ArithOp.Add or ArithOp.Sub or ArithOp.Mul or ArithOp.Div } a)
        {
            bool constRight = a.Right is ConstNumericNode;
            var (fieldSide, constSide) = constRight ? (a.Left, a.Right) : (a.Right, a.Left);
            if (fieldSide is FieldNumericNode f && constSide is ConstNumericNode c)
            {
                bool fits = (f.Type == FieldType.Int64 && c.Value is long && a.Op != ArithOp.Div) || f.Type == FieldType.Double;
                if (fits)
                {
                    var map = a.Op switch
                    {
                        ArithOp.Add => MapKind.Add,
                        ArithOp.Sub => constRight ? MapKind.Sub : MapKind.SubFrom,
                        ArithOp.Mul => MapKind.Mul,
                        _ => constRight ? MapKind.Div : MapKind.DivFrom,
                    };
                    return NumericCompares.Create(NumericSource.Of(f), map, c.Value, conditions);
                }
            }
        }
        return NumericCompares.Create(NumericSource.Of(node), MapKind.None, null, conditions);
    }

    private Bound In(InExpr i)
    {
        var value = Bind(i.Value);
        var list = Bind(i.List);
        if (list is not ConstBound { Value: object[] items })
            throw Error(i.List.Position, $"'{(i.Negated ? "not in" : "in")}' needs a list of constants (or a template list), found {Describe(list)}");
        FilterNode node;
        switch (value)
        {
            case ConstBound { Value: null }:
                return new ConstBound(i.Position, null);
            case ConstBound c:
            {
                bool? any = false;
                foreach (var item in items)
                {
                    bool? eq = Constants.Equal(c.Value!, item) ?? throw Error(i.List.Position, $"cannot compare {Describe(c)} with the {Constants.TypeName(item)} {Constants.Show(item)} in the list");
                    if (eq == true) { any = true; break; }
                }
                return new ConstBound(i.Position, i.Negated ? !any : any);
            }
            case NumBound n:
                CheckItems(i, items, value, x => x is long or double, "numbers");
                node = n.Node is NullNumericNode ? new ConstNode(null) : NumericIns.Create(NumericSource.Of(n.Node), new ConstSet(items));
                break;
            case StrBound s:
                CheckItems(i, items, value, x => x is string, "strings");
                node = new StringInNode(s.Node, new ConstSet(items));
                break;
            case BoolBound b:
                CheckItems(i, items, value, x => x is bool, "bools");
                node = new BoolInNode(b.Node, new ConstSet(items));
                break;
            case JsonBound j:
                CheckItems(i, items, value, x => x is not object[], "scalars (numbers, strings, bools)");
                node = new JsonInNode(Path(j), new ConstSet(items));
                break;
            default:
                throw Error(i.Value.Position, $"'in' cannot test {Describe(value)}");
        }
        return new BoolBound(i.Position, i.Negated ? Logic.Not(node) : node);
    }

    private void CheckItems(InExpr i, object[] items, Bound value, Func<object, bool> ok, string what)
    {
        foreach (var item in items)
            if (!ok(item)) throw Error(i.List.Position, $"'in' on {Describe(value)} needs a list of {what}, but the list holds the {Constants.TypeName(item)} {Constants.Show(item)}");
    }

    private Bound IsNull(IsNullExpr n)
    {
        var value = Bind(n.Value);
        FilterNode node = value switch
        {
            ConstBound c => new ConstNode((c.Value is null) != n.Negated),
            NumBound { Node: FieldNumericNode f } => new IsNullNode(f.Slot, f.Name, n.Negated),
            NumBound x => new IsNullNode(x.Node, n.Negated),
            StrBound { Node: VarCharColumnNode v } => new IsNullNode(v.Slot, v.ToString(), n.Negated),
            StrBound s => new IsNullNode(s.Node, n.Negated),
            BoolBound b => new IsNullNode(b.Node, n.Negated),
            ArrayBound a => new IsNullNode(a.Slot, a.Field.Name, n.Negated),
            JsonBound j => new IsNullNode(Path(j), n.Negated),
            _ => throw Error(n.Position, $"'is null' cannot test {Describe(value)}"),
        };
        return new BoolBound(n.Position, node);
    }

    private Bound Exists(ExistsExpr x)
    {
        var path = Bind(x.Path);
        if (path is not JsonBound j) throw Error(x.Path.Position, $"'exists' needs a JSON path such as f[\"key\"], found {Describe(path)}");
        return new BoolBound(x.Position, new ExistsNode(Path(j)));
    }
}
