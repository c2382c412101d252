using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

/// <summary>
/// What a planned catalog mutation does: the writes of its transaction, the catalog picture after
/// them, and the caller's answer. No writes means nothing changes (an idempotent repeat).
/// </summary>
internal readonly record struct CatalogChange<T>(T Result, CatalogState? Next, IReadOnlyList<MetaOp> Ops)
{
    public static CatalogChange<T> Unchanged(T result) => new(result, null, []);
}
