namespace Quiver.Node.Client;

/// <summary>Milvus's <c>common.LoadState</c>, same numbers.</summary>
public enum LoadState
{
    NotExist = 0,
    NotLoad = 1,
    Loading = 2,
    Loaded = 3,
}
