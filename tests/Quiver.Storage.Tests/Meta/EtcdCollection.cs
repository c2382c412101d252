namespace Quiver.Storage.Tests.Meta;

/// <summary>
/// The etcd test classes share one etcd and run one after another: the compaction test compacts the
/// server's history, which must not race a conformance test watching from a past revision.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdServerFixture>
{
    public const string Name = "etcd";
}
