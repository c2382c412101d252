using Quiver.Node.Expressions;
using Quiver.Storage.Segments;

namespace Quiver.Node.Proxy;

/// <summary>
/// Partition pruning for partition-key collections (Milvus prunes the same way): when a filter pins the partition key —
/// <c>key == v</c> or <c>key in [..]</c>, possibly inside a top-level <c>and</c> chain or an <c>or</c> of such pins — only the
/// partitions those values hash to can hold matching rows.
/// </summary>
public static class PartitionPruning
{
    /// <summary>The key values the filter pins (long for an Int64 key, string for VarChar), or null when it pins none.</summary>
    public static IReadOnlySet<object>? PinnedValues(string? filter, string keyField, FieldType keyType, IReadOnlyDictionary<string, object?>? templateValues)
    {
        if (string.IsNullOrWhiteSpace(filter)) return null;
        return Pins(ExpressionParser.Parse(filter), keyField, keyType, templateValues);
    }

    private static HashSet<object>? Pins(Expr e, string key, FieldType type, IReadOnlyDictionary<string, object?>? templates)
    {
        switch (e)
        {
            case BinaryExpr { Op: "and" } and:
            {
                var l = Pins(and.Left, key, type, templates);
                var r = Pins(and.Right, key, type, templates);
                if (l is null) return r;
                if (r is null) return l;
                l.IntersectWith(r);
                return l;
            }
            case BinaryExpr { Op: "or" } or:
            {
                var l = Pins(or.Left, key, type, templates);
                var r = Pins(or.Right, key, type, templates);
                if (l is null || r is null) return null;
                l.UnionWith(r);
                return l;
            }
            case BinaryExpr { Op: "==" } eq:
            {
                object? v = eq.Left is IdentifierExpr { Name: var a } && a == key ? Value(eq.Right, type, templates)
                    : eq.Right is IdentifierExpr { Name: var b } && b == key ? Value(eq.Left, type, templates) : null;
                return v is null ? null : [v];
            }
            case InExpr { Negated: false, Value: IdentifierExpr { Name: var name } } @in when name == key:
            {
                var items = @in.List switch
                {
                    ListExpr list => list.Items.Select(i => Value(i, type, templates)).ToList(),
                    TemplateExpr t when templates != null && templates.TryGetValue(t.Name, out var v) && v is System.Collections.IEnumerable seq and not string =>
                        seq.Cast<object?>().Select(x => Normalize(x, type)).ToList(),
                    _ => null,
                };
                if (items is null || items.Any(i => i is null)) return null;
                return items.Select(i => i!).ToHashSet();
            }
            default:
                return null;
        }
    }

    private static object? Value(Expr e, FieldType type, IReadOnlyDictionary<string, object?>? templates) => e switch
    {
        LiteralExpr l => Normalize(l.Value, type),
        TemplateExpr t when templates != null && templates.TryGetValue(t.Name, out var v) => Normalize(v, type),
        _ => null,
    };

    // Only values of the key's own type pin anything; anything else is left to the filter (which will reject or not match it).
    private static object? Normalize(object? v, FieldType type) => (type, v) switch
    {
        (FieldType.Int64, long l) => l,
        (FieldType.Int64, int i) => (long)i,
        (FieldType.Int64, short s) => (long)s,
        (FieldType.Int64, sbyte b) => (long)b,
        (FieldType.VarChar, string s) => s,
        _ => null,
    };
}
