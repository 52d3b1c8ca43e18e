using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FineTune.Cli.Tests;

/// <summary>
/// Bad input to <c>finetune eval</c> (docs/bad-input.md): each gets a clear message on stderr and exit 2, never a stack
/// trace — missing golden set, run file from another golden set, malformed --price, and an endpoint that is down, slow
/// past the timeout, answers HTML, answers malformed JSON or closes the connection mid-body (a raw loopback server).
/// </summary>
public sealed class EvalBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-badinput-").FullName;

    public EvalBadInputTests() => File.WriteAllText(Golden, "{\"id\":\"c1\",\"input\":\"hello\",\"expected\":\"hi\"}\n{\"id\":\"c2\",\"input\":\"bye\",\"expected\":\"ciao\"}\n");

    private string Golden => Path.Combine(_dir, "golden.jsonl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("down", "Connection refused")]
    [InlineData("slow", "Timed out (case timeout).")]
    [InlineData("html", "FineTuneException: OpenAI chat.complete: the endpoint answered HTML, not JSON (HTTP 200, text/html); check that the endpoint is the API's base URL (ending in /v1), not a web page or a proxy.\n")]
    [InlineData("malformed-json", "FineTuneException: OpenAI chat.complete: the endpoint answered malformed JSON (HTTP 200, application/json): invalid or cut short at line 1, byte 42.\n")]
    [InlineData("close-mid-body", "OpenAI chat.complete failed in transport: The response ended prematurely.")]
    public async Task Compare_EndpointMisbehaves_ExitsTwoWithFirstError(string mode, string expected)
    {
        await using var server = new MisbehavingServer(mode);

        var (code, output, error) = await RunAsync("eval", "compare", "--golden", Golden, "--base", "base-model", "--candidate", "tuned-model",
            "--out", Path.Combine(_dir, "out"), "--endpoint", server.Endpoint, "--retries", "0", "--timeout", "2", "--concurrency", "1");

        code.Should().Be(CliApp.UsageError, output + error);
        error.Should().StartWith("error: every call to 'base' (base-model) failed (2 of 2 cases), so nothing was evaluated. First error: ").And.Contain(expected);
        error.Should().NotContain("   at ", "no stack trace");
        output.Should().NotContain("PASS").And.NotContain("BLOCK");
    }

    [Fact]
    public async Task Compare_EndpointAnswers502WithAnHtmlPage_ExitsTwoWithTheStatus()
    {
        await using var server = new Scrubbing.CannedHttpServer(_ => new Scrubbing.CannedResponse(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"));

        var (code, output, error) = await RunAsync("eval", "compare", "--golden", Golden, "--base", "base-model", "--candidate", "tuned-model",
            "--out", Path.Combine(_dir, "out"), "--endpoint", server.Endpoint + "/v1", "--retries", "0", "--concurrency", "1");

        code.Should().Be(CliApp.UsageError, output + error);
        error.Should().Be("error: every call to 'base' (base-model) failed (2 of 2 cases), so nothing was evaluated. First error: FineTuneException: HTTP 502: OpenAI chat.complete failed: HTTP 502 (error: no code). Bad Gateway\n");
    }

    [Fact]
    public async Task Run_EndpointDown_ExitsTwo()
    {
        await using var server = new MisbehavingServer("down");

        var (code, _, error) = await RunAsync("eval", "run", "--golden", Golden, "--model", "base-model", "--run-file", Path.Combine(_dir, "run.jsonl"), "--endpoint", server.Endpoint, "--retries", "0");

        code.Should().Be(CliApp.UsageError);
        error.Should().Be("error: every call to 'base-model' (base-model) failed (2 of 2 cases), so nothing was evaluated; see the error of each case in the run file\n");
    }

    [Fact]
    public async Task Compare_RunFileFromAnotherGoldenSet_ExitsTwo()
    {
        var runFile = Path.Combine(_dir, "run.jsonl");
        await File.WriteAllTextAsync(runFile, "{\"caseId\":\"other-1\",\"variant\":\"base\",\"modelId\":\"base-model\",\"scores\":[]}\n{\"caseId\":\"c1\",\"variant\":\"base\",\"modelId\":\"base-model\",\"scores\":[]}\n{\"caseId\":\"oth");

        var (code, _, error) = await RunAsync("eval", "compare", "--golden", Golden, "--base", "base-model", "--candidate", "tuned-model",
            "--out", Path.Combine(_dir, "out"), "--run-file", runFile, "--endpoint", "http://127.0.0.1:9/v1");

        code.Should().Be(CliApp.UsageError);
        error.Should().Be("error: The run file run.jsonl holds results for 1 case id(s) that are not in the golden set golden.jsonl (other-1): it was made from another golden set. Use a new run file, or the golden set it was made from. (Parameter 'runFile')\n");
    }

    [Theory]
    [InlineData("--golden", "missing.jsonl", "error: Golden set not found: ")]
    [InlineData("--golden", "folder.jsonl", "error: Golden set not found: ")]
    [InlineData("--price", "base-model=abc", "error: --price must be MODEL=INPUT,OUTPUT (USD per 1M tokens, for example gpt-4o-mini=0.15,0.60); it was 'base-model=abc'.")]
    [InlineData("--price", "base-model=1,-2", "error: --price must be MODEL=INPUT,OUTPUT")]
    public async Task Compare_BadArgument_ExitsTwoWithMessage(string option, string value, string message)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "folder.jsonl"));
        var args = new List<string> { "eval", "compare", "--base", "base-model", "--candidate", "tuned-model", "--out", Path.Combine(_dir, "out"), "--endpoint", "http://127.0.0.1:9/v1" };
        args.AddRange(option == "--golden" ? ["--golden", Path.Combine(_dir, value)] : ["--golden", Golden, option, value]);

        var (code, _, error) = await RunAsync([.. args]);

        code.Should().Be(CliApp.UsageError);
        error.Should().StartWith(message).And.NotContain("   at ");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A loopback HTTP/1.1 server that answers every request in one broken way.</summary>
    private sealed class MisbehavingServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop = Task.CompletedTask;

        public MisbehavingServer(string mode)
        {
            _listener.Start();
            Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1";
            if (mode == "down")
            {
                _listener.Stop(); // nothing listens on the port any more: connection refused
                return;
            }

            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    _ = Task.Run(() => AnswerAsync(client, mode));
                }
            });
        }

        public string Endpoint { get; }

        private async Task AnswerAsync(TcpClient client, string mode)
        {
            using (client)
            {
                var stream = client.GetStream();
                try
                {
                    await ReadRequestAsync(stream);
                    var (type, body, length) = mode switch
                    {
                        "html" => ("text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", -1),
                        "malformed-json" => ("application/json", "{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":", -1),
                        "close-mid-body" => ("application/json", "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choi", 4096),
                        _ => (string.Empty, string.Empty, 0),
                    };
                    if (mode == "slow")
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    }

                    var bytes = Encoding.UTF8.GetBytes(body);
                    var head = $"HTTP/1.1 200 OK\r\nContent-Type: {type}\r\nContent-Length: {(length < 0 ? bytes.Length : length)}\r\nConnection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                    await stream.WriteAsync(bytes, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
                {
                }
            }
        }

        private async Task ReadRequestAsync(NetworkStream stream)
        {
            var buffer = new byte[65536];
            var text = new StringBuilder();
            var headerEnd = -1;
            while (headerEnd < 0)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                text.Append(Encoding.ASCII.GetString(buffer, 0, read));
                headerEnd = text.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal);
            }

            var headers = text.ToString()[..headerEnd];
            var lengthLine = headers.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var have = Encoding.ASCII.GetByteCount(text.ToString()) - headerEnd - 4;
            while (have < length)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                have += read;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
