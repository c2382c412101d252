using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>
/// One s3rver (tests/services/node_modules, s3rver 3.7.1) on 127.0.0.1, with a fresh data directory
/// and one bucket configured at startup; killed with its process tree, and its directory removed, on dispose.
/// </summary>
public sealed partial class S3rverProcess : IDisposable
{
    /// <summary>s3rver's fixed credentials.</summary>
    public const string Credential = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly StringBuilder _log = new();

    private S3rverProcess(Process process, string dataDirectory, int port)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; private set; }

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Path of the s3rver launcher script, or an exception telling how to install it.</summary>
    public static string FindScript()
    {
        string root = RepositoryRoot();
        string script = Path.Combine(root, "tests", "services", "node_modules", ".bin", "s3rver");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                $"s3rver is not installed ({script} is missing): run `npm ci` in {Path.Combine(root, "tests", "services")}, " +
                "or set QUIVER_TEST_S3=http://host:port (bucket QUIVER_TEST_S3_BUCKET, default 'quiver') to use a running S3 service.");
        }
        return script;
    }

    /// <summary>The directory holding Quiver.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Quiver.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Quiver.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// Starts s3rver on <paramref name="port"/> (0: the OS picks one, read back from s3rver's
    /// "listening on" line, so no port is reserved and then raced for) and waits until it listens.
    /// </summary>
    public static async Task<S3rverProcess> StartAsync(string bucket, int port = 0)
    {
        string script = FindScript();
        string data = Path.Combine(Path.GetTempPath(), "quiver-s3rver-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // s3rver 3.7.1 makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) only
        // offers from its legacy provider: without this flag every truncated listing is a 500 InternalError.
        foreach (string arg in new[] { "--openssl-legacy-provider", script, "-d", data, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--configure-bucket", bucket })
            start.ArgumentList.Add(arg);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Directory.Delete(data, recursive: true);
            throw new InvalidOperationException("cannot run `node` to start s3rver: is Node.js on PATH?", ex);
        }
        var server = new S3rverProcess(process, data, port);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data, listening);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data, listening);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(StartTimeout)).ConfigureAwait(false);
        if (first != listening.Task)
        {
            string log = server.Log;
            server.Dispose();
            throw new InvalidOperationException(
                first == exited ? $"s3rver exited at startup:\n{log}" : $"s3rver did not listen within {StartTimeout.TotalSeconds} s:\n{log}");
        }
        server.Port = await listening.Task.ConfigureAwait(false);
        return server;
    }

    /// <summary>Everything s3rver printed: one line per request, and "Stored part N of {uploadId}" per multipart part.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>How many multipart parts s3rver has stored so far.</summary>
    public int StoredParts
    {
        get
        {
            lock (_log)
                return _storedParts;
        }
    }

    private int _storedParts;

    private void OnLine(string? line, TaskCompletionSource<int> listening)
    {
        if (line is null)
            return;
        lock (_log)
        {
            if (line.Contains("Stored part ", StringComparison.Ordinal))
                _storedParts++;
            else if (_log.Length < 1 << 20) // request lines are only for diagnosing a failed start
                _log.AppendLine(line);
        }
        var match = ListeningLine().Match(line);
        if (match.Success)
            listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"S3rver listening on \S+:(\d+)")]
    private static partial Regex ListeningLine();

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
