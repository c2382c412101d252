using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

/// <summary>The conformance suite on <see cref="EtcdMetaStore"/> against the fixture's etcd.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdMetaStoreConformanceTests(EtcdServerFixture etcd) : MetaStoreConformanceTests
{
    protected override Task<IMetaStore> OpenStoreAsync() =>
        Task.FromResult<IMetaStore>(new EtcdMetaStore(new EtcdMetaStoreOptions { Endpoint = etcd.Endpoint }));

    protected override async Task CleanupAsync() => await Store.DeletePrefixAsync(Root);
}
