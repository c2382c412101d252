using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Quiver.Server;

/// <summary>
/// One request line per call, shared by the gRPC and REST front ends: a request id (the client's own when it sends one,
/// else <c>{process tag}-{sequence}</c>), the call's name, its outcome and its time. Served calls are logged at Debug,
/// refused ones at Information, so the default level shows every failure with the id the client also gets back.
/// </summary>
public static class RequestLog
{
    private static readonly string ProcessTag =
        Convert.ToHexStringLower(BitConverter.GetBytes(Environment.ProcessId ^ (int)Environment.TickCount64))[..6];

    private static long _sequence;

    private static readonly Action<ILogger, string, string, double, Exception?> ServedLine =
        LoggerMessage.Define<string, string, double>(LogLevel.Debug, new EventId(1, "RequestServed"), "{Call} {RequestId} served in {ElapsedMs:F3} ms");

    private static readonly Action<ILogger, string, string, int, string, double, Exception?> FailedLine =
        LoggerMessage.Define<string, string, int, string, double>(LogLevel.Information, new EventId(2, "RequestFailed"),
            "{Call} {RequestId} failed with code {Code}: {Reason} ({ElapsedMs:F3} ms)");

    /// <summary><paramref name="clientId"/> when it is a usable id (1..128 characters), else a new one.</summary>
    public static string NewId(string? clientId = null) =>
        clientId is { Length: > 0 and <= 128 }
            ? clientId
            : string.Create(CultureInfo.InvariantCulture, $"{ProcessTag}-{Interlocked.Increment(ref _sequence):x}");

    /// <summary>Logs a served call (Debug).</summary>
    public static void Served(ILogger log, string call, string requestId, double milliseconds) => ServedLine(log, call, requestId, milliseconds, null);

    /// <summary>Logs a refused or failed call (Information) with its code and reason.</summary>
    public static void Failed(ILogger log, string call, string requestId, int code, string reason, double milliseconds) =>
        FailedLine(log, call, requestId, code, reason, milliseconds, null);

    /// <summary>A logging scope carrying RequestId and Call as structured fields on every record written inside it.</summary>
    public static IDisposable? Scope(ILogger log, string call, string requestId) => log.BeginScope(new Fields(call, requestId));

    private sealed class Fields(string call, string requestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public KeyValuePair<string, object> this[int index] => index switch
        {
            0 => new("RequestId", requestId),
            1 => new("Call", call),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public int Count => 2;

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"{call} {requestId}";
    }
}
