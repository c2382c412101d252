using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Quiver.Server;

/// <summary>
/// Per-RPC request counts and latencies, in Prometheus text with Milvus's proxy metric names:
/// <c>milvus_proxy_req_count{function_name, status}</c> (status "success" or "fail") and the histogram
/// <c>milvus_proxy_req_latency{function_name}</c> in milliseconds. Thread-safe; recording is a few interlocked adds.
/// </summary>
public sealed class ServerMetrics
{
    private static readonly double[] BucketsMs = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private sealed class Rpc
    {
        public long Success;
        public long Fail;
        public readonly long[] Buckets = new long[BucketsMs.Length + 1];
        public long SumMicros;
    }

    private readonly ConcurrentDictionary<string, Rpc> _rpcs = new(StringComparer.Ordinal);

    /// <summary>Counts one call of <paramref name="rpc"/> that took <paramref name="milliseconds"/>.</summary>
    public void Record(string rpc, bool success, double milliseconds)
    {
        var r = _rpcs.GetOrAdd(rpc, static _ => new Rpc());
        Interlocked.Increment(ref success ? ref r.Success : ref r.Fail);
        int b = 0;
        while (b < BucketsMs.Length && milliseconds > BucketsMs[b]) b++;
        Interlocked.Increment(ref r.Buckets[b]);
        Interlocked.Add(ref r.SumMicros, (long)(milliseconds * 1000));
    }

    /// <summary>Appends the metrics in Prometheus text exposition format.</summary>
    public void WriteTo(StringBuilder sb)
    {
        var rpcs = _rpcs.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        sb.Append("# HELP milvus_proxy_req_count Requests per RPC and outcome.\n# TYPE milvus_proxy_req_count counter\n");
        foreach (var (name, r) in rpcs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"milvus_proxy_req_count{{function_name=\"{name}\",status=\"success\"}} {Volatile.Read(ref r.Success)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"milvus_proxy_req_count{{function_name=\"{name}\",status=\"fail\"}} {Volatile.Read(ref r.Fail)}\n");
        }
        sb.Append("# HELP milvus_proxy_req_latency Latency per RPC in milliseconds.\n# TYPE milvus_proxy_req_latency histogram\n");
        foreach (var (name, r) in rpcs)
        {
            long cumulative = 0;
            for (int b = 0; b < BucketsMs.Length; b++)
            {
                cumulative += Volatile.Read(ref r.Buckets[b]);
                sb.Append(CultureInfo.InvariantCulture, $"milvus_proxy_req_latency_bucket{{function_name=\"{name}\",le=\"{BucketsMs[b]}\"}} {cumulative}\n");
            }
            cumulative += Volatile.Read(ref r.Buckets[^1]);
            sb.Append(CultureInfo.InvariantCulture, $"milvus_proxy_req_latency_bucket{{function_name=\"{name}\",le=\"+Inf\"}} {cumulative}\n");
            sb.Append(CultureInfo.InvariantCulture, $"milvus_proxy_req_latency_sum{{function_name=\"{name}\"}} {Volatile.Read(ref r.SumMicros) / 1000.0}\n");
            sb.Append(CultureInfo.InvariantCulture, $"milvus_proxy_req_latency_count{{function_name=\"{name}\"}} {cumulative}\n");
        }
    }
}
