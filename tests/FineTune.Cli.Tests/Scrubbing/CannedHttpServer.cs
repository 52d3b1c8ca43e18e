using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FineTune.Cli.Tests.Scrubbing;

/// <summary>One request as the canned server read it.</summary>
internal sealed record CannedRequest(string Method, string Path, string Body);

/// <summary>One answer of the canned server.</summary>
internal sealed record CannedResponse(int Status, string ContentType, string Body, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A loopback HTTP/1.1 server (127.0.0.1, one connection per request) that answers every request with what a callback
/// returns: the error bodies real providers send, echoed keys included, for the real clients to meet over the wire.
/// </summary>
internal sealed class CannedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<CannedRequest, CannedResponse> _answer;
    private readonly Task _loop;
    private int _requests;

    public CannedHttpServer(Func<CannedRequest, CannedResponse> answer)
    {
        _answer = answer;
        _listener.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>Gets the base address, without a trailing slash.</summary>
    public string Endpoint { get; }

    /// <summary>Gets how many requests were answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            try
            {
                var request = await ReadRequestAsync(stream);
                if (request is null)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                var response = _answer(request);
                var body = Encoding.UTF8.GetBytes(response.Body);
                var head = new StringBuilder();
                head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {ReasonPhrase(response.Status)}\r\n");
                head.Append(CultureInfo.InvariantCulture, $"Content-Type: {response.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
                foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
                {
                    head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
                }

                head.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };

    private async Task<CannedRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new byte[65536];
        var received = new MemoryStream();
        var headerEnd = -1;
        while (headerEnd < 0)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return null;
            }

            received.Write(buffer, 0, read);
            headerEnd = received.GetBuffer().AsSpan(0, (int)received.Length).IndexOf("\r\n\r\n"u8);
        }

        var headers = Encoding.ASCII.GetString(received.GetBuffer(), 0, headerEnd).Split("\r\n");
        var requestLine = headers[0].Split(' ');
        var lengthLine = headers.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : long.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
        if (headers.Any(l => l.StartsWith("Expect:", StringComparison.OrdinalIgnoreCase)))
        {
            length = 0; // answer at once, as a server refusing the request would: the client then skips the body
        }

        var chunked = !headers.Any(l => l.StartsWith("Expect:", StringComparison.OrdinalIgnoreCase)) && headers.Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && l.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        while (received.Length - headerEnd - 4 < length || (chunked && received.GetBuffer().AsSpan(headerEnd + 4, (int)received.Length - headerEnd - 4).IndexOf("\r\n0\r\n"u8) < 0 && !received.GetBuffer().AsSpan(headerEnd + 4, (int)received.Length - headerEnd - 4).StartsWith("0\r\n"u8)))
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        var body = Encoding.UTF8.GetString(received.GetBuffer(), headerEnd + 4, (int)received.Length - headerEnd - 4);
        return new CannedRequest(requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", body);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
