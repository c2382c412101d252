using System.Net;
using System.Text;

namespace Quiver.Storage.Tests.ObjectStore;

/// <summary>An HTTP server on 127.0.0.1 that answers each request as a test scripts it, and logs "METHOD url" per request.</summary>
internal sealed class FakeS3 : IDisposable
{
    /// <summary>A status and XML body; <see cref="NoAnswer"/> holds the connection open without answering.</summary>
    public sealed record Answer(HttpStatusCode Status, string Body);

    public static readonly Answer NoAnswer = new(0, "");

    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly List<string> _log = [];
    private readonly CancellationTokenSource _stop = new();

    public FakeS3(Func<HttpListenerRequest, Answer> respond)
    {
        Url = $"http://127.0.0.1:{S3ObjectStoreFailureTests.FreePort()}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            var pending = new List<Task>();
            while (true)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                lock (_log)
                    _log.Add($"{context.Request.HttpMethod} {context.Request.Url}");
                pending.Add(AnswerAsync(context, respond(context.Request)));
            }
        });
    }

    public static FakeS3 Always(HttpStatusCode status, string code, string message) => new(_ => Error(status, code, message));

    public static Answer Error(HttpStatusCode status, string code, string message) =>
        new(status, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>");

    public string Url { get; }

    public int Requests
    {
        get
        {
            lock (_log)
                return _log.Count;
        }
    }

    public string[] Log
    {
        get
        {
            lock (_log)
                return [.. _log];
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, Answer answer)
    {
        try
        {
            using (var drain = new MemoryStream())
                await context.Request.InputStream.CopyToAsync(drain, _stop.Token);
            if (answer == NoAnswer)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }
            byte[] body = Encoding.UTF8.GetBytes(answer.Body);
            context.Response.StatusCode = (int)answer.Status;
            context.Response.ContentType = "application/xml";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body, _stop.Token);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException)
        {
            // the client gave up or the test is over
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
