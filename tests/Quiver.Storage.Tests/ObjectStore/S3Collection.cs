namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>The S3 test classes share one <see cref="S3Endpoint"/> (one s3rver) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3Endpoint>
{
    public const string Name = "S3 endpoint";
}
