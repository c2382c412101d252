using Microsoft.Extensions.Logging;
using Quiver.Node.Client;

namespace Quiver.Server;

/// <summary>How a <see cref="QuiverServer"/> listens and what engine it serves.</summary>
public sealed record ServerOptions
{
    /// <summary>The engine's data directory (WAL, metadata, segments).</summary>
    public string DataDirectory { get; init; } = "./quiver-data";

    /// <summary>Address the gRPC endpoint binds to; Milvus's own default is all interfaces, ours is loopback.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The gRPC port (Milvus: 19530). 0 picks a free port; <see cref="QuiverServer.GrpcPort"/> says which.</summary>
    public int GrpcPort { get; init; } = 19530;

    /// <summary>When on, every call needs metadata <c>authorization</c> = base64("user:password") (Milvus <c>common.security.authorizationEnabled</c>).</summary>
    public bool AuthorizationEnabled { get; init; }

    /// <summary>Password of the built-in <c>root</c> user (Milvus default "Milvus").</summary>
    public string RootPassword { get; init; } = "Milvus";

    /// <summary>Options of the embedded engine.</summary>
    public QuiverClientOptions Engine { get; init; } = new();

    /// <summary>Largest request accepted (Milvus proxy <c>serverMaxRecvSize</c>, 64 MiB); grpc-dotnet's own default of 4 MB is too small for insert batches.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 64 << 20;

    /// <summary>Least severe log level written (Milvus <c>log.level</c>, default info). At Debug every request is logged with its id.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Console log format (Milvus <c>log.format</c>): <see cref="LogFormat.Text"/> lines or <see cref="LogFormat.Json"/> objects, one per line.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;
}

/// <summary>How log records are written to the console.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per record, with its scope (request id, RPC).</summary>
    Text,
    /// <summary>One JSON object per line: timestamp, level, category, message, the structured fields and the scope.</summary>
    Json,
}
