using System.Globalization;
using System.Text.Json;

namespace Quiver.Bench;

/// <summary>
/// The JSON-lines output of the storage and engine benchmarks: each row gets the machine, core count and date,
/// goes to stdout and, when a file is given, is appended to it at once (a run cut short keeps what it measured).
/// </summary>
internal sealed class ResultLines(string? path) : IDisposable
{
    private readonly StreamWriter? _file = path is null ? null : new StreamWriter(path, append: true);

    public void Emit(Dictionary<string, object> row)
    {
        row["machine"] = Environment.MachineName;
        row["cores"] = Environment.ProcessorCount;
        row["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string line = JsonSerializer.Serialize(row);
        Console.WriteLine(line);
        _file?.WriteLine(line);
        _file?.Flush();
    }

    public void Dispose() => _file?.Dispose();
}
