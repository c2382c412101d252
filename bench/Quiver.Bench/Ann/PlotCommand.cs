using System.Globalization;
using System.Text;
using Quiver.Datasets;
using ScottPlot;

namespace Quiver.Bench.Ann;

/// <summary>
/// <c>quiver-bench plot FILE… --out chart.png</c>: recall@k on x, QPS on a log y axis, one series
/// per engine/index/build (points sorted by recall), and a markdown table of every point beside it
/// (chart.md), with each series' QPS interpolated at recall 0.95 and 0.99 where its curve reaches them.
/// </summary>
internal static class PlotCommand
{
    public static int Run(IReadOnlyList<string> files, string output, string? title)
    {
        var results = files.SelectMany(File.ReadLines).Where(l => l.TrimStart().StartsWith('{') && !l.Contains("\"bench\":", StringComparison.Ordinal)).Select(AnnResult.FromJson).ToList();
        if (results.Count == 0) throw new ArgumentException("No result lines found in the given files.");
        var series = results.GroupBy(r => (r.Engine, r.Index, Build: AnnResult.Label(r.Build), r.Threads, r.Dataset, r.K))
            .OrderBy(g => g.Key.Engine).ThenBy(g => g.Key.Build).ToList();

        var plot = new Plot();
        var markers = new[] { MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle, MarkerShape.OpenSquare };
        int si = 0;
        foreach (var g in series)
        {
            var pts = g.OrderBy(r => r.Recall).ToList();
            var xs = pts.Select(r => r.Recall).ToArray();
            var ys = pts.Select(r => Math.Log10(Math.Max(r.Qps, 1e-3))).ToArray();
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = $"{g.Key.Engine} {g.Key.Index} {g.Key.Build} t={g.Key.Threads}";
            scatter.MarkerShape = markers[si % markers.Length];
            scatter.MarkerSize = 7;
            scatter.LineWidth = 1.5f;
            si++;
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", CultureInfo.InvariantCulture),
        };
        plot.XLabel($"recall@{results[0].K}");
        plot.YLabel("queries per second (log)");
        plot.Title(title ?? $"{results[0].Dataset}: recall vs QPS");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(output, 1000, 650);

        var md = new StringBuilder();
        md.AppendLine("| engine | index | build | threads | search | recall | QPS | p50 µs | p99 µs | build s | index MB |");
        md.AppendLine("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var g in series)
            foreach (var r in g.OrderBy(r => r.Recall))
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Engine} | {r.Index} | {g.Key.Build} | {r.Threads} | {AnnResult.Label(r.Search)} | {r.Recall:F4} | {r.Qps:F0} | {r.P50Us:F1} | {r.P99Us:F1} | {r.BuildSeconds:F1} | {r.IndexBytes / 1e6:F1} |"));
        md.AppendLine();
        md.AppendLine("| engine | index | build | threads | QPS @ recall 0.95 | QPS @ recall 0.99 |");
        md.AppendLine("|---|---|---|---:|---:|---:|");
        foreach (var g in series)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {g.Key.Engine} | {g.Key.Index} | {g.Key.Build} | {g.Key.Threads} | {Fmt(QpsAt(g.ToList(), 0.95))} | {Fmt(QpsAt(g.ToList(), 0.99))} |"));
        string mdPath = Path.ChangeExtension(output, ".md");
        File.WriteAllText(mdPath, md.ToString());
        Console.Write(md.ToString());
        Console.Error.WriteLine($"wrote {output} and {mdPath}");
        return 0;
    }

    private static string Fmt(double? v) => v is { } x ? x.ToString("F0", CultureInfo.InvariantCulture) : "not reached";

    /// <summary>
    /// QPS at a recall level on the series' Pareto frontier, interpolated linearly between the two
    /// frontier points around it (the ann-benchmarks protocol in reference/peers.md).
    /// </summary>
    public static double? QpsAt(List<AnnResult> points, double recall)
    {
        // Frontier: for each point, the best QPS among points at least as accurate.
        var frontier = points.OrderByDescending(p => p.Recall).Aggregate(new List<AnnResult>(), (acc, p) =>
        {
            if (acc.Count == 0 || p.Qps > acc[^1].Qps) acc.Add(p);
            return acc;
        }).OrderBy(p => p.Recall).ToList();
        if (frontier.Count == 0 || frontier[^1].Recall < recall) return null;
        int i = frontier.FindIndex(p => p.Recall >= recall);
        if (i == 0) return frontier[0].Qps;
        var (a, b) = (frontier[i - 1], frontier[i]);
        double t = (recall - a.Recall) / (b.Recall - a.Recall);
        return a.Qps + t * (b.Qps - a.Qps);
    }
}
