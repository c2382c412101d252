using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

/// <summary>
/// Where the coordinator keeps its state in the meta store: everything under
/// <c>{root}/meta/coordinator/</c> (ARCHITECTURE §5). The layout is described in README.md.
/// </summary>
public static class CoordinatorKeys
{
    /// <summary><c>{root}/meta/coordinator</c>.</summary>
    public static string Coordinator(string root) => MetaKeys.Join(root, "meta", "coordinator");

    /// <summary>The timestamp oracle's saved bound: <c>{root}/meta/coordinator/tso</c>.</summary>
    public static string Tso(string root) => MetaKeys.Join(Coordinator(root), "tso");

    /// <summary>The global id allocator's mark: <c>{root}/meta/coordinator/id</c>.</summary>
    public static string Ids(string root) => MetaKeys.Join(Coordinator(root), "id");

    /// <summary>Every catalog key starts with this: <c>{root}/meta/coordinator/catalog/</c>.</summary>
    public static string CatalogPrefix(string root) => MetaKeys.Join(Coordinator(root), "catalog") + "/";
}
