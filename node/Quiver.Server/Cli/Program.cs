using System.CommandLine;

namespace Quiver.Cli;

/// <summary><c>quiver</c>: runs Quiver. <c>quiver run standalone</c> starts every component in one process.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var data = new Option<string?>("--data") { Description = "Data directory (meta store, WAL, objects); default ./quiver-data or localStorage.path from the config." };
        var config = new Option<string?>("--config") { Description = "YAML or JSON config file (Milvus-style keys, e.g. proxy.port); QUIVER__SECTION__KEY environment variables override it." };
        var standalone = new Command("standalone", "Run coordinator, proxy, streaming, query and data node in one process over one data directory.") { data, config };
        standalone.SetAction((r, ct) => Standalone.RunAsync(r.GetValue(config), r.GetValue(data), ct));
        var run = new Command("run", "Run Quiver.") { standalone };
        var version = new Command("version", "Print the version.");
        version.SetAction(_ =>
        {
            Console.WriteLine($"quiver {Standalone.Version}");
            return 0;
        });
        var root = new RootCommand("quiver: a Milvus-compatible vector database.") { run, version };
        return root.Parse(args).Invoke();
    }
}
