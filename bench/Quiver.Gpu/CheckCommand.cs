using Quiver.Gpu.Conformance;
using Quiver.Kernel.Gpu;

namespace Quiver.Gpu;

/// <summary>
/// <c>quiver-gpu check</c>: the GPU conformance cases (tests/Quiver.Gpu.Conformance: kernels and the
/// GPU_BRUTE_FORCE / GPU_IVF_FLAT indexes against the CPU ones) on a chosen accelerator. Exit code 0 when
/// every selected case passed, 1 when one failed, 2 on bad arguments or no device.
/// </summary>
internal static class CheckCommand
{
    public static int Run(string[] args)
    {
        var choice = AcceleratorChoice.Auto;
        var optimization = ILGPU.OptimizationLevel.O2;
        long? maxBytes = null;
        var only = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--accelerator" when i + 1 < args.Length:
                    if (!Enum.TryParse(args[++i], ignoreCase: true, out choice)) return Usage($"unknown accelerator '{args[i]}'");
                    break;
                case "--max-bytes" when i + 1 < args.Length:
                    if (!long.TryParse(args[++i], out long m) || m <= 0) return Usage($"bad byte count '{args[i]}'");
                    maxBytes = m;
                    break;
                case "--optimization" when i + 1 < args.Length:
                    if (!Enum.TryParse(args[++i], ignoreCase: true, out optimization)) return Usage($"unknown optimization level '{args[i]}' (O0, O1, O2)");
                    break;
                case "--case" when i + 1 < args.Length:
                    only.Add(args[++i]);
                    break;
                case "--list":
                    foreach (var c in GpuConformance.Cases) Console.WriteLine(c.Name);
                    return 0;
                default:
                    return Usage($"unknown argument '{args[i]}'");
            }
        }

        GpuDevice device;
        try
        {
            device = GpuDevice.Open(choice, maxBytes, optimization);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"No device: {e.Message}");
            return 2;
        }
        using (device)
        {
            if (only.Count == 0)
            {
                var (_, failed) = GpuConformance.RunAll(device, Console.Out);
                return failed == 0 ? 0 : 1;
            }
            Console.WriteLine($"GPU conformance on {device}");
            int bad = 0;
            foreach (string name in only)
            {
                try
                {
                    GpuConformance.Get(name).Run(device);
                    Console.WriteLine($"PASS {name}");
                }
                catch (Exception e)
                {
                    bad++;
                    Console.WriteLine($"FAIL {name}: {e.GetType().Name}: {e.Message}");
                }
            }
            return bad == 0 ? 0 : 1;
        }
    }

    private static int Usage(string why)
    {
        Console.Error.WriteLine($"{why}\nusage: quiver-gpu check [--accelerator auto|cuda|cpu] [--max-bytes N] [--optimization O1|O2] [--case NAME]… [--list]");
        return 2;
    }
}
