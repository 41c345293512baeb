using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BertNative.Tests.Data;

/// <summary>
/// A minimal HTTP server on 127.0.0.1 for the download tests: it answers GETs from a fixed table
/// (unknown paths get 404), one response per connection, at most <see cref="MaxRequests"/> of them,
/// and stops when disposed or after a minute, whichever comes first.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    public const int MaxRequests = 50;

    /// <summary>A reply: a status with a body, or <see cref="Silence"/> (accept and never answer).</summary>
    public sealed record Reply(int Status, byte[] Body)
    {
        public static readonly Reply Silence = new(0, []);
        public static Reply Ok(byte[] body) => new(200, body);
    }

    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly IReadOnlyDictionary<string, Reply> _replies;
    readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(1));
    readonly Task _serving;
    int _requests;

    public LoopbackHttpServer(IReadOnlyDictionary<string, Reply> replies)
    {
        _replies = replies;
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int RequestCount => Volatile.Read(ref _requests);

    public Uri Url(string path) => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");

    /// <summary>A loopback URL nobody listens on: a port that was bound once and released.</summary>
    public static Uri ClosedPortUrl()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new Uri($"http://127.0.0.1:{port}/wikitext-2-v1.zip");
    }

    async Task ServeAsync()
    {
        try
        {
            while (_requests < MaxRequests)
            {
                using TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _requests);
                await AnswerAsync(client.GetStream());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
            // Stopped, or the client hung up; either way the server is done.
        }
    }

    async Task AnswerAsync(NetworkStream stream)
    {
        string path = await ReadRequestPathAsync(stream);
        Reply reply = _replies.TryGetValue(path, out Reply? known) ? known : new Reply(404, Encoding.ASCII.GetBytes("not found"));
        if (reply == Reply.Silence)
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
            return;
        }
        string head = $"HTTP/1.1 {reply.Status} {(reply.Status == 200 ? "OK" : "Not Found")}\r\n" +
                      $"Content-Length: {reply.Body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
        await stream.WriteAsync(reply.Body, _stop.Token);
    }

    /// <summary>Reads the request head (bounded to 8 KiB) and returns the path of its first line.</summary>
    async Task<string> ReadRequestPathAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (head.Length < 8192 && !head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0) break;
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        string[] requestLine = head.ToString().Split("\r\n")[0].Split(' ');
        return requestLine.Length > 1 ? requestLine[1] : "";
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _serving.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
