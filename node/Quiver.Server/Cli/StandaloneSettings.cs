using Quiver.Node.Client;

namespace Quiver.Cli;

/// <summary>
/// What <c>quiver run standalone</c> runs with, after the defaults, the config file and the environment have been applied
/// in that order. Keys follow Milvus's <c>milvus.yaml</c> where one exists (see <see cref="StandaloneConfig"/>).
/// </summary>
public sealed record StandaloneSettings
{
    /// <summary>Everything the engine keeps: meta store, WAL, object store (<c>localStorage.path</c>).</summary>
    public string DataDirectory { get; init; } = "./quiver-data";

    /// <summary>Address the servers listen on (<c>proxy.ip</c>).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Milvus gRPC API port (<c>proxy.port</c>).</summary>
    public int GrpcPort { get; init; } = 19530;

    /// <summary>REST v2 port (<c>proxy.http.port</c>): Kestrel cannot serve cleartext gRPC and HTTP/1.1 on one port.</summary>
    public int RestPort { get; init; } = 19531;

    /// <summary>Health and metrics port (<c>metrics.port</c>; Milvus serves /healthz and /metrics on 9091).</summary>
    public int MetricsPort { get; init; } = 9091;

    /// <summary><c>common.security.authorizationEnabled</c>.</summary>
    public bool AuthorizationEnabled { get; init; }

    /// <summary><c>common.security.defaultRootPassword</c>.</summary>
    public string RootPassword { get; init; } = "Milvus";

    /// <summary><c>dataCoord.segment.maxSize</c> in MB, when set (the seal size is maxSize × sealProportion; Milvus: 1024 × 0.12).</summary>
    public double? SealMaxSizeMb { get; init; }

    /// <summary><c>dataCoord.segment.sealProportion</c>, when set.</summary>
    public double? SealProportion { get; init; }

    /// <summary>Engine settings: seal size (<c>dataCoord.segment.maxSize</c> × <c>sealProportion</c>), idle seal
    /// (<c>dataCoord.segment.maxIdleTime</c>), Bounded staleness (<c>common.gracefulTime</c>), compaction interval.</summary>
    public QuiverClientOptions Engine { get; init; } = new();

    /// <summary><c>log.level</c>: debug, info, warn, error (Milvus's names; fatal maps to critical).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary><c>log.format</c>: text or json.</summary>
    public Quiver.Server.LogFormat LogFormat { get; init; } = Quiver.Server.LogFormat.Text;
}
