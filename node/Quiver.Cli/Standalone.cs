using System.Runtime.InteropServices;
using Quiver.Node.Client;
using Quiver.Storage.Meta;

namespace Quiver.Cli;

/// <summary>
/// <c>quiver run standalone</c>: loads the configuration, opens the engine over the data directory (a second process on
/// the same directory is refused), serves until SIGTERM or Ctrl-C, then shuts down cleanly (the engine closes its WALs).
/// </summary>
internal static class Standalone
{
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

        QuiverClient engine;
        try
        {
            engine = await QuiverClient.OpenAsync(dir, settings.Engine, stop.Token).ConfigureAwait(false);
        }
        catch (MetaStoreException e) when (e.Code == MetaStoreErrorCode.Locked)
        {
            Console.Error.WriteLine($"quiver: data directory {dir} is in use by another Quiver process; stop it first or pass another --data");
            return 2;
        }
        await using (engine.ConfigureAwait(false))
        {
            Console.WriteLine($"quiver {Version} standalone: engine ready over {dir}");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            Console.WriteLine("quiver: shutting down");
        }
        Console.WriteLine("quiver: stopped");
        return 0;
    }
}
