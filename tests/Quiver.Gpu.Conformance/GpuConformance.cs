using System.Diagnostics;
using Quiver.Index;
using Quiver.Index.Flat;
using Quiver.Index.Gpu;
using Quiver.Index.Ivf;
using Quiver.Kernel.Bits;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Gpu;

namespace Quiver.Gpu.Conformance;

/// <summary>
/// Every GPU check, as named cases over a <see cref="GpuDevice"/>: kernels and both GPU indexes against the
/// CPU FLAT / IVF_FLAT indexes and scalar references. Sizes are small because CI runs them on ILGPU's CPU
/// accelerator; the same cases run on CUDA (xunit, or <see cref="RunAll"/> from a console runner).
/// </summary>
public static partial class GpuConformance
{
    /// <summary>One case: a name and a check that throws on mismatch.</summary>
    public sealed record Case(string Name, Action<GpuDevice> Run);

    private static readonly Metric[] Metrics = [Metric.L2, Metric.InnerProduct, Metric.Cosine];

    /// <summary>All cases, in a fixed order.</summary>
    public static IReadOnlyList<Case> Cases { get; } = BuildCases();

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static Case Get(string name) => Cases.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"No GPU conformance case '{name}'.", nameof(name));

    /// <summary>Runs every case on <paramref name="device"/>, writing one line per case; returns the counts.</summary>
    public static (int Passed, int Failed) RunAll(GpuDevice device, TextWriter log)
    {
        int passed = 0, failed = 0;
        log.WriteLine($"GPU conformance on {device}");
        foreach (var c in Cases)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                c.Run(device);
                passed++;
                log.WriteLine($"PASS {c.Name} ({sw.ElapsedMilliseconds} ms)");
            }
            catch (Exception e)
            {
                failed++;
                log.WriteLine($"FAIL {c.Name} ({sw.ElapsedMilliseconds} ms): {e.GetType().Name}: {e.Message}");
            }
        }
        log.WriteLine($"{passed} passed, {failed} failed");
        return (passed, failed);
    }

    private static List<Case> BuildCases()
    {
        var cases = new List<Case>();
        foreach (var m in Metrics)
        {
            cases.Add(new($"distances_{Name(m)}_f32", d => Distances(d, m, GpuElementType.Float32)));
            cases.Add(new($"distances_{Name(m)}_f16", d => Distances(d, m, GpuElementType.Float16)));
        }
        foreach (var m in Metrics)
            cases.Add(new($"bf_{Name(m)}_k10", d => BruteForce(d, new(m, N: 1001, Dim: 33, Q: 20, K: 10, Seed: 11))));
        foreach (int k in new[] { 1, 100, 1024 })
            cases.Add(new($"bf_l2_k{k}", d => BruteForce(d, new(Metric.L2, N: 1500, Dim: 17, Q: 4, K: k, Seed: 12))));
        cases.Add(new("bf_ip_k1500_passes", d => BruteForce(d, new(Metric.InnerProduct, N: 1600, Dim: 9, Q: 3, K: 1500, Seed: 13))));
        cases.Add(new("bf_l2_k_above_n", d => BruteForce(d, new(Metric.L2, N: 50, Dim: 7, Q: 5, K: 100, Seed: 14))));
        foreach (int dim in new[] { 1, 3, 17, 129 })
            cases.Add(new($"bf_l2_dim{dim}", d => BruteForce(d, new(Metric.L2, N: 400, Dim: dim, Q: 6, K: 10, Seed: 15 + dim))));
        cases.Add(new("bf_cosine_dim784", d => BruteForce(d, new(Metric.Cosine, N: 200, Dim: 784, Q: 3, K: 10, Seed: 16))));
        cases.Add(new("bf_l2_n5000_q40", d => BruteForce(d, new(Metric.L2, N: 5000, Dim: 32, Q: 40, K: 10, Seed: 23))));
        cases.Add(new("bf_l2_q1", d => BruteForce(d, new(Metric.L2, N: 2000, Dim: 24, Q: 1, K: 10, Seed: 17))));
        cases.Add(new("bf_ip_q100", d => BruteForce(d, new(Metric.InnerProduct, N: 700, Dim: 16, Q: 100, K: 10, Seed: 18))));
        foreach (var m in Metrics)
            cases.Add(new($"bf_{Name(m)}_ties", d => BruteForce(d, new(m, N: 600, Dim: 3, Q: 12, K: 50, Seed: 19, Integer: true))));
        cases.Add(new("bf_l2_ties_k1", d => BruteForce(d, new(Metric.L2, N: 600, Dim: 2, Q: 12, K: 1, Seed: 20, Integer: true))));
        foreach (var m in Metrics)
            cases.Add(new($"bf_{Name(m)}_filter_deletes", d => BruteForce(d, new(m, N: 1200, Dim: 12, Q: 8, K: 20, Seed: 21, Filter: 0.3, Deletes: 0.2))));
        cases.Add(new("bf_l2_filter_k1024", d => BruteForce(d, new(Metric.L2, N: 1500, Dim: 5, Q: 2, K: 1024, Seed: 22, Filter: 0.5))));
        cases.Add(new("bf_f16_search", BruteForceHalf));
        cases.Add(new("bf_add_after_upload", BruteForceAddAfter));
        cases.Add(new("bf_save_load_flat_format", BruteForceSaveLoad));
        cases.Add(new("upload_chunked_staging", UploadChunked));
        foreach (var m in Metrics)
            cases.Add(new($"ivf_coarse_{Name(m)}", d => IvfCoarse(d, m)));
        foreach (var m in Metrics)
            cases.Add(new($"ivf_{Name(m)}_vs_cpu", d => IvfVsCpu(d, m, filter: 0, deletes: 0)));
        cases.Add(new("ivf_l2_filter_deletes", d => IvfVsCpu(d, Metric.L2, filter: 0.4, deletes: 0.2)));
        cases.Add(new("ivf_nprobe_all_equals_flat", IvfAllEqualsFlat));
        foreach (var m in Metrics)
            cases.Add(new($"ivf_{Name(m)}_ties", d => IvfTies(d, m)));
        cases.Add(new("ivf_add_after_build", IvfAddAfterBuild));
        cases.Add(new("ivf_save_load_ivf_format", IvfSaveLoad));
        cases.Add(new("memory_budget_clear_error", MemoryBudget));
        return cases;
    }

    private static string Name(Metric m) => m switch { Metric.L2 => "l2", Metric.InnerProduct => "ip", _ => "cosine" };
}
