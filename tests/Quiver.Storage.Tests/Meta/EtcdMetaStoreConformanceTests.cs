using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

/// <summary>The conformance suite on <see cref="EtcdMetaStore"/> against the fixture's etcd.</summary>
public sealed class EtcdMetaStoreConformanceTests(EtcdServerFixture etcd) : MetaStoreConformanceTests, IClassFixture<EtcdServerFixture>
{
    protected override Task<IMetaStore> OpenStoreAsync() =>
        Task.FromResult<IMetaStore>(new EtcdMetaStore(new EtcdMetaStoreOptions { Endpoint = etcd.Endpoint }));

    protected override async Task CleanupAsync() => await Store.DeletePrefixAsync(Root);
}
