using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

/// <summary>The conformance suite on <see cref="EmbeddedMetaStore"/>, a fresh directory per test, on the real clock.</summary>
public sealed class EmbeddedMetaStoreConformanceTests : MetaStoreConformanceTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "quiver-meta-" + Guid.NewGuid().ToString("N"));

    protected override Task<IMetaStore> OpenStoreAsync() =>
        Task.FromResult<IMetaStore>(EmbeddedMetaStore.Open(new EmbeddedMetaStoreOptions { Directory = _dir, Log = _ => { } }));

    protected override async Task CleanupAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
