using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Quiver.Node.Client;
using Quiver.Node.Errors;

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
        var rows = new List<(string Db, string Collection, CollectionMetrics M)>();
        foreach (var db in await engine.ListDatabasesAsync(ct).ConfigureAwait(false))
        {
            var collections = await engine.ListCollectionsAsync(db, ct).ConfigureAwait(false);
            sb.Append(CultureInfo.InvariantCulture, $"milvus_rootcoord_collection_num{{db_name=\"{db}\"}} {collections.Count}\n");
            foreach (var c in collections)
            {
                try
                {
                    rows.Add((db, c, await engine.GetCollectionMetricsAsync(c, db, ct).ConfigureAwait(false)));
                }
                catch (QuiverException e) when (e.Code == ErrorCode.CollectionNotFound)
                {
                    // Dropped between the listing and now.
                }
            }
        }
        Family(sb, rows, "milvus_proxy_insert_vectors_count", "counter", "Rows inserted since the server started.", m => m.RowsInserted);
        Family(sb, rows, "milvus_proxy_upsert_vectors_count", "counter", "Rows upserted since the server started.", m => m.RowsUpserted);
        Family(sb, rows, "milvus_proxy_delete_vectors_count", "counter", "Primary keys deleted since the server started.", m => m.RowsDeleted);
        Family(sb, rows, "milvus_proxy_search_vectors_count", "counter", "Query vectors searched since the server started.", m => m.SearchVectors);
        sb.Append("# HELP milvus_datacoord_segment_num Segments per collection and state.\n# TYPE milvus_datacoord_segment_num gauge\n");
        foreach (var (db, c, m) in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"milvus_datacoord_segment_num{{db_name=\"{db}\",collection_name=\"{c}\",segment_state=\"Growing\"}} {m.GrowingSegments}\n");
            sb.Append(CultureInfo.InvariantCulture, $"milvus_datacoord_segment_num{{db_name=\"{db}\",collection_name=\"{c}\",segment_state=\"Flushed\"}} {m.SealedSegments}\n");
        }
        sb.Append("# HELP milvus_querycoord_collection_num Loaded collections.\n# TYPE milvus_querycoord_collection_num gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"milvus_querycoord_collection_num {rows.Count(r => r.M.Loaded)}\n");
        Family(sb, rows, "quiver_collection_rows", "gauge", "Rows per collection (live rows).", m => m.LiveRows);
        Family(sb, rows, "quiver_collection_loaded", "gauge", "1 when the collection is loaded.", m => m.Loaded ? 1 : 0);
        return sb.ToString();
    }

    private static void Family(StringBuilder sb, List<(string Db, string Collection, CollectionMetrics M)> rows, string name, string type, string help,
        Func<CollectionMetrics, long> value)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
        foreach (var (db, c, m) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{name}{{db_name=\"{db}\",collection_name=\"{c}\"}} {value(m)}\n");
    }
}
