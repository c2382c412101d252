using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ILGPU;
using Quiver.Datasets;
using Quiver.Index.Gpu;
using Quiver.Index.Ivf;
using Quiver.Kernel.Distance;
using Quiver.Kernel.Gpu;

namespace Quiver.Gpu;

/// <summary>
/// <c>quiver-gpu bench</c>: GPU_BRUTE_FORCE and GPU_IVF_FLAT on synthetic 1M × 128 and fashion-mnist at
/// batch sizes 1, 100 and 10 000, k 10 and 100 (<see cref="BenchPlan"/>). Writes DIR/quiver-gpu.jsonl: one
/// <see cref="AnnResult"/> line per point (engine "quiver-gpu", plus "device" and "extra"), a
/// <c>{"bench":"gpu_bandwidth"}</c> line, and one <c>{"bench":"gpu_dataset"}</c> line per set naming the
/// .fvecs / ground-truth files bench/gpu/torch_anchor.py reads. Progress goes to stderr.
/// </summary>
internal static class BenchCommand
{
    private sealed record Options(string Out, AcceleratorChoice Accelerator, bool Quick, string FashionDirectory, string CacheDirectory,
        long? MaxBytes, OptimizationLevel Optimization, int? GroundTruthQueries, double BudgetSeconds, string? Only, bool DataOnly);

    public static int Run(string[] args)
    {
        Options o;
        try
        {
            o = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{e.Message}\nusage: quiver-gpu bench --out DIR [--accelerator auto|cuda|cpu] [--quick] [--fashion DIR] [--cache DIR] " +
                "[--max-bytes N] [--optimization O1|O2] [--gt-queries N] [--budget-seconds S] [--only fashion|synthetic] [--data-only]");
            return 2;
        }
        var plan = o.Quick ? BenchPlan.Quick : BenchPlan.Full;
        if (o.GroundTruthQueries is { } g) plan = plan with { GroundTruthQueries = g, Batch1Queries = Math.Min(plan.Batch1Queries, g) };
        Directory.CreateDirectory(o.Out);
        var log = Console.Error;
        var clock = Stopwatch.StartNew();
        if (o.DataOnly)
        {
            // No device: generate the synthetic set, compute ground truth, print the gpu_dataset lines. run.sh does
            // this first, so the PyTorch anchor has its data even if the CUDA side fails to start.
            foreach (var (ds, nlist, train, test) in Datasets(o, plan, log))
                Prepare(ds, plan, o.CacheDirectory, train, test, log, Console.WriteLine);
            return 0;
        }

        GpuDevice device;
        try
        {
            device = GpuDevice.Open(o.Accelerator, o.MaxBytes, o.Optimization);
        }
        catch (Exception e)
        {
            log.WriteLine($"No device: {e.Message}");
            return 2;
        }
        using var _ = device;
        // A CPU-accelerator line must never pass for a GPU figure: say so in the device name itself.
        string deviceName = device.IsCuda ? device.Name : $"ILGPU CPU accelerator ({device.Name}; emulator, not a GPU)";
        log.WriteLine($"device: {device}; plan: {(o.Quick ? "quick" : "full")}");
        using var output = new StreamWriter(Path.Combine(o.Out, "quiver-gpu.jsonl"), append: true);
        void Emit(string line)
        {
            Console.WriteLine(line);
            output.WriteLine(line);
            output.Flush();
        }

        var bw = Bandwidth.Measure(device, plan.BandwidthBytes);
        log.WriteLine($"bandwidth: {bw.GbPerS:F1} GB/s (device-to-device copy of {bw.Bytes >> 20} MiB × {bw.Repeats}, read + write)");
        Emit(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["bench"] = "gpu_bandwidth", ["device"] = deviceName, ["gb_per_s"] = Math.Round(bw.GbPerS, 1), ["bytes"] = bw.Bytes,
            ["repeats"] = bw.Repeats, ["method"] = "device-to-device copy, bytes read and written", ["machine"] = Environment.MachineName, ["date"] = Today,
        }));

        var warm = Stopwatch.StartNew();
        WarmUp(device);
        log.WriteLine($"kernels compiled and warmed in {warm.Elapsed.TotalSeconds:F1} s");

        var context = new RunContext(device, deviceName, plan, bw.GbPerS, o.BudgetSeconds > 0 ? o.BudgetSeconds : double.PositiveInfinity, clock, log, Emit);
        foreach (var (ds, nlist, train, test) in Datasets(o, plan, log))
            RunDataset(context, ds, nlist, o.CacheDirectory, train, test);
        log.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s; {context.Skipped} points skipped for the time budget");
        return 0;
    }

    private sealed record RunContext(GpuDevice Device, string DeviceName, BenchPlan Plan, double GbPerS, double BudgetSeconds,
        Stopwatch Clock, TextWriter Log, Action<string> Emit)
    {
        public int Skipped { get; set; }
        public bool OutOfTime => Clock.Elapsed.TotalSeconds > BudgetSeconds;
    }

    /// <summary>The plan's datasets, synthetic first (the issue's targets are on it), loaded lazily.</summary>
    private static IEnumerable<(Dataset Data, int Nlist, string TrainFile, string TestFile)> Datasets(Options o, BenchPlan plan, TextWriter log)
    {
        if (o.Only is null or "synthetic")
        {
            var spec = plan.Synthetic;
            string dir = Path.Combine(o.CacheDirectory, "synthetic");
            log.WriteLine($"synthetic {spec.Name}: generating or reading under {dir}");
            var sw = Stopwatch.StartNew();
            var ds = DatasetCatalog.Synthetic(spec, o.CacheDirectory);
            log.WriteLine($"  loaded in {sw.Elapsed.TotalSeconds:F1} s");
            yield return (ds, plan.SyntheticNlist, Path.Combine(dir, spec.Name + ".train.fvecs"), Path.Combine(dir, spec.Name + ".test.fvecs"));
        }
        if (o.Only is null or "fashion")
        {
            var full = DatasetCatalog.FashionMnist(o.FashionDirectory, o.CacheDirectory);
            var ds = plan.FashionRows > 0
                ? new Dataset($"fashion-mnist-n{plan.FashionRows}-q{plan.FashionQueries}", full.Metric, full.Dim,
                    full.Train[..(plan.FashionRows * full.Dim)], full.Test[..(plan.FashionQueries * full.Dim)])
                : full;
            yield return (ds, plan.FashionNlist,
                Path.Combine(o.FashionDirectory, "train-images-idx3-ubyte.gz"), Path.Combine(o.FashionDirectory, "t10k-images-idx3-ubyte.gz"));
        }
    }

    /// <summary>
    /// Exact ground truth on the CPU (float32 candidates re-ranked in double) for the first queries of the set,
    /// cached under CACHE/gt and written as .ivecs for the PyTorch anchor; emits the gpu_dataset line.
    /// </summary>
    private static (int[] Truth, int TruthK, int Queries) Prepare(Dataset ds, BenchPlan plan, string cacheDirectory, string trainFile, string testFile,
        TextWriter log, Action<string> emit)
    {
        int nq = ds.TestCount, gtq = Math.Min(plan.GroundTruthQueries, nq);
        log.WriteLine($"dataset {ds.Name}: {ds.TrainCount} × {ds.Dim}, {nq} queries, {ds.Metric}; ground truth on the first {gtq} queries");
        var sw = Stopwatch.StartNew();
        string gtDir = Path.Combine(cacheDirectory, "gt");
        var sub = new Dataset($"{ds.Name}-gtq{gtq}", ds.Metric, ds.Dim, ds.Train, ds.Test[..(gtq * ds.Dim)]) { CacheDirectory = gtDir };
        int truthK = Math.Min(BenchPlan.GroundTruthK, ds.TrainCount);
        var truth = GroundTruth.Get(sub, truthK);
        double gtSeconds = sw.Elapsed.TotalSeconds;
        string gtFile = Path.Combine(gtDir, $"{ds.Name}.gt{truthK}.q{gtq}.ivecs");
        VectorFiles.WriteIvecs(gtFile, truth, truthK);
        log.WriteLine($"  ground truth in {gtSeconds:F1} s → {gtFile}");
        emit(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["bench"] = "gpu_dataset", ["dataset"] = ds.Name, ["rows"] = ds.TrainCount, ["dim"] = ds.Dim, ["queries"] = nq,
            ["train_file"] = trainFile, ["test_file"] = testFile, ["gt_file"] = gtFile, ["gt_queries"] = gtq, ["gt_k"] = truthK,
            ["gt_seconds"] = Math.Round(gtSeconds, 2),
        }));
        return (truth, truthK, gtq);
    }

    private static void RunDataset(RunContext c, Dataset ds, int nlist, string cacheDirectory, string trainFile, string testFile)
    {
        var plan = c.Plan;
        var log = c.Log;
        if (c.OutOfTime)
        {
            log.WriteLine($"dataset {ds.Name} skipped: time budget spent");
            return;
        }
        var (truth, truthK, gtq) = Prepare(ds, plan, cacheDirectory, trainFile, testFile, log, c.Emit);
        var sw = Stopwatch.StartNew();

        double readFloorUs = (double)ds.TrainCount * ds.Dim * sizeof(float) / (c.GbPerS * 1e9) * 1e6;

        // GPU_BRUTE_FORCE: build = upload of the rows (and their norms).
        {
            sw.Restart();
            using var bf = GpuBruteForceIndex.Create(c.Device, ds.Metric, ds.Dim, ds.TrainCount);
            bf.AddRange(ds.Train);
            c.Device.Synchronize();
            double build = sw.Elapsed.TotalSeconds;
            log.WriteLine($"  GPU_BRUTE_FORCE uploaded in {build:F2} s, {bf.MemoryBytes / 1e6:F1} MB on the device");
            Sweep(c, ds, "GPU_BRUTE_FORCE", [], null, (q, k, ids, d) => bf.SearchBatch(q, k, ids, d), truth, truthK, gtq, build, bf.MemoryBytes,
                [("upload_seconds", build)], readFloorUs, 1.0);
        }

        // GPU_IVF_FLAT: k-means on the CPU (Train), rows assigned to lists on the CPU (AddRange), lists uploaded at the first search.
        if (c.OutOfTime) return;
        {
            sw.Restart();
            using var ivf = GpuIvfFlatIndex.Create(c.Device, ds.Metric, ds.Dim, new IvfParameters(Nlist: nlist));
            ivf.Train(ds.Train);
            double train = sw.Elapsed.TotalSeconds;
            ivf.AddRange(ds.Train);
            double add = sw.Elapsed.TotalSeconds - train;
            ivf.CoarseAssign(ds.Test.AsSpan(0, ds.Dim), 1, new int[1], new float[1]);   // uploads the lists
            c.Device.Synchronize();
            double build = sw.Elapsed.TotalSeconds, upload = build - train - add;
            log.WriteLine($"  GPU_IVF_FLAT nlist={nlist}: train {train:F1} s, add {add:F1} s, upload {upload:F2} s, {ivf.DeviceBytes / 1e6:F1} MB on the device");
            foreach (int nprobe in plan.Nprobes.Where(p => p <= nlist))
            {
                var p = new IvfSearchParameters(nprobe);
                Sweep(c, ds, "GPU_IVF_FLAT", [("nlist", nlist.ToString(CultureInfo.InvariantCulture))], ("nprobe", nprobe),
                    (q, k, ids, d) => ivf.SearchBatch(q, k, ids, d, p), truth, truthK, gtq, build, ivf.DeviceBytes,
                    [("train_seconds", train), ("add_seconds", add), ("upload_seconds", upload)], readFloorUs, (double)nprobe / nlist);
            }
        }
    }

    private static void Sweep(RunContext c, Dataset ds, string index, List<(string, string)> build, (string Key, int Value)? searchParam,
        BatchSearch search, int[] truth, int truthK, int recallQueries, double buildSeconds, long deviceBytes,
        (string, double)[] buildExtra, double readFloorUs, double probedFraction)
    {
        var plan = c.Plan;
        foreach (int k in plan.Ks.Where(k => k <= truthK))
        foreach (int batch in plan.Batches)
        {
            string label = $"{index} {(searchParam is { } sp0 ? $"{sp0.Key}={sp0.Value} " : "")}k={k} batch={batch}";
            if (c.OutOfTime)
            {
                c.Skipped++;
                c.Log.WriteLine($"  skipped {label}: time budget spent");
                continue;
            }
            int count = batch == 1 ? Math.Min(plan.Batch1Queries, ds.TestCount) : ds.TestCount;
            BatchMeasurement.Result r;
            try
            {
                r = BatchMeasurement.Run(search, ds.Test, ds.Dim, count, batch, k, truth, truthK, recallQueries, plan.MinTimedBatches, plan.MaxSecondsPerPoint, plan.WarmUpQueries);
            }
            catch (Exception e)
            {
                c.Log.WriteLine($"  FAILED {label}: {e.GetType().Name}: {e.Message}");
                continue;
            }
            var search_ = new List<(string, string)> { ("batch", Math.Min(batch, count).ToString(CultureInfo.InvariantCulture)) };
            if (searchParam is { } sp) search_.Add((sp.Key, sp.Value.ToString(CultureInfo.InvariantCulture)));
            var extra = new Dictionary<string, JsonElement>
            {
                ["recall_queries"] = JsonSerializer.SerializeToElement(r.RecallQueries),
                ["timed_batches"] = JsonSerializer.SerializeToElement(r.TimedBatches),
                ["passes"] = JsonSerializer.SerializeToElement(r.Passes),
                ["gb_per_s"] = JsonSerializer.SerializeToElement(Math.Round(c.GbPerS, 1)),
            };
            foreach (var (key, v) in buildExtra) extra[key] = JsonSerializer.SerializeToElement(Math.Round(v, 3));
            if (batch == 1)
            {
                // The issue's batch-1 target: latency within 2× of reading the data once at the measured bandwidth.
                extra["read_floor_us"] = JsonSerializer.SerializeToElement(Math.Round(readFloorUs, 2));
                extra["p50_over_read_floor"] = JsonSerializer.SerializeToElement(Math.Round(r.P50Us / readFloorUs, 3));
                if (probedFraction < 1)
                    extra["probed_read_floor_us"] = JsonSerializer.SerializeToElement(Math.Round(readFloorUs * probedFraction, 2));
            }
            var result = new AnnResult
            {
                Dataset = ds.Name,
                Engine = "quiver-gpu",
                Index = index,
                Build = AnnResult.Params(build),
                Search = AnnResult.Params(search_),
                K = k,
                Threads = 1,
                Queries = count,
                BuildSeconds = Math.Round(buildSeconds, 3),
                IndexBytes = deviceBytes,
                Recall = Math.Round(r.Recall, 5),
                Qps = Math.Round(r.Qps, 1),
                P50Us = Math.Round(r.P50Us, 2),
                P99Us = Math.Round(r.P99Us, 2),
                Machine = Environment.MachineName,
                Date = Today,
                Device = c.DeviceName,
                Extra = extra,
            };
            c.Log.WriteLine($"  {label}: recall {r.Recall:F4}, {r.Qps:F0} QPS, p50 {r.P50Us:F0} µs, p99 {r.P99Us:F0} µs ({r.TimedBatches} batches)");
            c.Emit(result.ToJson());
        }
    }

    /// <summary>Compiles the search kernels on a small index so that no measured point pays for compilation.</summary>
    private static void WarmUp(GpuDevice device)
    {
        const int dim = 32, rows = 2048, queries = 64;
        var rng = new Random(7);
        var data = new float[rows * dim];
        for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble();
        using var bf = GpuBruteForceIndex.Create(device, Metric.L2, dim, rows);
        bf.AddRange(data);
        foreach (int k in new[] { 10, 100 })
        foreach (int nq in new[] { 1, queries })
            bf.SearchBatch(data.AsSpan(0, nq * dim), k, new int[nq * k], new float[nq * k]);
        using var ivf = GpuIvfFlatIndex.Create(device, Metric.L2, dim, new IvfParameters(Nlist: 16));
        ivf.Train(data);
        ivf.AddRange(data);
        foreach (int k in new[] { 10, 100 })
        foreach (int nq in new[] { 1, queries })
            ivf.SearchBatch(data.AsSpan(0, nq * dim), k, new int[nq * k], new float[nq * k], new IvfSearchParameters(4));
    }

    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Options Parse(string[] args)
    {
        string? output = null, only = null;
        var accelerator = AcceleratorChoice.Auto;
        var optimization = OptimizationLevel.O2;
        bool quick = false, dataOnly = false;
        string fashion = DatasetCatalog.FashionMnistDirectory, cache = DatasetCatalog.DefaultCacheDirectory;
        long? maxBytes = null;
        int? gtQueries = null;
        double budget = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--out": output = Next(); break;
                case "--accelerator":
                    if (!Enum.TryParse(Next(), ignoreCase: true, out accelerator)) throw new ArgumentException($"unknown accelerator '{args[i]}'");
                    break;
                case "--optimization":
                    if (!Enum.TryParse(Next(), ignoreCase: true, out optimization)) throw new ArgumentException($"unknown optimization level '{args[i]}' (O0, O1, O2)");
                    break;
                case "--quick": quick = true; break;
                case "--data-only": dataOnly = true; break;
                case "--fashion": fashion = Next(); break;
                case "--cache": cache = Next(); break;
                case "--max-bytes":
                    maxBytes = long.TryParse(Next(), out long m) && m > 0 ? m : throw new ArgumentException($"bad byte count '{args[i]}'");
                    break;
                case "--gt-queries":
                    gtQueries = int.TryParse(Next(), out int g) && g > 0 ? g : throw new ArgumentException($"bad query count '{args[i]}'");
                    break;
                case "--budget-seconds":
                    budget = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out double b) && b > 0 ? b : throw new ArgumentException($"bad seconds '{args[i]}'");
                    break;
                case "--only":
                    only = Next() is "fashion" or "synthetic" ? args[i] : throw new ArgumentException($"--only takes fashion or synthetic, not '{args[i]}'");
                    break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        return new Options(output ?? throw new ArgumentException("--out DIR is required"), accelerator, quick, fashion, cache, maxBytes, optimization, gtQueries, budget, only, dataOnly);
    }
}
