using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quiver.Node.Client;
using Quiver.Server.Milvus;

namespace Quiver.Server;

/// <summary>
/// A Milvus-compatible gRPC server over one embedded <see cref="QuiverClient"/>: Kestrel with a single cleartext
/// HTTP/2-only endpoint (Kestrel cannot serve h2c and HTTP/1.1 on one port without TLS), serving
/// <c>milvus.proto.milvus.MilvusService</c>. Lifetime: <see cref="StartAsync"/> opens the engine, then listens;
/// <see cref="StopAsync"/> stops accepting, lets running calls finish, then disposes the engine so the WAL commits.
/// </summary>
public sealed class QuiverServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private ILoggerFactory? _engineLogs;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;

    private QuiverServer(WebApplication app, QuiverClient client, int port)
    {
        _app = app;
        Client = client;
        GrpcPort = port;
    }

    /// <summary>The port the gRPC endpoint listens on (the chosen one when the options asked for 0).</summary>
    public int GrpcPort { get; }

    /// <summary>The engine this server serves.</summary>
    public QuiverClient Client { get; }

    /// <summary>The users the server authenticates (kept in the engine's meta store).</summary>
    public Milvus.CredentialStore Credentials { get; private init; } = null!;

    /// <summary>Requests and latencies per RPC (Prometheus text through <see cref="ServerMetrics.WriteTo"/>).</summary>
    public ServerMetrics Metrics { get; private init; } = new();

    /// <summary>The server's loggers (console, at <see cref="ServerOptions.LogLevel"/> in <see cref="ServerOptions.LogFormat"/>): the REST front end logs through it too.</summary>
    public ILoggerFactory LoggerFactory { get; private init; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    /// <summary>Completes when the server has stopped and the engine is disposed.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Console logging at the options' level and format; the engine and the front ends log through the same setup.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging, ServerOptions options)
    {
        logging.ClearProviders();
        if (options.LogFormat == LogFormat.Json)
        {
            logging.AddJsonConsole(j =>
            {
                j.IncludeScopes = true;
                j.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                j.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(c =>
            {
                c.IncludeScopes = true;
                c.SingleLine = true;
                c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                c.UseUtcTimestamp = true;
            });
        }
        logging.SetMinimumLevel(options.LogLevel);
        // Kestrel and the hosting layer say a lot at Information (every connection, every request); our own request lines carry what matters.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
    }

    /// <summary>Opens the engine over <see cref="ServerOptions.DataDirectory"/> and starts listening.</summary>
    public static async Task<QuiverServer> StartAsync(ServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The engine's own messages (GPU placement, recovery) go to the server's log unless the caller routes them.
        var engineLogs = Microsoft.Extensions.Logging.LoggerFactory.Create(l => ConfigureLogging(l, options));
        var engineLog = engineLogs.CreateLogger("Quiver.Engine");
        var engine = options.Engine.Log is null ? options.Engine with { Log = m => engineLog.LogInformation("{Message}", m) } : options.Engine;
        var client = await QuiverClient.OpenAsync(options.DataDirectory, engine, ct).ConfigureAwait(false);
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            ConfigureLogging(builder.Logging, options);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(ListenAddress(options.Host), options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
                k.Limits.MaxRequestBodySize = null;
                // The official SDKs ping every 10 s even when idle; Kestrel must not treat that as abuse.
                k.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            });
            builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
            builder.Services.AddSingleton(client);
            var credentials = await CredentialStore.OpenAsync(client, options.RootPassword, ct).ConfigureAwait(false);
            builder.Services.AddSingleton(credentials);
            var metrics = new ServerMetrics();
            builder.Services.AddSingleton(metrics);
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton<MilvusCallInterceptor>();
            builder.Services.AddGrpc(g =>
            {
                g.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
                g.MaxSendMessageSize = null;
                g.EnableDetailedErrors = false;
                g.Interceptors.Add<MilvusCallInterceptor>();
            });
            var app = builder.Build();
            app.MapGrpcService<MilvusApi>();
            await app.StartAsync(ct).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            int port = new Uri(addresses.First()).Port;
            return new QuiverServer(app, client, port)
            {
                Metrics = metrics, Credentials = credentials, LoggerFactory = app.Services.GetRequiredService<ILoggerFactory>(), _engineLogs = engineLogs,
            };
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            engineLogs.Dispose();
            throw;
        }
    }

    private static IPAddress ListenAddress(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "" => IPAddress.Any,
        _ when IPAddress.TryParse(host, out var address) => address,
        _ => throw new ArgumentException($"ServerOptions.Host must be an IP address, \"localhost\" or \"*\"; got '{host}'", nameof(host)),
    };

    /// <summary>Graceful stop: no new connections, running calls finish, then the engine is disposed (WAL committed).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            await Completion.ConfigureAwait(false);
            return;
        }
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            await Client.DisposeAsync().ConfigureAwait(false);
            _engineLogs?.Dispose();
            _completion.TrySetResult();
        }
        catch (Exception e)
        {
            _completion.TrySetException(e);
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
