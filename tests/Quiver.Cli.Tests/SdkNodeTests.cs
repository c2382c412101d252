using System.Diagnostics;

namespace Quiver.Cli.Tests;

/// <summary>
/// The official Milvus Node SDK (tests/sdk-node, installed by <c>npm ci</c> there) against <c>quiver run standalone</c> on free
/// ports: the SDK's main flow on HNSW/IVF_FLAT/FLAT with L2/IP/COSINE, filters, JSON, delete/upsert, hybrid search,
/// partitions, aliases and bad input (see sdk.test.mjs).
/// </summary>
public class SdkNodeTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Quiver.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Quiver.sln not found above the test binaries");
    }

    [Fact]
    public async Task TheOfficialNodeSdkRunsItsFlowsAgainstQuiver()
    {
        string sdk = Path.Combine(RepoRoot(), "tests", "sdk-node");
        Assert.True(Directory.Exists(Path.Combine(sdk, "node_modules", "@zilliz", "milvus2-sdk-node")),
            $"the Node SDK is not installed: run `npm ci` in {sdk} (.ci/run does)");
        using var dir = new ScratchDirectory("sdk-node");
        using var server = StandaloneProcessTests.Start(dir.Path);
        try
        {
            string ready = await StandaloneProcessTests.ReadUntil(server, "ready", TimeSpan.FromSeconds(60));
            var grpc = System.Text.RegularExpressions.Regex.Match(ready, @"gRPC ([0-9.]+:[0-9]+)");
            Assert.True(grpc.Success, $"no gRPC address in: {ready}");
            var info = new ProcessStartInfo("node") { WorkingDirectory = sdk, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("--test");
            info.ArgumentList.Add("sdk.test.mjs");
            info.Environment["QUIVER_ADDRESS"] = grpc.Groups[1].Value;
            using var node = Process.Start(info)!;
            var stdout = node.StandardOutput.ReadToEndAsync();
            var stderr = node.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await node.WaitForExitAsync(cts.Token);
            string output = await stdout + await stderr;
            Assert.True(node.ExitCode == 0, $"node --test failed (exit {node.ExitCode}):\n{output}");
            Assert.Contains("# fail 0", output);
            // The management port counted the SDK's calls.
            var health = System.Text.RegularExpressions.Regex.Match(ready, @"metrics (http://[^ ]+)/healthz").Groups[1].Value;
            using var http = new HttpClient();
            string metrics = await http.GetStringAsync($"{health}/metrics");
            Assert.Matches(@"milvus_proxy_req_count\{function_name=""Search"",status=""success""\} [1-9]", metrics);
            Assert.Matches(@"milvus_proxy_req_count\{function_name=""DescribeCollection"",status=""fail""\} [1-9]", metrics);
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }
}
