using Quiver.Node.Errors;
using Quiver.Storage.Meta;

namespace Quiver.Node.Coordinator;

/// <summary>Meta-store failures as catalogue errors: Unavailable when trying again may help, Unexpected otherwise.</summary>
internal static class StoreFailures
{
    public static QuiverException Wrap(string what, MetaStoreException e) =>
        new(e.Retriable ? ErrorCode.Unavailable : ErrorCode.Unexpected, $"could not {what}: {e.Message}", e.Retriable, e);
}
