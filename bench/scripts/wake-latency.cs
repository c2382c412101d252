// Side measurement for perf.md (issue 8): how long one thread takes to wake another on this machine, after the waker
// has worked alone for a while (the other core idle) versus right away. A gRPC call needs such wake-ups on both sides
// (the server's socket thread, then the client's); an in-process call needs none.
// Run from this folder: dotnet run -c Release wake-latency.cs
using System.Diagnostics;

var ready = new SemaphoreSlim(0);
var done = new SemaphoreSlim(0);
long signalled = 0, woke = 0;
var partner = new Thread(() =>
{
    while (true)
    {
        ready.Wait();
        Volatile.Write(ref woke, Stopwatch.GetTimestamp());
        done.Release();
    }
}) { IsBackground = true };
partner.Start();
foreach (int workUs in new[] { 0, 20, 50, 100, 300, 1000 })
{
    var lat = new List<double>();
    for (int i = 0; i < 3000; i++)
    {
        // Work alone (the partner is blocked), then wake the partner and time how long it takes to run.
        long until = Stopwatch.GetTimestamp() + workUs * Stopwatch.Frequency / 1_000_000;
        while (Stopwatch.GetTimestamp() < until) { }
        signalled = Stopwatch.GetTimestamp();
        ready.Release();
        done.Wait();
        if (i >= 300) lat.Add(Stopwatch.GetElapsedTime(signalled, Volatile.Read(ref woke)).TotalMicroseconds);
    }
    lat.Sort();
    Console.WriteLine($"after {workUs,4} us of work alone: wake p50 {lat[lat.Count / 2]:F1} us, p90 {lat[(int)(lat.Count * 0.9)]:F1} us");
}
