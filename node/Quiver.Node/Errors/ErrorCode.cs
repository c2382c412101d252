namespace Quiver.Node.Errors;

/// <summary>
/// The error catalogue of the engine, numbered as Milvus's merr codes (<c>common.Status.code</c>) so the
/// server passes them through unchanged. 0 is success.
/// </summary>
public enum ErrorCode
{
    Success = 0,
    NotReady = 1,
    Unavailable = 2,
    MemoryLimit = 3,
    RateLimit = 8,
    QuotaExceeded = 9,
    Unimplemented = 10,
    CollectionNotFound = 100,
    CollectionNotLoaded = 101,
    CollectionNumLimitExceeded = 102,
    CollectionNotFullyLoaded = 103,
    CollectionLoaded = 104,
    IllegalSchema = 105,
    PartitionNotFound = 200,
    PartitionNotLoaded = 201,
    IndexNotFound = 700,
    IndexNotSupported = 701,
    IndexDuplicate = 702,
    DatabaseNotFound = 800,
    DatabaseNumLimitExceeded = 801,
    DatabaseInvalidName = 802,
    ParameterInvalid = 1100,
    ParameterMissing = 1101,
    ParameterTooLarge = 1102,
    AliasNotFound = 1600,
    AliasCollectionNameConflict = 1601,
    AliasAlreadyExists = 1602,
    FieldNotFound = 1700,
    FieldInvalidName = 1701,
    OperationNotSupported = 3000,
    /// <summary>Persisted data failed its checks (not bad input): a checksum, a version, a torn file in the middle.</summary>
    DataCorrupted = 2001,
    Unexpected = 65535,
}
