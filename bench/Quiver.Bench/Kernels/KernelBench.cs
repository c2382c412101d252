using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Text.Json;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Quiver.Bench.Kernels;

/// <summary>
/// <c>quiver-bench kernels</c>: runs the kernel micro-benchmarks under BenchmarkDotNet (in process, so
/// no child build) and writes one JSON line per measurement.
/// </summary>
internal static class KernelBench
{
    internal static int[] PairDims = [784];
    internal static int[] BinaryDims = [1024];
    internal static int[] BatchDims = [784];

    public static int Run(bool quick, string? outPath, string? filter)
    {
        if (!quick)
        {
            PairDims = [128, 784, 1536];
            BinaryDims = [256, 1024];
            BatchDims = [128, 784];
        }
        var job = (quick ? Job.ShortRun : Job.Default)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 80 : 250))
            .WithWarmupCount(quick ? 2 : 5)
            .WithIterationCount(quick ? 5 : 15)
            .WithLaunchCount(1);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddFilter(new SimpleFilter(c => Accelerated(Row(c).Path) && (filter is null || Describe(c).Contains(filter, StringComparison.OrdinalIgnoreCase))))
            .WithOptions(ConfigOptions.DisableLogFile);

        Type[] types = [typeof(PairBenchmarks), typeof(BinaryBenchmarks), typeof(BatchBenchmarks), typeof(ScanBenchmarks)];
        var summaries = BenchmarkRunner.Run(types, config);

        using var output = outPath is null ? null : new StreamWriter(outPath, append: false);
        int rows = 0, failed = 0;
        foreach (var summary in summaries)
        foreach (var report in summary.Reports)
        {
            var line = ToJson(report);
            if (line is null) { failed++; continue; }
            Console.WriteLine(line);
            output?.WriteLine(line);
            rows++;
        }
        Console.Error.WriteLine($"kernels: {rows} rows{(outPath is null ? "" : $" written to {outPath}")}, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static KernelRowAttribute Row(BenchmarkCase c) =>
        c.Descriptor.WorkloadMethod.GetCustomAttribute<KernelRowAttribute>()
        ?? throw new InvalidOperationException($"{c.Descriptor.WorkloadMethod.Name} has no KernelRow attribute.");

    private static string Describe(BenchmarkCase c)
    {
        var r = Row(c);
        return $"{r.Kernel}/{r.Type}/{r.Form}/{r.Path}/{c.Descriptor.WorkloadMethod.Name}";
    }

    /// <summary>Only paths this machine runs natively are measured; an emulated wide path says nothing.</summary>
    private static bool Accelerated(string path) => path switch
    {
        "avx512" => Vector512.IsHardwareAccelerated,
        "avx2" => Vector256.IsHardwareAccelerated,
        "sse" => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    private static string? ToJson(BenchmarkReport report)
    {
        var stats = report.ResultStatistics;
        if (stats is null) return null;
        var c = report.BenchmarkCase;
        var r = Row(c);
        int dim = c.Parameters.Items.FirstOrDefault(p => p.Name == "Dim")?.Value is int d ? d : ScanBenchmarks.Dim;
        double ns = stats.Median;
        long bytes = BytesPerOp(r, c.Descriptor.Type, dim);
        double alloc = AllocatedPerCall(c, ns);
        return JsonSerializer.Serialize(new
        {
            kernel = r.Kernel,
            type = r.Type,
            dim,
            form = r.Form,
            path = r.Path,
            ns_per_op = Math.Round(ns, 3),
            gb_per_s = Math.Round(bytes / ns, 3),
            alloc_bytes = alloc,
            ns_mean = Math.Round(stats.Mean, 3),
            ns_stddev = Math.Round(stats.StandardDeviation, 3),
            method = c.Descriptor.WorkloadMethod.Name,
            machine = Environment.MachineName,
            cores = Environment.ProcessorCount,
            date = DateTime.UtcNow.ToString("yyyy-MM-dd"),
        });
    }

    /// <summary>
    /// Bytes allocated per call, measured outside BenchmarkDotNet: its in-process harness adds about a
    /// kilobyte per iteration of its own, which shows up as "allocation" for calls long enough to run
    /// once per iteration. Here the workload runs through a compiled delegate between two readings of
    /// the thread's allocation counter.
    /// </summary>
    private static double AllocatedPerCall(BenchmarkCase c, double nsPerCall)
    {
        var type = c.Descriptor.Type;
        object instance = Activator.CreateInstance(type)!;
        foreach (var p in c.Parameters.Items) type.GetProperty(p.Name)?.SetValue(instance, p.Value);
        c.Descriptor.GlobalSetupMethod?.Invoke(instance, null);
        try
        {
            var call = Expression.Lambda<Action>(Expression.Block(typeof(void), Expression.Call(Expression.Constant(instance), c.Descriptor.WorkloadMethod))).Compile();
            int calls = (int)Math.Clamp(2e8 / Math.Max(1, nsPerCall), 2, 10_000);
            for (int i = 0; i < Math.Min(calls, 100); i++) call();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) call();
            return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        }
        finally
        {
            c.Descriptor.GlobalCleanupMethod?.Invoke(instance, null);
        }
    }

    /// <summary>Bytes of vector data one call reads (both operands for a pair, the rows for a batch).</summary>
    private static long BytesPerOp(KernelRowAttribute r, Type benchmark, int dim)
    {
        int size = r.Type switch { "f32" => 4, "f16" or "bf16" => 2, _ => 1 };
        if (r.Type == "bin") return 2 * dim / 8;
        if (benchmark == typeof(ScanBenchmarks)) return ScanBenchmarks.Bytes;
        return r.Form switch
        {
            "pair" => 2L * dim * size,
            "one_to_many" => (long)BatchBenchmarks.Rows * dim * size,
            "by_ids" => (long)BatchBenchmarks.Ids * dim * size,
            "many_to_many" => (long)(BatchBenchmarks.Queries + BatchBenchmarks.BlockRows) * dim * size,
            _ => 0,
        };
    }
}
