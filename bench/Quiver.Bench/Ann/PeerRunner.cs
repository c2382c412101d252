using System.Diagnostics;
using Quiver.Datasets;
using Quiver.Index;

namespace Quiver.Bench.Ann;

/// <summary>
/// <c>quiver-bench peers</c>: runs a peer engine on the same dataset, ground truth and protocol as
/// <c>quiver-bench ann</c>. The dataset is exported once as .fvecs/.ivecs into the cache directory;
/// the peer's harness (bench/peers/ENGINE) is built there and prints the same JSON lines.
/// </summary>
internal static class PeerRunner
{
    public sealed record Options(string Engine, string Dataset, string Build, string Search, int K, int Queries, int BuildThreads, string? Out, string? DataDir, string RepoRoot, string Index = "HNSW");

    public static int Run(Options o)
    {
        var log = Console.Error;
        var ds = DatasetCatalog.Load(o.Dataset, o.DataDir);
        var truth = GroundTruth.Get(ds, 100);
        string dir = Path.Combine(o.DataDir ?? DatasetCatalog.DefaultCacheDirectory, "export");
        Directory.CreateDirectory(dir);
        string train = Path.Combine(dir, $"{ds.Name}.train.fvecs");
        string test = Path.Combine(dir, $"{ds.Name}.test.fvecs");
        string gt = Path.Combine(dir, $"{ds.Name}.gt100.ivecs");
        string stamp = Path.Combine(dir, $"{ds.Name}.crc");
        string crc = GroundTruth.Checksum(ds).ToString("X8");
        if (!File.Exists(stamp) || File.ReadAllText(stamp) != crc || !File.Exists(gt))
        {
            log.WriteLine($"exporting {ds.Name} to {dir}");
            VectorFiles.WriteFvecs(train, ds.Train, ds.Dim);
            VectorFiles.WriteFvecs(test, ds.Test, ds.Dim);
            VectorFiles.WriteIvecs(gt, truth, 100);
            File.WriteAllText(stamp, crc);
        }
        if (ds.Metric != Kernel.Distance.Metric.L2) throw new NotSupportedException($"The peer harnesses run L2 datasets; {ds.Name} is {ds.Metric}.");

        var build = IndexParams.Pairs(o.Build).ToDictionary(p => p.Key, p => p.Value);
        string m = build.GetValueOrDefault("m", "16"), efc = build.GetValueOrDefault("efconstruction", "200");
        int eq = o.Search.IndexOf('=');
        string efs = eq > 0 ? o.Search[(eq + 1)..].Replace(" ", "") : o.Search;

        if (o.Index.ToUpperInvariant() != "HNSW" && o.Engine.ToLowerInvariant() != "faiss")
            throw new ArgumentException($"Peer {o.Engine} runs HNSW only; {o.Index} is measured against faiss.");
        var (exe, args) = o.Engine.ToLowerInvariant() switch
        {
            "hnswlib" => (BuildHnswlib(o.RepoRoot, dir, log), new[] { ds.Name, train, test, gt, m, efc, efs, o.K.ToString(), o.Queries.ToString(), o.BuildThreads.ToString() }),
            "usearch" => ("node", new[] { UsearchHarness(o.RepoRoot), ds.Name, train, test, gt, m, efc, efs, o.K.ToString(), o.Queries.ToString(), o.BuildThreads.ToString() }),
            "faiss" => ("/usr/bin/python3", new[] { FaissHarness(o.RepoRoot), ds.Name, train, test, gt, m, efc, efs, o.K.ToString(), o.Queries.ToString(), o.BuildThreads.ToString(),
                o.Index.ToUpperInvariant(), o.Build.Replace(" ", "") }),
            _ => throw new ArgumentException($"Unknown peer '{o.Engine}'; available: hnswlib, usearch, faiss."),
        };
        using var output = o.Out is null ? null : new StreamWriter(o.Out, append: true);
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        log.WriteLine($"running {o.Engine}: M={m} efConstruction={efc} ef={efs}");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {exe}.");
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
        {
            // Stamp the date like our own lines, so perf.md rows carry one.
            var r = AnnResult.FromJson(line) with { Date = DateTime.UtcNow.ToString("yyyy-MM-dd") };
            string json = r.ToJson();
            Console.WriteLine(json);
            output?.WriteLine(json);
            output?.Flush();
        }
        p.WaitForExit();
        return p.ExitCode;
    }

    private static string UsearchHarness(string repoRoot)
    {
        string dir = Path.Combine(repoRoot, "bench", "peers", "usearch");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "usearch")))
            throw new FileNotFoundException($"USearch is not installed: run 'npm ci' in {dir}.");
        return Path.Combine(dir, "harness.mjs");
    }

    private static string FaissHarness(string repoRoot)
    {
        if (!File.Exists("/usr/bin/python3")) throw new FileNotFoundException("Debian's /usr/bin/python3 is missing.");
        string script = Path.Combine(repoRoot, "bench", "peers", "faiss", "harness.py");
        if (!File.Exists(script)) throw new FileNotFoundException($"{script} not found; run from the repository root or pass --repo.", script);
        return script;
    }

    private static string BuildHnswlib(string repoRoot, string dir, TextWriter log)
    {
        string source = Path.Combine(repoRoot, "bench", "peers", "hnswlib", "harness.cpp");
        if (!File.Exists(source)) throw new FileNotFoundException($"{source} not found; run from the repository root or pass --repo.", source);
        if (!File.Exists("/usr/include/hnswlib/hnswalg.h"))
            throw new FileNotFoundException("hnswlib headers are missing: install them with 'apt-get install -y libhnswlib-dev'.");
        string exe = Path.Combine(dir, "hnswlib-harness");
        if (File.Exists(exe) && File.GetLastWriteTimeUtc(exe) >= File.GetLastWriteTimeUtc(source)) return exe;
        log.WriteLine("compiling the hnswlib harness (g++ -O3 -march=native)");
        var psi = new ProcessStartInfo("g++") { UseShellExecute = false };
        foreach (var a in new[] { "-O3", "-march=native", "-std=c++17", "-pthread", source, "-o", exe }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start g++.");
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"g++ failed with exit code {p.ExitCode}.");
        return exe;
    }
}
