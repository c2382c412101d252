using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Quiver.Node.Client;

namespace Quiver.Cli;

/// <summary>
/// The management port (Milvus: 9091): <c>/healthz</c> and <c>/api/v1/health</c> answer OK while the engine answers, and
/// <c>/metrics</c> gives Prometheus text with Milvus's metric names where they exist.
/// </summary>
internal static class Operations
{
    public static void Map(WebApplication app, QuiverClient engine, Quiver.Server.ServerMetrics? rpcs = null)
    {
        app.MapGet("/healthz", async (HttpContext http) =>
        {
            bool healthy = await Healthy(engine, http.RequestAborted).ConfigureAwait(false);
            http.Response.StatusCode = healthy ? 200 : 503;
            await http.Response.WriteAsync(healthy ? "OK" : "unhealthy", http.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/api/v1/health", async (HttpContext http) =>
        {
            bool healthy = await Healthy(engine, http.RequestAborted).ConfigureAwait(false);
            http.Response.StatusCode = healthy ? 200 : 503;
            await http.Response.WriteAsJsonAsync(new { status = healthy ? "ok" : "unhealthy" }, http.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            http.Response.ContentType = "text/plain; version=0.0.4";
            await http.Response.WriteAsync(await Metrics(engine, rpcs, http.RequestAborted).ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false);
        });
    }

    private static async Task<bool> Healthy(QuiverClient engine, CancellationToken ct)
    {
        try
        {
            await engine.ListDatabasesAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<string> Metrics(QuiverClient engine, Quiver.Server.ServerMetrics? rpcs, CancellationToken ct)
    {
        var sb = new StringBuilder();
        rpcs?.WriteTo(sb);
        sb.Append("# HELP quiver_build_info Quiver version.\n# TYPE quiver_build_info gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"quiver_build_info{{version=\"{Standalone.Version}\"}} 1\n");
        sb.Append("# HELP milvus_rootcoord_collection_num Collections per database.\n# TYPE milvus_rootcoord_collection_num gauge\n");
        var rows = new List<(string Db, string Collection, long Rows, bool Loaded)>();
        foreach (var db in await engine.ListDatabasesAsync(ct).ConfigureAwait(false))
        {
            var collections = await engine.ListCollectionsAsync(db, ct).ConfigureAwait(false);
            sb.Append(CultureInfo.InvariantCulture, $"milvus_rootcoord_collection_num{{db_name=\"{db}\"}} {collections.Count}\n");
            foreach (var c in collections)
            {
                var stats = await engine.GetCollectionStatisticsAsync(c, db, ct).ConfigureAwait(false);
                long n = stats.TryGetValue("row_count", out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long r) ? r : 0;
                rows.Add((db, c, n, await engine.GetLoadStateAsync(c, db, ct).ConfigureAwait(false) == LoadState.Loaded));
            }
        }
        sb.Append("# HELP quiver_collection_rows Rows per collection (live rows).\n# TYPE quiver_collection_rows gauge\n");
        foreach (var (db, c, n, _) in rows) sb.Append(CultureInfo.InvariantCulture, $"quiver_collection_rows{{db_name=\"{db}\",collection_name=\"{c}\"}} {n}\n");
        sb.Append("# HELP quiver_collection_loaded 1 when the collection is loaded.\n# TYPE quiver_collection_loaded gauge\n");
        foreach (var (db, c, _, loaded) in rows) sb.Append(CultureInfo.InvariantCulture, $"quiver_collection_loaded{{db_name=\"{db}\",collection_name=\"{c}\"}} {(loaded ? 1 : 0)}\n");
        return sb.ToString();
    }
}
