using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FineTune.Sdk.Testing;

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1: keep-alive, <c>Content-Length</c> and chunked request bodies,
/// <c>Expect: 100-continue</c>, responses always with <c>Content-Length</c>. Enough for the .NET, Node and Python
/// OpenAI clients and curl; not a general-purpose web server.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private readonly Func<EmulatorRequest, EmulatorResponse> _process;
    private readonly long _maxBodyBytes;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly object _gate = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _acceptLoop;
    private int _stopped;
    private int _acceptedConnections;

    public LoopbackHttpServer(Func<EmulatorRequest, EmulatorResponse> process, int port, long maxBodyBytes)
    {
        _process = process;
        _maxBodyBytes = maxBodyBytes;
        _listener = new TcpListener(IPAddress.Loopback, port);
    }

    public int Port { get; private set; }

    /// <summary>Gets the number of TCP connections accepted so far (keep-alive reuses one).</summary>
    public int AcceptedConnections => Volatile.Read(ref _acceptedConnections);

    public void Start()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Stops accepting and waits for the accept loop and every open connection to end.</summary>
    /// <returns>A task that completes when the server holds nothing any more.</returns>
    public async ValueTask DisposeAsync()
    {
        Stop();
        await Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Stops accepting, closes the listening socket and cancels every open connection, without waiting: the accept loop
    /// and the connections end by themselves (<see cref="Completion"/>) and the last one releases the token source.
    /// </summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Stop();
        _ = EndAsync();
    }

    /// <summary>Gets a task that completes when the accept loop and every connection have ended (after <see cref="Stop"/>).</summary>
    public Task Completion => _ended.Task;

    private async Task EndAsync()
    {
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task[] connections;
        lock (_gate)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _ended.TrySetResult();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            Interlocked.Increment(ref _acceptedConnections);
            var task = ServeConnectionAsync(client);
            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using (client)
        {
            client.NoDelay = true;
            var stream = client.GetStream();
            var reader = new RequestReader(stream, _stopping.Token);
            try
            {
                while (!_stopping.IsCancellationRequested)
                {
                    var requestLine = await reader.ReadLineAsync(MaxHeaderBytes).ConfigureAwait(false);
                    if (requestLine is null)
                    {
                        return;
                    }

                    if (requestLine.Length == 0)
                    {
                        continue;
                    }

                    var parts = requestLine.Split(' ');
                    if (parts.Length != 3)
                    {
                        await WriteAsync(stream, EmulatorResponse.Text(400, "text/plain", "bad request line"), keepAlive: false).ConfigureAwait(false);
                        return;
                    }

                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    var headerBytes = 0;
                    while (true)
                    {
                        var line = await reader.ReadLineAsync(MaxHeaderBytes).ConfigureAwait(false);
                        if (line is null)
                        {
                            return;
                        }

                        if (line.Length == 0)
                        {
                            break;
                        }

                        headerBytes += line.Length;
                        if (headerBytes > MaxHeaderBytes)
                        {
                            await WriteAsync(stream, EmulatorResponse.Text(431, "text/plain", "headers too large"), keepAlive: false).ConfigureAwait(false);
                            return;
                        }

                        var colon = line.IndexOf(':', StringComparison.Ordinal);
                        if (colon > 0)
                        {
                            var name = line[..colon].Trim();
                            var value = line[(colon + 1)..].Trim();
                            headers[name] = headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
                        }
                    }

                    var http10 = parts[2].Equals("HTTP/1.0", StringComparison.OrdinalIgnoreCase);
                    var connectionHeader = headers.TryGetValue("Connection", out var c) ? c : string.Empty;
                    var keepAlive = http10
                        ? connectionHeader.Contains("keep-alive", StringComparison.OrdinalIgnoreCase)
                        : !connectionHeader.Contains("close", StringComparison.OrdinalIgnoreCase);

                    if (headers.TryGetValue("Expect", out var expect) && expect.Contains("100-continue", StringComparison.OrdinalIgnoreCase))
                    {
                        var interim = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n");
                        await stream.WriteAsync(interim, _stopping.Token).ConfigureAwait(false);
                    }

                    byte[] body;
                    if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                    {
                        body = await reader.ReadChunkedAsync(_maxBodyBytes).ConfigureAwait(false);
                    }
                    else if (headers.TryGetValue("Content-Length", out var cl) && long.TryParse(cl, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                    {
                        if (length > _maxBodyBytes)
                        {
                            await WriteAsync(stream, EmulatorResponse.Text(413, "text/plain", "body too large"), keepAlive: false).ConfigureAwait(false);
                            return;
                        }

                        body = await reader.ReadExactAsync((int)length).ConfigureAwait(false);
                    }
                    else
                    {
                        body = [];
                    }

                    EmulatorResponse response;
                    try
                    {
                        response = _process(new EmulatorRequest(parts[0], parts[1], headers, body));
                    }
                    catch (Exception ex)
                    {
                        response = EmulatorResponse.Text(500, "text/plain", "emulator failure: " + ex.GetType().Name);
                    }

                    if (response.Delay > TimeSpan.Zero)
                    {
                        await Task.Delay(response.Delay, response.DelayClock ?? TimeProvider.System, _stopping.Token).ConfigureAwait(false);
                    }

                    if (response.DropConnection)
                    {
                        if (response.AfterPartialResponse)
                        {
                            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"object\""u8.ToArray(), _stopping.Token).ConfigureAwait(false);
                            await stream.FlushAsync(_stopping.Token).ConfigureAwait(false);
                        }

                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                    }

                    await WriteAsync(stream, response, keepAlive, withBody: parts[0] != "HEAD").ConfigureAwait(false);
                    if (!keepAlive)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
            {
                // The peer went away or the server is stopping: nothing to answer.
            }
        }
    }

    private async Task WriteAsync(NetworkStream stream, EmulatorResponse response, bool keepAlive, bool withBody = true)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.StatusCode} {EmulatorResponse.ReasonPhrase(response.StatusCode)}\r\n");
        head.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\n");
        head.Append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
        foreach (var header in response.Headers)
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stopping.Token).ConfigureAwait(false);
        if (withBody && response.Body.Length > 0)
        {
            await stream.WriteAsync(response.Body, _stopping.Token).ConfigureAwait(false);
        }

        await stream.FlushAsync(_stopping.Token).ConfigureAwait(false);
    }

    /// <summary>Buffered reads of lines, exact byte counts and chunked bodies from a socket stream.</summary>
    private sealed class RequestReader(Stream stream, CancellationToken cancellationToken)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(int maxLength)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync().ConfigureAwait(false))
                {
                    return line.Length == 0 ? null : throw new InvalidDataException("Connection closed inside a line.");
                }

                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                var stop = newline >= 0 ? newline : _end;
                line.Write(_buffer, _start, stop - _start);
                _start = newline >= 0 ? newline + 1 : _end;
                if (line.Length > maxLength)
                {
                    throw new InvalidDataException("Line too long.");
                }

                if (newline >= 0)
                {
                    var bytes = line.ToArray();
                    var length = bytes.Length > 0 && bytes[^1] == '\r' ? bytes.Length - 1 : bytes.Length;
                    return Encoding.Latin1.GetString(bytes, 0, length);
                }
            }
        }

        public async Task<byte[]> ReadExactAsync(int count)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync().ConfigureAwait(false))
                {
                    throw new InvalidDataException("Connection closed inside a body.");
                }

                var take = Math.Min(count - filled, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, filled, take);
                _start += take;
                filled += take;
            }

            return result;
        }

        public async Task<byte[]> ReadChunkedAsync(long maxBytes)
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(1024).ConfigureAwait(false) ?? throw new InvalidDataException("Connection closed inside a chunk.");
                var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
                var sizeText = (semicolon >= 0 ? sizeLine[..semicolon] : sizeLine).Trim();
                var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    // Trailers, then the empty line.
                    while (!string.IsNullOrEmpty(await ReadLineAsync(MaxHeaderBytes).ConfigureAwait(false)))
                    {
                    }

                    return body.ToArray();
                }

                if (body.Length + size > maxBytes)
                {
                    throw new InvalidDataException("Body too large.");
                }

                var chunk = await ReadExactAsync(size).ConfigureAwait(false);
                body.Write(chunk);
                await ReadLineAsync(2).ConfigureAwait(false);
            }
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            return _end > 0;
        }
    }
}
