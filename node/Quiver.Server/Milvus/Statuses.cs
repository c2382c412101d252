using ErrorCode = Quiver.Node.Errors.ErrorCode;
using Quiver.Node.Errors;
using Status = Milvus.Proto.Common.Status;

namespace Quiver.Server.Milvus;

/// <summary>
/// Milvus statuses: <c>code</c> carries the merr number, the legacy <c>error_code</c> must be non-zero on every
/// failure because the SDKs test only <c>error_code == Success</c>.
/// </summary>
public static class Statuses
{
    public static Status Ok() => new();

    public static Status Failure(ErrorCode code, string reason, bool retriable = false) => new()
    {
#pragma warning disable CS0612 // error_code is deprecated in the protocol but is what the SDKs check
        ErrorCode = Legacy(code),
#pragma warning restore CS0612
        Code = (int)code,
        Reason = reason,
        Retriable = retriable,
    };

    public static Status From(QuiverException e) => Failure(e.Code, e.Message, e.Retriable);

    /// <summary>The legacy code Milvus's merr gives old SDKs for each merr number; "unexpected" where it has none.</summary>
    public static global::Milvus.Proto.Common.ErrorCode Legacy(ErrorCode code) => code switch
    {
        ErrorCode.Success => global::Milvus.Proto.Common.ErrorCode.Success,
        ErrorCode.CollectionNotFound => global::Milvus.Proto.Common.ErrorCode.CollectionNotExists,
        ErrorCode.IndexNotFound => global::Milvus.Proto.Common.ErrorCode.IndexNotExist,
        ErrorCode.ParameterInvalid or ErrorCode.ParameterMissing or ErrorCode.ParameterTooLarge or ErrorCode.IllegalSchema
            or ErrorCode.FieldNotFound or ErrorCode.FieldInvalidName => global::Milvus.Proto.Common.ErrorCode.IllegalArgument,
        ErrorCode.RateLimit => global::Milvus.Proto.Common.ErrorCode.RateLimit,
        ErrorCode.NotReady or ErrorCode.Unavailable => global::Milvus.Proto.Common.ErrorCode.NotReadyServe,
        ErrorCode.MemoryLimit => global::Milvus.Proto.Common.ErrorCode.MemoryQuotaExhausted,
        NotAuthenticated or PrivilegeNotPermitted => global::Milvus.Proto.Common.ErrorCode.PermissionDenied,
        _ => global::Milvus.Proto.Common.ErrorCode.UnexpectedError,
    };

    /// <summary>merr 1400: the caller gave no or wrong credentials (not in the engine's catalogue: a server concern).</summary>
    public const ErrorCode NotAuthenticated = (ErrorCode)1400;

    /// <summary>merr 1401: the caller may not do this.</summary>
    public const ErrorCode PrivilegeNotPermitted = (ErrorCode)1401;
}
