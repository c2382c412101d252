using Quiver.Node.Schema;
using Quiver.Storage.Segments;

namespace Quiver.Node.Expressions;

/// <summary>
/// Checks a parsed expression against a collection schema and builds the typed plan: each operand is bound to
/// what it is (a constant, a numeric / string / boolean value, a JSON path whose type is known per row, an Array
/// field), constants are folded, and each operator picks the node specialised for its operand types. Every
/// problem throws <see cref="ExpressionException"/> at the offending position.
/// </summary>
internal sealed partial class FilterBinder
{
    private readonly string _text;
    private readonly CollectionSchema _schema;
    private readonly IReadOnlyDictionary<string, object?>? _templates;
    private readonly List<SegmentField> _slots = [];
    private readonly List<JsonPathNode> _jsonPaths = [];

    public FilterBinder(string text, CollectionSchema schema, IReadOnlyDictionary<string, object?>? templates)
    {
        _text = text;
        _schema = schema;
        _templates = templates;
    }

    /// <summary>The fields the plan reads, by slot (what <see cref="EvalContext.Column"/> indexes).</summary>
    public IReadOnlyList<SegmentField> Slots => _slots;

    public int JsonSlots => _jsonPaths.Count;

    public FilterNode BindRoot(Expr root)
    {
        var bound = Bind(root);
        if (bound is BoolBound or JsonBound || bound is ConstBound { Value: bool or null }) return Predicate(bound, "the filter");
        throw new ExpressionException(_text, 0, $"a filter must be a boolean condition, but the expression is {Describe(bound)}");
    }

    // ---- bound operands ----

    private abstract record Bound(int Position);

    /// <summary>A constant; <see cref="Pattern"/> is a string literal as written (escapes kept, for like).</summary>
    private sealed record ConstBound(int Position, object? Value, string? Pattern = null) : Bound(Position);

    private sealed record BoolBound(int Position, FilterNode Node) : Bound(Position);

    private sealed record NumBound(int Position, NumericNode Node) : Bound(Position);

    private sealed record StrBound(int Position, StringNode Node) : Bound(Position);

    private sealed record JsonBound(int Position, int Slot, string Field, IReadOnlyList<JsonStep> Steps) : Bound(Position);

    private sealed record ArrayBound(int Position, int Slot, FieldSchema Field) : Bound(Position);

    private ExpressionException Error(int position, string problem) => new(_text, position, problem);

    private string Describe(Bound b) => b switch
    {
        ConstBound { Value: null } => "an unknown constant (null)",
        ConstBound c => $"the {Constants.TypeName(c.Value)} constant {Constants.Show(c.Value)}",
        NumBound { Node: FieldNumericNode f } => $"the {f.Type} field '{f.Name}'",
        NumBound n => $"the {(n.Node.Kind == NumKind.Float ? "floating-point" : n.Node.Kind == NumKind.Int ? "integer" : "numeric")} value {n.Node}",
        StrBound { Node: VarCharColumnNode v } => $"the VarChar field '{v}'",
        StrBound s => $"the string value {s.Node}",
        BoolBound { Node: BoolColumnNode c } => $"the Bool field '{c}'",
        BoolBound => "a boolean condition",
        JsonBound j => $"the JSON value {j.Field}{string.Concat(j.Steps)}",
        ArrayBound a => $"the Array field '{a.Field.Name}' (of {a.Field.ElementType})",
        _ => b.GetType().Name,
    };

    private int Slot(SegmentField field)
    {
        int i = _slots.FindIndex(s => s.Name == field.Name);
        if (i >= 0) return i;
        _slots.Add(field);
        return _slots.Count - 1;
    }

    private JsonPathNode Path(JsonBound j)
    {
        foreach (var p in _jsonPaths)
            if (p.SamePath(j.Slot, j.Steps)) return p;
        var node = new JsonPathNode(j.Slot, j.Field, j.Steps, _jsonPaths.Count);
        _jsonPaths.Add(node);
        return node;
    }

    // ---- binding ----

    private Bound Bind(Expr e) => e switch
    {
        LiteralExpr { Value: string s } l => new ConstBound(l.Position, Constants.PlainString(s), s),
        LiteralExpr l => new ConstBound(l.Position, l.Value),
        ListExpr l => new ConstBound(l.Position, l.Items.Select(ListItem).ToArray()),
        TemplateExpr t => Template(t),
        IdentifierExpr i => Identifier(i),
        IndexExpr x => Index(x),
        UnaryExpr u => Unary(u),
        BinaryExpr b => Binary(b),
        CompareExpr c => Chain(c),
        InExpr i => In(i),
        IsNullExpr n => IsNull(n),
        ExistsExpr x => Exists(x),
        CallExpr c => Call(c),
        _ => throw Error(e.Position, $"unsupported expression {e.GetType().Name}"),
    };

    private object ListItem(Expr item)
    {
        var b = Bind(item);
        if (b is not ConstBound { Value: { } v }) throw Error(item.Position, $"list items must be constants, found {Describe(b)}");
        return v;
    }

    private ConstBound Template(TemplateExpr t)
    {
        if (_templates is null || !_templates.TryGetValue(t.Name, out var value))
            throw Error(t.Position, $"missing template value for {{{t.Name}}}: pass it in the template values");
        if (!Constants.TryFromTemplate(value, out var constant, out var problem)) throw Error(t.Position, $"template {{{t.Name}}}: {problem}");
        return new ConstBound(t.Position, constant, constant as string);
    }

    private Bound Identifier(IdentifierExpr i)
    {
        if (i.Name == CollectionSchema.DynamicFieldName)
        {
            if (!_schema.EnableDynamicField) throw Error(i.Position, $"unknown field '{i.Name}': the collection has no dynamic field");
            return new JsonBound(i.Position, Slot(DynamicField), i.Name, []);
        }
        var f = _schema.Field(i.Name);
        if (f is null)
        {
            if (!_schema.EnableDynamicField)
                throw Error(i.Position, $"unknown field '{i.Name}': the collection has no such field (and no dynamic field); fields are {string.Join(", ", _schema.Fields.Where(x => !x.IsVector).Select(x => x.Name))}");
            return new JsonBound(i.Position, Slot(DynamicField), CollectionSchema.DynamicFieldName, [new JsonStep(i.Name, 0)]);
        }
        if (f.IsVector) throw Error(i.Position, $"field '{f.Name}' is a {f.DataType} vector field; vector fields cannot be used in a filter");
        var segmentField = new SegmentField(f.Name, f.DataType, 0, f.ElementType, f.Nullable, f.IsPrimaryKey);
        int slot = Slot(segmentField);
        return f.DataType switch
        {
            FieldType.Bool => new BoolBound(i.Position, new BoolColumnNode(slot, f.Name)),
            FieldType.VarChar => new StrBound(i.Position, new VarCharColumnNode(slot, f.Name)),
            FieldType.Json => new JsonBound(i.Position, slot, f.Name, []),
            FieldType.Array => new ArrayBound(i.Position, slot, f),
            _ => new NumBound(i.Position, new FieldNumericNode(slot, f.Name, f.DataType)),
        };
    }

    private static SegmentField DynamicField => new(CollectionSchema.DynamicFieldName, FieldType.Json, Nullable: true);

    private Bound Index(IndexExpr x)
    {
        var target = Bind(x.Target);
        var key = Bind(x.Key);
        switch (target)
        {
            case JsonBound j when key is ConstBound { Value: string s }:
                return j with { Steps = [.. j.Steps, new JsonStep(s, 0)] };
            case JsonBound j when key is ConstBound { Value: long k }:
                return j with { Steps = [.. j.Steps, new JsonStep(null, CheckIndex(x.Key.Position, k))] };
            case JsonBound:
                throw Error(x.Key.Position, $"a JSON path step must be a string key or a non-negative integer index, found {Describe(key)}");
            case ArrayBound a when key is ConstBound { Value: long k }:
            {
                int index = CheckIndex(x.Key.Position, k);
                return a.Field.ElementType switch
                {
                    FieldType.VarChar => new StrBound(x.Position, new ArrayElementStringNode(a.Slot, a.Field.Name, index)),
                    FieldType.Bool => new BoolBound(x.Position, new ArrayElementBoolNode(a.Slot, a.Field.Name, index)),
                    _ => new NumBound(x.Position, new ArrayElementNumericNode(a.Slot, a.Field.Name, a.Field.ElementType, index)),
                };
            }
            case ArrayBound:
                throw Error(x.Key.Position, $"an array element index must be a non-negative integer constant, found {Describe(key)}");
            default:
                throw Error(x.Position, $"only JSON fields, dynamic keys and Array fields can be indexed, not {Describe(target)}");
        }
    }

    private int CheckIndex(int position, long k)
    {
        if (k < 0 || k > int.MaxValue) throw Error(position, $"index {k} is out of range: an index must be between 0 and {int.MaxValue}");
        return (int)k;
    }

    // ---- conversions by context ----

    /// <summary>An operand used as a condition (and/or/not operands, the whole filter).</summary>
    private FilterNode Predicate(Bound b, string where) => b switch
    {
        BoolBound x => x.Node,
        JsonBound j => new JsonTruthNode(Path(j)),
        ConstBound { Value: bool v } => new ConstNode(v),
        ConstBound { Value: null } => new ConstNode(null),
        _ => throw Error(b.Position, $"{where} needs a boolean condition, found {Describe(b)}"),
    };

    /// <summary>An operand used as a number (arithmetic), or null when it is not numeric.</summary>
    private NumericNode? Numeric(Bound b) => b switch
    {
        NumBound n => n.Node,
        JsonBound j => new JsonNumberNode(Path(j)),
        ConstBound { Value: long or double } c => new ConstNumericNode(c.Value!),
        ConstBound { Value: null } => new NullNumericNode(),
        _ => null,
    };

    private Bound Unary(UnaryExpr u)
    {
        var operand = Bind(u.Operand);
        if (u.Op == "not")
        {
            var node = Predicate(operand, "'not'");
            return new BoolBound(u.Position, Logic.Not(node));
        }
        bool bitwise = u.Op == "~";
        if (operand is ConstBound c)
        {
            return c.Value switch
            {
                null => new ConstBound(u.Position, null),
                long l => new ConstBound(u.Position, bitwise ? ~l : unchecked(-l)),
                double d when !bitwise => new ConstBound(u.Position, -d),
                _ => throw Error(u.Position, $"'{u.Op}' needs {(bitwise ? "an integer" : "a number")}, found {Describe(operand)}"),
            };
        }
        var n = Numeric(operand);
        if (n is null || (bitwise && n.Kind == NumKind.Float))
            throw Error(u.Position, $"'{u.Op}' needs {(bitwise ? "an integer" : "a number")}, found {Describe(operand)}");
        return new NumBound(u.Position, new NegateNode(n, bitwise));
    }

    private Bound Binary(BinaryExpr b)
    {
        switch (b.Op)
        {
            case "and":
            case "or":
            {
                // The parser builds a left-deep spine for `a or b or c …`; walk it without recursion, so a
                // 100 000-term `pk == k or …` binds in constant stack.
                var operands = new List<Expr>();
                Expr at = b;
                while (at is BinaryExpr spine && spine.Op == b.Op)
                {
                    operands.Add(spine.Right);
                    at = spine.Left;
                }
                operands.Add(at);
                operands.Reverse();
                if (b.Op == "or") operands = EqualitiesToIn(operands);
                var nodes = operands.Select(o => Predicate(Bind(o), $"'{b.Op}'")).ToList();
                return new BoolBound(b.Position, b.Op == "and" ? Logic.And(nodes) : Logic.Or(nodes));
            }
            case "==":
                return Compare(Bind(b.Left), CompareOp.Eq, Bind(b.Right), b.Position);
            case "!=":
                return Compare(Bind(b.Left), CompareOp.Ne, Bind(b.Right), b.Position);
            case "like":
                return Like(b);
            default:
                return Arithmetic(b);
        }
    }

    /// <summary>
    /// <c>f == 1 or f == 2 or …</c> on one typed field with literals of its kind becomes <c>f in [1, 2, …]</c>
    /// (the same three-valued result, one hash or SIMD pass instead of one per term). Other disjuncts stay.
    /// </summary>
    private List<Expr> EqualitiesToIn(List<Expr> operands)
    {
        static (IdentifierExpr Field, LiteralExpr Value)? Equality(Expr e) => e switch
        {
            BinaryExpr { Op: "==", Left: IdentifierExpr f, Right: LiteralExpr v } => (f, v),
            BinaryExpr { Op: "==", Left: LiteralExpr v, Right: IdentifierExpr f } => (f, v),
            _ => null,
        };
        bool Fits(IdentifierExpr f, LiteralExpr v) => _schema.Field(f.Name) is { } field && (field.DataType switch
        {
            FieldType.Int8 or FieldType.Int16 or FieldType.Int32 or FieldType.Int64 or FieldType.Float or FieldType.Double => v.Value is long or double,
            FieldType.VarChar => v.Value is string,
            _ => false,
        });
        var groups = operands.Select(Equality).Where(q => q is { } x && Fits(x.Field, x.Value)).GroupBy(q => q!.Value.Field.Name)
            .Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Select(q => q!.Value).ToList());
        if (groups.Count == 0) return operands;
        var result = new List<Expr>();
        foreach (var o in operands)
        {
            if (Equality(o) is not { } q || !groups.TryGetValue(q.Field.Name, out var members) || !Fits(q.Field, q.Value))
            {
                result.Add(o);
                continue;
            }
            if (members.Count == 0) continue; // already folded into the in below
            result.Add(new InExpr(o.Position, members[0].Field, new ListExpr(members[0].Value.Position, members.Select(m => (Expr)m.Value).ToList()), false));
            members.Clear();
        }
        return result;
    }

    private Bound Arithmetic(BinaryExpr b)
    {
        var op = b.Op switch
        {
            "+" => ArithOp.Add,
            "-" => ArithOp.Sub,
            "*" => ArithOp.Mul,
            "/" => ArithOp.Div,
            "%" => ArithOp.Mod,
            "**" => ArithOp.Pow,
            "&" => ArithOp.BitAnd,
            "|" => ArithOp.BitOr,
            "^" => ArithOp.BitXor,
            "<<" => ArithOp.Shl,
            ">>" => ArithOp.Shr,
            _ => throw Error(b.Position, $"unknown operator '{b.Op}'"),
        };
        var left = Bind(b.Left);
        var right = Bind(b.Right);
        string needs = op.IsBitOp() ? "integers" : "numbers";
        if (left is ConstBound cl && right is ConstBound cr)
        {
            if (cl.Value is null || cr.Value is null) return new ConstBound(b.Position, null);
            bool ok = op.IsBitOp() ? cl.Value is long && cr.Value is long : cl.Value is long or double && cr.Value is long or double;
            if (!ok) throw Error(b.Position, $"'{b.Op}' needs {needs}, found {Describe(cl.Value is long or double && (!op.IsBitOp() || cl.Value is long) ? cr : cl)}");
            return new ConstBound(b.Position, Constants.Fold(op, cl.Value, cr.Value));
        }
        var l = Numeric(left) ?? throw Error(b.Left.Position, $"'{b.Op}' needs {needs}, found {Describe(left)}");
        var r = Numeric(right) ?? throw Error(b.Right.Position, $"'{b.Op}' needs {needs}, found {Describe(right)}");
        if (op.IsBitOp())
        {
            if (l.Kind == NumKind.Float) throw Error(b.Left.Position, $"'{b.Op}' needs integers, found {Describe(left)}");
            if (r.Kind == NumKind.Float) throw Error(b.Right.Position, $"'{b.Op}' needs integers, found {Describe(right)}");
        }
        NumKind kind = op == ArithOp.Pow ? NumKind.Float
            : op.IsBitOp() ? NumKind.Int
            : l.Kind == NumKind.Mixed || r.Kind == NumKind.Mixed ? NumKind.Mixed
            : l.Kind == NumKind.Float || r.Kind == NumKind.Float ? NumKind.Float
            : NumKind.Int;
        return new NumBound(b.Position, new ArithNode(op, l, r, kind));
    }

    private Bound Like(BinaryExpr b)
    {
        var left = Bind(b.Left);
        var right = Bind(b.Right);
        if (right is not ConstBound { Value: string pattern } rc) throw Error(b.Right.Position, $"'like' needs a string pattern, found {Describe(right)}");
        var compiled = new LikePattern(rc.Pattern ?? pattern);
        return left switch
        {
            StrBound s => new BoolBound(b.Position, new LikeNode(s.Node, compiled)),
            JsonBound j => new BoolBound(b.Position, new LikeNode(new JsonStringNode(Path(j)), compiled)),
            ConstBound { Value: string text } => new ConstBound(b.Position, compiled.IsMatch(Constants.Utf8(text))),
            ConstBound { Value: null } => new ConstBound(b.Position, null),
            _ => throw Error(b.Left.Position, $"'like' needs a VarChar field, a string or a JSON path on its left, found {Describe(left)}"),
        };
    }
}
