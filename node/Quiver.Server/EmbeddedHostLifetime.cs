using Microsoft.Extensions.Hosting;

namespace Quiver.Server;

/// <summary>
/// The web host's lifetime when embedded: it does not hook Ctrl+C or SIGTERM (the default console lifetime
/// would stop Kestrel behind the owner's back, before the engine is disposed). The owner stops the server
/// with <see cref="QuiverServer.StopAsync"/>.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
