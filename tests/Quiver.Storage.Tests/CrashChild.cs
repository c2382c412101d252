using System.Diagnostics;

namespace Quiver.Testing;

/// <summary>
/// Runs a child .NET program from the test's output folder, waits for its "ready" line, lets it work for a
/// while, kills it with SIGKILL and returns every complete line it printed after "ready" (a line cut by the
/// kill has no newline and is dropped: it was never reported).
/// </summary>
public static class CrashChild
{
    public static async Task<List<string>> RunUntilKilledAsync(string dll, string arguments, int killAfterMs)
    {
        string host = Path.Combine(AppContext.BaseDirectory, dll);
        var psi = new ProcessStartInfo(DotnetHost(), $"\"{host}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(psi)!;
        var lines = new List<string>();
        var ready = new TaskCompletionSource();
        var stderr = child.StandardError.ReadToEndAsync();
        var reader = Task.Run(async () =>
        {
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync()) != null)
            {
                if (line == "ready") ready.TrySetResult();
                else lock (lines) lines.Add(line);
            }
        });
        await Task.WhenAny(ready.Task, child.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (!ready.Task.IsCompleted)
        {
            if (!child.HasExited) child.Kill();
            Assert.Fail($"{dll} did not start: {await stderr}");
        }
        await Task.Delay(killAfterMs);
        if (child.HasExited) Assert.Fail($"{dll} exited early: {await stderr}");
        child.Kill(); // SIGKILL on Unix
        await child.WaitForExitAsync();
        await reader;
        return lines;
    }

    private static string DotnetHost()
    {
        string? path = Environment.ProcessPath;
        if (path != null && Path.GetFileNameWithoutExtension(path) == "dotnet") return path;
        string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        return root != null && File.Exists(Path.Combine(root, "dotnet")) ? Path.Combine(root, "dotnet") : "dotnet";
    }
}
