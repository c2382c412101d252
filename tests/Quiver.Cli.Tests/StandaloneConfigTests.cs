namespace Quiver.Cli.Tests;

public class StandaloneConfigTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    [Fact]
    public void DefaultsAreMilvusLike()
    {
        var r = StandaloneConfig.Load(null, NoEnvironment, null);
        Assert.Equal("./quiver-data", r.Settings.DataDirectory);
        Assert.Equal(19530, r.Settings.GrpcPort);
        Assert.Equal(9091, r.Settings.MetricsPort);
        Assert.False(r.Settings.AuthorizationEnabled);
        Assert.Equal("Milvus", r.Settings.RootPassword);
        Assert.Empty(r.UnknownKeys);
    }

    [Fact]
    public void YamlThenEnvironmentThenCommandLine()
    {
        using var dir = new ScratchDirectory("config");
        string file = Path.Combine(dir.Path, "quiver.yaml");
        File.WriteAllText(file, """
            proxy:
              port: 19540
              http:
                port: 19541
            common:
              security:
                authorizationEnabled: true
                defaultRootPassword: s3cret
              gracefulTime: 2000
            dataCoord:
              segment:
                maxSize: 512
                maxIdleTime: 30
            localStorage:
              path: /tmp/from-file
            mystery:
              knob: 3
            """);
        var env = new Dictionary<string, string> { ["QUIVER__PROXY__PORT"] = "19550", ["QUIVER__NOT__A__KEY"] = "x", ["PATH"] = "/bin" };
        var r = StandaloneConfig.Load(file, env, "/tmp/from-cli");
        var s = r.Settings;
        Assert.Equal(19550, s.GrpcPort);
        Assert.Equal(19541, s.RestPort);
        Assert.True(s.AuthorizationEnabled);
        Assert.Equal("s3cret", s.RootPassword);
        Assert.Equal(TimeSpan.FromSeconds(2), s.Engine.GracefulTime);
        Assert.Equal(TimeSpan.FromSeconds(30), s.Engine.SealAfter);
        Assert.Equal((long)(512 * 0.12 * 1024 * 1024), s.Engine.SealBytes);
        Assert.Equal("/tmp/from-cli", s.DataDirectory);
        Assert.Equal(2, r.UnknownKeys.Count);
        Assert.Contains(r.UnknownKeys, k => k.StartsWith("mystery.knob", StringComparison.Ordinal));
        Assert.Contains(r.UnknownKeys, k => k.StartsWith("NOT.A.KEY", StringComparison.Ordinal));
    }

    [Fact]
    public void JsonFilesWorkToo()
    {
        using var dir = new ScratchDirectory("config");
        string file = Path.Combine(dir.Path, "quiver.json");
        File.WriteAllText(file, """{ "proxy": { "port": 0 }, "dataCoord": { "segment": { "sealProportion": 0.5 } } }""");
        var s = StandaloneConfig.Load(file, NoEnvironment, null).Settings;
        Assert.Equal(0, s.GrpcPort);
        Assert.Equal(512L * 1024 * 1024, s.Engine.SealBytes);
    }

    [Theory]
    [InlineData("proxy:\n  port: 70000\n", "proxy.port")]
    [InlineData("proxy:\n  port: abc\n", "proxy.port")]
    [InlineData("common:\n  security:\n    authorizationEnabled: maybe\n", "authorizationEnabled")]
    [InlineData("dataCoord:\n  segment:\n    sealProportion: 2\n", "sealProportion")]
    [InlineData("proxy:\n  - 1\n  - 2\n", "proxy")]
    [InlineData("proxy: [unclosed\n", "not valid YAML")]
    public void BadValuesNameTheKey(string yaml, string named)
    {
        using var dir = new ScratchDirectory("config");
        string file = Path.Combine(dir.Path, "bad.yaml");
        File.WriteAllText(file, yaml);
        var e = Assert.Throws<ConfigException>(() => StandaloneConfig.Load(file, NoEnvironment, null));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var e = Assert.Throws<ConfigException>(() => StandaloneConfig.Load("/nonexistent/quiver.yaml", NoEnvironment, null));
        Assert.Contains("/nonexistent/quiver.yaml", e.Message);
    }

    [Fact]
    public void LogLevelAndFormatTakeMilvusNames()
    {
        var env = new Dictionary<string, string> { ["QUIVER__LOG__LEVEL"] = "warn", ["QUIVER__LOG__FORMAT"] = "JSON" };
        var s = StandaloneConfig.Load(null, env, null).Settings;
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, s.LogLevel);
        Assert.Equal(Quiver.Server.LogFormat.Json, s.LogFormat);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, StandaloneConfig.Load(null, NoEnvironment, null).Settings.LogLevel);
        var e = Assert.Throws<ConfigException>(() => StandaloneConfig.Load(null, new Dictionary<string, string> { ["QUIVER__LOG__LEVEL"] = "loud" }, null));
        Assert.Contains("log.level", e.Message, StringComparison.OrdinalIgnoreCase);
        e = Assert.Throws<ConfigException>(() => StandaloneConfig.Load(null, new Dictionary<string, string> { ["QUIVER__LOG__FORMAT"] = "xml" }, null));
        Assert.Contains("log.format", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void GpuPlacementAndBudget()
    {
        var env = new Dictionary<string, string> { ["QUIVER__QUERYNODE__GPU__ACCELERATOR"] = "auto", ["QUIVER__GPU__MAXMEMSIZE"] = "2048" };
        var s = StandaloneConfig.Load(null, env, null).Settings;
        Assert.Equal(Quiver.Node.Query.GpuPlacement.Auto, s.Engine.Gpu);
        Assert.Equal(2048L << 20, s.Engine.GpuMaxBytes);
        Assert.Equal(Quiver.Node.Query.GpuPlacement.Off, StandaloneConfig.Load(null, NoEnvironment, null).Settings.Engine.Gpu);
        var e = Assert.Throws<ConfigException>(() => StandaloneConfig.Load(null, new Dictionary<string, string> { ["QUIVER__QUERYNODE__GPU__ACCELERATOR"] = "tpu" }, null));
        Assert.Contains("off, auto, cuda or cpu", e.Message, StringComparison.Ordinal);
    }
}
