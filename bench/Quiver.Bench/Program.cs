using System.CommandLine;
using Quiver.Bench.Kernels;

namespace Quiver.Bench;

/// <summary><c>quiver-bench</c>: Quiver's benchmark runner.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var quick = new Option<bool>("--quick") { Description = "Short runs (about two minutes in all) instead of full BenchmarkDotNet runs." };
        var output = new Option<string?>("--out") { Description = "Also write the JSON lines to this file." };
        var filter = new Option<string?>("--filter") { Description = "Only benchmarks whose kernel/type/form/path/method contains this text." };
        var kernels = new Command("kernels", "Distance-kernel micro-benchmarks against TensorPrimitives and the machine's read bandwidth; one JSON line per measurement.")
        {
            quick, output, filter,
        };
        kernels.SetAction(r => KernelBench.Run(r.GetValue(quick), r.GetValue(output), r.GetValue(filter)));

        var root = new RootCommand("quiver-bench: Quiver's benchmark runner.") { kernels };
        return root.Parse(args).Invoke();
    }
}
