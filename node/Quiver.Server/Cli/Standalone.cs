using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Quiver.Storage.Meta;

namespace Quiver.Cli;

/// <summary>
/// <c>quiver run standalone</c>: loads the configuration, opens the engine over the data directory (a second process on
/// the same directory is refused), serves until SIGTERM or Ctrl-C, then shuts down cleanly (the engine closes its WALs).
/// </summary>
internal static class Standalone
{
    /// <summary>A Kestrel app on one HTTP/1.1 port (0 = a free one), quiet (no console logging of its own).</summary>
    private static async Task<WebApplication> StartWebAsync(string host, int port, Action<WebApplication> map, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{host}:{port}");
        var app = builder.Build();
        map(app);
        await app.StartAsync(ct).ConfigureAwait(false);
        return app;
    }

    private static int Port(WebApplication app) => new Uri(app.Urls.First()).Port;

    /// <summary>True when <paramref name="e"/> (or an inner exception) says the data directory is locked by another process.</summary>
    private static bool Locked(Exception? e)
    {
        for (; e != null; e = e.InnerException)
            if (e is MetaStoreException { Code: MetaStoreErrorCode.Locked }) return true;
        return false;
    }

    public static string Version => typeof(Standalone).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static async Task<int> RunAsync(string? configFile, string? dataDirectory, CancellationToken cancellationToken)
    {
        StandaloneConfig.Result loaded;
        try
        {
            var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
            loaded = StandaloneConfig.Load(configFile, environment, dataDirectory);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"quiver: {e.Message}");
            return 2;
        }
        foreach (var key in loaded.UnknownKeys) Console.Error.WriteLine($"quiver: unknown config key {key}; ignored");
        var settings = loaded.Settings;
        string dir = Path.GetFullPath(settings.DataDirectory);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        Quiver.Server.QuiverServer server;
        try
        {
            server = await Quiver.Server.QuiverServer.StartAsync(new Quiver.Server.ServerOptions
            {
                DataDirectory = dir, Host = settings.Host, GrpcPort = settings.GrpcPort, AuthorizationEnabled = settings.AuthorizationEnabled,
                RootPassword = settings.RootPassword, Engine = settings.Engine,
                LogLevel = settings.LogLevel, LogFormat = settings.LogFormat,
            }, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (Locked(e))
        {
            Console.Error.WriteLine($"quiver: data directory {dir} is in use by another Quiver process; stop it first or pass another --data");
            return 2;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"quiver: cannot start: {e.Message}");
            return 2;
        }
        await using (server.ConfigureAwait(false))
        {
            var engine = server.Client;
            var rest = await StartWebAsync(settings.Host, settings.RestPort, app =>
                Quiver.Rest.RestApi.Map(app, new Quiver.Rest.RestApi(engine, new Quiver.Rest.RestOptions
                {
                    AuthorizationEnabled = settings.AuthorizationEnabled,
                    Verify = server.Credentials.Verify,
                    Log = server.LoggerFactory.CreateLogger("Quiver.Rest"),
                })), stop.Token).ConfigureAwait(false);
            var operations = await StartWebAsync(settings.Host, settings.MetricsPort, app => Operations.Map(app, engine, server.Metrics), stop.Token).ConfigureAwait(false);
            Console.WriteLine($"quiver {Version} standalone ready: gRPC {settings.Host}:{server.GrpcPort}, REST http://{settings.Host}:{Port(rest)}/v2/vectordb, " +
                $"health and metrics http://{settings.Host}:{Port(operations)}/healthz, data {dir}");
            try
            {
                await Task.WhenAny(Task.Delay(Timeout.Infinite, stop.Token), server.Completion).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            Console.WriteLine("quiver: shutting down");
            await rest.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await operations.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await rest.DisposeAsync().ConfigureAwait(false);
            await operations.DisposeAsync().ConfigureAwait(false);
            await server.StopAsync().ConfigureAwait(false);
        }
        Console.WriteLine("quiver: stopped");
        return 0;
    }
}
