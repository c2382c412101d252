using Quiver.Node.Coordinator;
using Quiver.Node.Errors;
using Quiver.Node.Schema;
using Quiver.Storage.Meta;
using Quiver.Storage.Segments;

namespace Quiver.Node.Tests.Coordinator;

/// <summary>A catalog on an embedded meta store in a scratch directory, with the TSO and id allocator it needs, and a reopen.</summary>
public abstract class CatalogHarness : IAsyncLifetime
{
    protected const string Root = "quiver";

    private readonly ScratchDirectory _dir = new("catalog");

    protected EmbeddedMetaStore Meta { get; private set; } = null!;
    protected Catalog Catalog { get; private set; } = null!;
    protected IdAllocator Ids { get; private set; } = null!;
    protected TimestampOracle Tso { get; private set; } = null!;

    /// <summary>Limits for this class's catalogs (the defaults unless overridden).</summary>
    protected virtual CatalogLimits? Limits => null;

    public async Task InitializeAsync() => await OpenAsync();

    public async Task DisposeAsync()
    {
        if (Meta is not null)
            await Meta.DisposeAsync();
        _dir.Dispose();
    }

    private async Task OpenAsync()
    {
        Meta = EmbeddedMetaStore.Open(new EmbeddedMetaStoreOptions { Directory = _dir.Path, Log = _ => { } });
        Ids = await IdAllocator.OpenAsync(Meta, CoordinatorKeys.Ids(Root), blockSize: 100);
        Tso = await TimestampOracle.OpenAsync(Meta, CoordinatorKeys.Tso(Root), TimeProvider.System);
        Catalog = await Catalog.OpenAsync(Meta, Root, Ids, Tso, Limits);
    }

    /// <summary>Closes the meta store and opens everything again from the directory (a restart).</summary>
    protected async Task ReopenAsync()
    {
        await Meta.DisposeAsync();
        await OpenAsync();
    }

    protected static CollectionSchema Schema(string name, params FieldSchema[] extra) => new(name,
    [
        new FieldSchema("id", FieldType.Int64) { IsPrimaryKey = true, AutoId = true },
        new FieldSchema("vec", FieldType.FloatVector) { Dim = 8 },
        .. extra,
    ]);

    protected static CollectionSchema PartitionKeySchema(string name) =>
        Schema(name, new FieldSchema("tenant", FieldType.VarChar) { MaxLength = 64, IsPartitionKey = true });

    /// <summary>Asserts that <paramref name="act"/> fails with <paramref name="code"/> and that the message quotes each of <paramref name="named"/>.</summary>
    protected static async Task<QuiverException> Fails(ErrorCode code, Func<Task> act, params string[] named)
    {
        var e = await Assert.ThrowsAsync<QuiverException>(act);
        Assert.True(code == e.Code, $"expected {code}, got {e}");
        foreach (string name in named)
            Assert.Contains($"'{name}'", e.Message);
        return e;
    }

    /// <summary>Field-by-field equality of two collection records (their lists compare by reference otherwise).</summary>
    protected static void AssertSameCollection(CollectionInfo expected, CollectionInfo actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.DbId, actual.DbId);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.ShardsNum, actual.ShardsNum);
        Assert.Equal(expected.VirtualChannels, actual.VirtualChannels);
        Assert.Equal(expected.ConsistencyLevel, actual.ConsistencyLevel);
        Assert.Equal(expected.Properties.OrderBy(p => p.Key), actual.Properties.OrderBy(p => p.Key));
        Assert.Equal(expected.CreatedTs, actual.CreatedTs);
        Assert.Equal(expected.Partitions, actual.Partitions);
        Assert.Equal(expected.State, actual.State);
        Assert.Equal(expected.Schema.Name, actual.Schema.Name);
        Assert.Equal(expected.Schema.Description, actual.Schema.Description);
        Assert.Equal(expected.Schema.EnableDynamicField, actual.Schema.EnableDynamicField);
        Assert.Equal(expected.Schema.Fields, actual.Schema.Fields); // FieldSchema is a record of scalars
    }
}
