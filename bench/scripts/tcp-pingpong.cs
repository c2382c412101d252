// Side measurement for perf.md (issue 8): a raw loopback TCP round trip (4 KB request, 100 B answer) on this machine,
// with the answering side working 0..1000 µs before it answers — the shape of a gRPC search without gRPC.
// Run from this folder: dotnet run -c Release tcp-pingpong.cs
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
int port = ((IPEndPoint)listener.LocalEndpoint).Port;
int workUs = 0;
var server = Task.Run(async () =>
{
    using var s = await listener.AcceptSocketAsync();
    s.NoDelay = true;
    var buf = new byte[4096];
    var answer = new byte[100];
    while (true)
    {
        int got = 0;
        while (got < buf.Length) { int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None); if (n == 0) return; got += n; }
        long until = Stopwatch.GetTimestamp() + Volatile.Read(ref workUs) * Stopwatch.Frequency / 1_000_000;
        while (Stopwatch.GetTimestamp() < until) { }
        await s.SendAsync(answer, SocketFlags.None);
    }
});
using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
await c.ConnectAsync(IPAddress.Loopback, port);
var request = new byte[4096];
var reply = new byte[100];
foreach (int w in new[] { 0, 20, 50, 100, 300, 1000 })
{
    Volatile.Write(ref workUs, w);
    var lat = new List<double>();
    for (int i = 0; i < 3000; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        await c.SendAsync(request, SocketFlags.None);
        int got = 0;
        while (got < reply.Length) got += await c.ReceiveAsync(reply.AsMemory(got), SocketFlags.None);
        if (i >= 300) lat.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds - w);
    }
    lat.Sort();
    Console.WriteLine($"server works {w,4} us: round trip minus work p50 {lat[lat.Count / 2]:F1} us, p90 {lat[(int)(lat.Count * 0.9)]:F1} us");
}
