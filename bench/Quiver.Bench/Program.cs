using System.CommandLine;
using Quiver.Bench.Ann;
using Quiver.Bench.Engine;
using Quiver.Bench.Kernels;
using Quiver.Bench.Storage;

namespace Quiver.Bench;

/// <summary><c>quiver-bench</c>: Quiver's benchmark runner.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("quiver-bench: Quiver's benchmark runner.") { KernelsCommand(), AnnCommand(), PeersCommand(), PlotCommand(), StorageCommand(), EngineCommand(), FilterCommand(), ServerCommand() };
        return root.Parse(args).Invoke();
    }

    private static Command KernelsCommand()
    {
        var quick = new Option<bool>("--quick") { Description = "Short runs (about two minutes in all) instead of full BenchmarkDotNet runs." };
        var output = new Option<string?>("--out") { Description = "Also write the JSON lines to this file." };
        var filter = new Option<string?>("--filter") { Description = "Only benchmarks whose kernel/type/form/path/method contains this text." };
        var kernels = new Command("kernels", "Distance-kernel micro-benchmarks against TensorPrimitives and the machine's read bandwidth; one JSON line per measurement.")
        {
            quick, output, filter,
        };
        kernels.SetAction(r => KernelBench.Run(r.GetValue(quick), r.GetValue(output), r.GetValue(filter)));
        return kernels;
    }

    private static Command EngineCommand()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer rows and queries (about a minute)." };
        var output = new Option<string?>("--out") { Description = "Also append the JSON lines to this file." };
        var dir = new Option<string?>("--dir") { Description = "Scratch directory for the engine's data (default: the temp folder)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Cache directory for datasets and ground truth." };
        var searchOnly = new Option<bool>("--search-only") { Description = "Skip the insert measurements." };
        var engine = new Command("engine", "Durable inserts, insert-to-searchable, and search through the embedded client versus the bare index; one JSON line each.") { quick, output, dir, dataDir, searchOnly };
        engine.SetAction(r => EngineBench.Run(r.GetValue(quick), r.GetValue(output), r.GetValue(dir), r.GetValue(dataDir), r.GetValue(searchOnly)));
        return engine;
    }

    private static Command ServerCommand()
    {
        var address = new Option<string?>("--addr") { Description = "host:port of a running server (default: start one in this process on a free port)." };
        var quick = new Option<bool>("--quick") { Description = "Fewer rows and queries." };
        var output = new Option<string?>("--out") { Description = "Also append the JSON lines to this file." };
        var dir = new Option<string?>("--dir") { Description = "Scratch directory for the server's data (default: the temp folder)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Cache directory for datasets and ground truth." };
        var server = new Command("server", "The standalone server over gRPC (inserts, search QPS with 1 and 8 clients) beside the same engine in process; one JSON line each.") { address, quick, output, dir, dataDir };
        server.SetAction(r => Quiver.Bench.Server.ServerBench.Run(r.GetValue(address), r.GetValue(quick), r.GetValue(output), r.GetValue(dir), r.GetValue(dataDir)));
        return server;
    }

    private static Command FilterCommand()
    {
        var quick = new Option<bool>("--quick") { Description = "2 M rows for evaluation, 200 queries." };
        var output = new Option<string?>("--out") { Description = "Also append the JSON lines to this file." };
        var dir = new Option<string?>("--dir") { Description = "Scratch directory for the engine's data (default: the temp folder)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Cache directory for datasets and ground truth." };
        var filter = new Command("filter", "Filter-expression evaluation throughput, and filtered search recall/QPS at four selectivities on fashion-mnist beside an exact scan of the passing rows; one JSON line each.") { quick, output, dir, dataDir };
        filter.SetAction(r => FilterBench.Run(r.GetValue(quick), r.GetValue(output), r.GetValue(dir), r.GetValue(dataDir)));
        return filter;
    }

    private static Command StorageCommand()
    {
        var quick = new Option<bool>("--quick") { Description = "Shorter runs and a smaller segment (about a minute)." };
        var output = new Option<string?>("--out") { Description = "Also append the JSON lines to this file." };
        var dir = new Option<string?>("--dir") { Description = "Scratch directory on the disk to measure (default: the temp folder)." };
        var s3 = new Option<string?>("--s3") { Description = "S3 endpoint to measure too, e.g. http://127.0.0.1:4568 (s3rver, credentials S3RVER)." };
        var bucket = new Option<string>("--s3-bucket") { Description = "Bucket for --s3.", DefaultValueFactory = _ => "quiver-bench" };
        var storage = new Command("storage", "Durable WAL appends, segment write/scan, object-store put/get; one JSON line per measurement.") { quick, output, dir, s3, bucket };
        storage.SetAction(r => StorageBench.Run(r.GetValue(quick), r.GetValue(output), r.GetValue(dir), r.GetValue(s3), r.GetValue(bucket)!));
        return storage;
    }

    private static Command AnnCommand()
    {
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist, synthetic:n=…,d=…,clusters=…,seed=…, fvecs:BASE,QUERY[,metric] or an ann-benchmarks .hdf5 path.", Required = true };
        var index = new Option<string>("--index") { Description = "FLAT, HNSW, IVF_FLAT, IVF_SQ8 or IVF_PQ.", DefaultValueFactory = _ => "HNSW" };
        var build = new Option<string>("--build") { Description = "Build parameters, e.g. M=16,efConstruction=200.", DefaultValueFactory = _ => "" };
        var search = new Option<string>("--search") { Description = "Search sweep, e.g. ef=10,20,40,80,160 (HNSW) or nprobe=1,2,4,8 (IVF).", DefaultValueFactory = _ => "ef=10,20,40,80,160" };
        var k = new Option<int>("--k") { Description = "Neighbours per query.", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "1: one query at a time on one thread (ann-benchmarks); 0: all cores.", DefaultValueFactory = _ => 1 };
        var buildThreads = new Option<int>("--build-threads") { Description = "Threads for the build (0 = all cores).", DefaultValueFactory = _ => 0 };
        var queries = new Option<int>("--queries") { Description = "Use only the first N queries (0 = all).", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Append the JSON lines to this file." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Cache directory for generated sets and ground truth (default $QUIVER_DATA or ~/.cache/quiver)." };
        var batch = new Option<bool>("--batch") { Description = "FLAT only: all queries in one SearchBatch call (QPS = queries / wall time)." };
        var ann = new Command("ann", "Build an index over a dataset, sweep search parameters, write one JSON line per recall/QPS point.")
        {
            dataset, index, build, search, k, threads, buildThreads, queries, output, dataDir, batch,
        };
        ann.SetAction(r => AnnRunner.Run(new AnnRunner.Options(
            r.GetValue(dataset)!, r.GetValue(index)!, r.GetValue(build)!, r.GetValue(search)!, r.GetValue(k),
            r.GetValue(threads), r.GetValue(queries), r.GetValue(output), r.GetValue(dataDir), r.GetValue(buildThreads), r.GetValue(batch))));
        return ann;
    }

    private static Command PeersCommand()
    {
        var engine = new Option<string>("--engine") { Description = "Peer engine: hnswlib, usearch or faiss.", DefaultValueFactory = _ => "hnswlib" };
        var dataset = new Option<string>("--dataset") { Description = "As for ann.", Required = true };
        var build = new Option<string>("--build") { Description = "M=…,efConstruction=…", DefaultValueFactory = _ => "M=16,efConstruction=200" };
        var search = new Option<string>("--search") { Description = "ef=…", DefaultValueFactory = _ => "ef=10,20,40,80,160" };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 10 };
        var queries = new Option<int>("--queries") { DefaultValueFactory = _ => 0 };
        var buildThreads = new Option<int>("--build-threads") { DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Append the JSON lines to this file." };
        var dataDir = new Option<string?>("--data-dir");
        var repo = new Option<string>("--repo") { Description = "Repository root (for bench/peers sources).", DefaultValueFactory = _ => Directory.GetCurrentDirectory() };
        var index = new Option<string>("--index") { Description = "HNSW (every peer), or IVF_FLAT, IVF_SQ8, IVF_PQ (faiss).", DefaultValueFactory = _ => "HNSW" };
        var peers = new Command("peers", "Run a peer engine (hnswlib built with -march=native) on the same dataset and protocol; same JSON lines.")
        {
            engine, dataset, build, search, k, queries, buildThreads, output, dataDir, repo, index,
        };
        peers.SetAction(r => PeerRunner.Run(new PeerRunner.Options(r.GetValue(engine)!, r.GetValue(dataset)!, r.GetValue(build)!, r.GetValue(search)!,
            r.GetValue(k), r.GetValue(queries), r.GetValue(buildThreads), r.GetValue(output), r.GetValue(dataDir), r.GetValue(repo)!, r.GetValue(index)!)));
        return peers;
    }

    private static Command PlotCommand()
    {
        var files = new Argument<string[]>("files") { Description = "Result files (JSON lines)." , Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "PNG to write; the markdown table goes beside it (.md).", Required = true };
        var title = new Option<string?>("--title") { Description = "Chart title." };
        var plot = new Command("plot", "Draw recall–QPS curves (log QPS) and a markdown table from result files.") { files, output, title };
        plot.SetAction(r => Ann.PlotCommand.Run(r.GetValue(files)!, r.GetValue(output)!, r.GetValue(title)));
        return plot;
    }
}
