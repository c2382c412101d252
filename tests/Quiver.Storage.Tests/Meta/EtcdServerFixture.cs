using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Quiver.Storage.Meta;

namespace Quiver.Storage.Tests.Meta;

/// <summary>
/// An etcd for the tests: the one named by QUIVER_TEST_ETCD (e.g. http://127.0.0.1:2379), or else
/// its own /usr/bin/etcd on 127.0.0.1, on free ports, with a temporary data directory, stopped and
/// removed on dispose. Without either, initialisation fails and so does every test using it.
/// </summary>
public sealed class EtcdServerFixture : IAsyncLifetime
{
    public const string EndpointVariable = "QUIVER_TEST_ETCD";

    /// <summary>Overrides where the etcd binary is looked for (default /usr/bin/etcd, /usr/local/bin/etcd, then PATH).</summary>
    public const string BinaryVariable = "QUIVER_TEST_ETCD_BINARY";

    private Process? _process;
    private string? _dataDir;
    private readonly Queue<string> _output = new();

    /// <summary>The client URL of the etcd under test.</summary>
    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string? given = Environment.GetEnvironmentVariable(EndpointVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            Endpoint = given.Trim();
            await WaitHealthyAsync(TimeSpan.FromSeconds(10), $"{EndpointVariable}={Endpoint}");
            return;
        }

        string binary = FindBinary() ?? throw new InvalidOperationException(
            "The etcd tests need an etcd server and found none: install it with `apt-get install -y etcd-server` " +
            $"(provides /usr/bin/etcd), or point {EndpointVariable} at a running one, e.g. {EndpointVariable}=http://127.0.0.1:2379.");

        int clientPort = FreePort();
        int peerPort = FreePort();
        while (peerPort == clientPort)
            peerPort = FreePort();
        Endpoint = $"http://127.0.0.1:{clientPort}";
        string peer = $"http://127.0.0.1:{peerPort}";
        _dataDir = Path.Combine(Path.GetTempPath(), "quiver-etcd-" + Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "--name", "quiver-test", "--data-dir", _dataDir,
            "--listen-client-urls", Endpoint, "--advertise-client-urls", Endpoint,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"quiver-test={peer}", "--initial-cluster-state", "new",
            "--log-level", "warn", "--logger", "zap",
        })
        {
            psi.ArgumentList.Add(arg);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {binary}");
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitHealthyAsync(TimeSpan.FromSeconds(20), $"{binary} on {Endpoint}");
    }

    private void Remember(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 30)
                _output.Dequeue();
        }
    }

    private async Task WaitHealthyAsync(TimeSpan limit, string what)
    {
        await using var store = new EtcdMetaStore(new EtcdMetaStoreOptions { Endpoint = Endpoint, CallTimeout = TimeSpan.FromSeconds(1) });
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < limit)
        {
            if (_process is { HasExited: true })
                break;
            try
            {
                await store.GetRevisionAsync();
                return;
            }
            catch (MetaStoreException e)
            {
                last = e;
                await Task.Delay(100);
            }
        }
        string log;
        lock (_output)
            log = string.Join("\n", _output);
        throw new InvalidOperationException(
            $"etcd ({what}) did not become healthy within {limit.TotalSeconds} s" +
            (_process is { HasExited: true } ? $"; it exited with code {_process.ExitCode}" : "") +
            $". Last error: {last?.Message}\nIts output:\n{log}");
    }

    private static string? FindBinary()
    {
        string? pinned = Environment.GetEnvironmentVariable(BinaryVariable);
        if (!string.IsNullOrWhiteSpace(pinned))
            return File.Exists(pinned) ? pinned : null;
        foreach (string candidate in new[] { "/usr/bin/etcd", "/usr/local/bin/etcd" })
        {
            if (File.Exists(candidate))
                return candidate;
        }
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(dir, "etcd");
            if (File.Exists(path))
                return path;
        }
        return null;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                // Already gone, or will be reaped with the test host.
            }
            _process.Dispose();
        }
        if (_dataDir is not null && Directory.Exists(_dataDir))
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A straggling write; the temp directory is cleaned by the system.
            }
        }
    }
}
