using System.Diagnostics;

namespace Quiver.Cli.Tests;

/// <summary>The <c>quiver</c> executable as a user runs it: starts, refuses a second process on its data directory, stops on SIGTERM.</summary>
public class StandaloneProcessTests
{
    private static string QuiverDll => Path.Combine(AppContext.BaseDirectory, "quiver.dll");

    internal static Process Start(string data, params string[] extra) => Start(data, new Dictionary<string, string>(), extra);

    internal static Process Start(string data, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(QuiverDll);
        foreach (var a in new[] { "run", "standalone", "--data", data }.Concat(extra)) info.ArgumentList.Add(a);
        // Free ports, so parallel test runs and a real server on 19530 do not collide.
        info.Environment["QUIVER__PROXY__PORT"] = "0";
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["QUIVER__PROXY__HTTP__PORT"] = "0";
        info.Environment["QUIVER__METRICS__PORT"] = "0";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    internal static async Task<string> ReadUntil(Process p, string marker, TimeSpan timeout)
    {
        var text = new System.Text.StringBuilder();
        using var cts = new CancellationTokenSource(timeout);
        while (!cts.IsCancellationRequested)
        {
            string? line = await p.StandardOutput.ReadLineAsync(cts.Token);
            if (line is null) break;
            text.AppendLine(line);
            if (line.Contains(marker, StringComparison.Ordinal)) return text.ToString();
        }
        throw new Xunit.Sdk.XunitException($"'{marker}' not seen; output so far:\n{text}\nstderr:\n{await p.StandardError.ReadToEndAsync()}");
    }

    [Fact]
    public async Task StartsRefusesASecondProcessAndStopsOnSigterm()
    {
        using var dir = new ScratchDirectory("standalone");
        using var first = Start(dir.Path);
        try
        {
            string ready = await ReadUntil(first, "ready", TimeSpan.FromSeconds(60));
            var rest = System.Text.RegularExpressions.Regex.Match(ready, @"REST (http://[^ ]+)/v2/vectordb").Groups[1].Value;
            var health = System.Text.RegularExpressions.Regex.Match(ready, @"metrics (http://[^ ]+)/healthz").Groups[1].Value;
            using (var http = new HttpClient())
            {
                Assert.Equal("OK", await http.GetStringAsync($"{health}/healthz"));
                var created = await http.PostAsync($"{rest}/v2/vectordb/collections/create", new StringContent("""{"collectionName":"c","dimension":4}"""));
                Assert.Contains("\"code\":0", await created.Content.ReadAsStringAsync());
                var inserted = await http.PostAsync($"{rest}/v2/vectordb/entities/insert", new StringContent("""{"collectionName":"c","data":[{"id":1,"vector":[1,0,0,0]}]}"""));
                Assert.Contains("\"insertCount\":1", await inserted.Content.ReadAsStringAsync());
                string metrics = await http.GetStringAsync($"{health}/metrics");
                Assert.Contains("quiver_collection_rows{db_name=\"default\",collection_name=\"c\"} 1", metrics);
            }

            using var second = Start(dir.Path);
            string err = await second.StandardError.ReadToEndAsync();
            await second.WaitForExitAsync();
            Assert.Equal(2, second.ExitCode);
            Assert.Contains("in use by another Quiver process", err);

            Assert.Equal(0, SendSigterm(first.Id));
            await ReadUntil(first, "stopped", TimeSpan.FromSeconds(60));
            await first.WaitForExitAsync();
            Assert.Equal(0, first.ExitCode);
        }
        finally
        {
            if (!first.HasExited) first.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task LogsRequestsAsJsonWithIdsAndCountsRowsInMetrics()
    {
        using var dir = new ScratchDirectory("standalone");
        using var p = Start(dir.Path, new Dictionary<string, string> { ["QUIVER__LOG__LEVEL"] = "debug", ["QUIVER__LOG__FORMAT"] = "json" });
        try
        {
            string ready = await ReadUntil(p, "ready", TimeSpan.FromSeconds(60));
            var rest = System.Text.RegularExpressions.Regex.Match(ready, @"REST (http://[^ ]+)/v2/vectordb").Groups[1].Value;
            var health = System.Text.RegularExpressions.Regex.Match(ready, @"metrics (http://[^ ]+)/healthz").Groups[1].Value;
            using var http = new HttpClient();
            Assert.Contains("\"code\":0", await (await http.PostAsync($"{rest}/v2/vectordb/collections/create", new StringContent("""{"collectionName":"c","dimension":4}"""))).Content.ReadAsStringAsync());
            Assert.Contains("\"insertCount\":2", await (await http.PostAsync($"{rest}/v2/vectordb/entities/insert",
                new StringContent("""{"collectionName":"c","data":[{"id":1,"vector":[1,0,0,0]},{"id":2,"vector":[0,1,0,0]}]}"""))).Content.ReadAsStringAsync());

            // A failing call answers with the client's request id and logs it with the failure's code.
            using var bad = new HttpRequestMessage(HttpMethod.Post, $"{rest}/v2/vectordb/collections/describe") { Content = new StringContent("""{"collectionName":"missing"}""") };
            bad.Headers.Add("Request-Id", "client-req-42");
            var answer = await http.SendAsync(bad);
            Assert.Contains("\"code\":100", await answer.Content.ReadAsStringAsync());
            Assert.Equal("client-req-42", answer.Headers.GetValues("Request-Id").Single());
            string logs = await ReadUntil(p, "client-req-42", TimeSpan.FromSeconds(30));
            var failure = logs.Split('\n').Select(l => l.Trim()).Last(l => l.Contains("client-req-42", StringComparison.Ordinal));
            using (var json = System.Text.Json.JsonDocument.Parse(failure))
            {
                var state = json.RootElement.GetProperty("State");
                Assert.Equal("client-req-42", state.GetProperty("RequestId").GetString());
                Assert.Equal(100, state.GetProperty("Code").GetInt32());
                Assert.Equal("POST /v2/vectordb/collections/describe", state.GetProperty("Call").GetString());
            }
            // Served calls are logged at debug with ids of their own.
            Assert.Matches("\"Call\":\"POST /v2/vectordb/entities/insert\",\"RequestId\":\"[0-9a-f]{6}-[0-9a-f]+\"|\"RequestId\":\"[0-9a-f]{6}-[0-9a-f]+\"[^\\n]*entities/insert", logs);

            string metrics = await http.GetStringAsync($"{health}/metrics");
            Assert.Contains("milvus_proxy_insert_vectors_count{db_name=\"default\",collection_name=\"c\"} 2", metrics);
            Assert.Contains("milvus_datacoord_segment_num{db_name=\"default\",collection_name=\"c\",segment_state=\"Growing\"} 1", metrics);
            Assert.Contains("milvus_querycoord_collection_num 1", metrics); // the REST quick create loads the collection
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task ABadConfigIsAClearErrorAndExitCodeTwo()
    {
        using var dir = new ScratchDirectory("standalone");
        string config = Path.Combine(dir.Path, "bad.yaml");
        File.WriteAllText(config, "proxy:\n  port: nope\n");
        using var p = Start(Path.Combine(dir.Path, "data"), "--config", config);
        string err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("proxy.port", err);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static int SendSigterm(int pid) => kill(pid, 15);
}
