using System.Net;
using System.Net.Sockets;
using System.Text;
using FineTune.Sdk;
using FineTune.Sdk.OpenAI;
using Microsoft.Extensions.AI;

namespace FineTune.Cli;

/// <summary>
/// Runs one throwaway case through the whole eval path — <see cref="EvalRunner"/>, the scorers, <see cref="OpenAIChatClient"/>,
/// the OpenAI package's pipeline and <see cref="SocketsHttpHandler"/> — against a canned loopback responder, while the CLI
/// reads the golden set.
/// </summary>
/// <remarks>
/// A process starts cold: the first real call pays for JIT compilation and type loading of every layer it crosses (about
/// 0.1–0.3 s on two cores), and with 64 calls in the first wave all of them wait for it. Done here, that work overlaps the
/// golden-set read and costs no request to the real endpoint. Nothing leaves the machine: the responder listens on
/// 127.0.0.1 and answers one fixed completion. Any failure only means a colder start, so it is swallowed.
/// </remarks>
internal static class EvalPathWarmUp
{
    private const string CannedCompletion =
        """{"id":"chatcmpl-warm-up","object":"chat.completion","created":0,"model":"warm-up","choices":[{"index":0,"message":{"role":"assistant","content":"{\"answer\":\"warm-up\"}","refusal":null},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

    /// <summary>Runs the warm-up; never throws (cancelled, it just stops).</summary>
    /// <returns>True when the throwaway case went the whole way: answered over HTTP, parsed and scored without error.</returns>
    /// <param name="settings">The run's options: temperature, token limit, response format and scorers are copied, so the same code paths are compiled.</param>
    /// <param name="localScorers">Scorers that make no model call (a judge would reach the real endpoint).</param>
    /// <param name="cancellationToken">Cancels the warm-up.</param>
    public static async Task<bool> RunAsync(EvalRunOptions settings, IEnumerable<IEvalScorer> localScorers, CancellationToken cancellationToken)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var responder = RespondAsync(listener, stop.Token);

            using var handler = new SocketsHttpHandler();
            using var http = new HttpClient(handler);
            var clientOptions = new OpenAIFineTuneProviderOptions { Endpoint = $"http://127.0.0.1:{port}/v1", ApiKey = "warm-up" };
            clientOptions.Resilience.MaxRetryAttempts = 0;
            clientOptions.Resilience.CircuitBreakerEnabled = false;
            clientOptions.Resilience.AttemptTimeout = null;
            using var client = new OpenAIChatClient(clientOptions, http);

            var options = new EvalRunOptions
            {
                Temperature = settings.Temperature,
                MaxOutputTokens = settings.MaxOutputTokens,
                ResponseFormat = settings.ResponseFormat,
                Seed = settings.Seed,
                MaxConcurrency = 1,
                MaxRetries = 0,
            };
            foreach (var scorer in localScorers)
            {
                options.Scorers.Add(scorer);
            }

            var warmUpCase = new GoldenCase("warm-up", [new ChatMessage(ChatRole.User, "warm-up")], """{"answer":"warm-up"}""");
            var answered = false;
            await foreach (var result in new EvalRunner().RunAsync([warmUpCase], [new ModelVariant("warm-up", "warm-up", client)], options, null, cancellationToken).ConfigureAwait(false))
            {
                answered = result.Error is null && result.Output is not null && result.Scores.All(s => s.ScorerError is null);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            listener.Stop();
            await responder.ConfigureAwait(false);
            return answered;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false; // cancelled or failed: a colder start, nothing worse
        }
    }

    /// <summary>Answers every HTTP/1.1 request on every accepted connection with <see cref="CannedCompletion"/>.</summary>
    private static async Task RespondAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(CannedCompletion);
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
        var buffer = new byte[16 * 1024];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                using var socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
                var filled = 0;
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    filled += read;
                    if (TryTakeRequest(buffer.AsSpan(0, filled), out var consumed))
                    {
                        buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                        filled -= consumed;
                        await socket.SendAsync(head, cancellationToken).ConfigureAwait(false);
                        await socket.SendAsync(body, cancellationToken).ConfigureAwait(false);
                    }
                    else if (filled == buffer.Length)
                    {
                        break; // not a request this responder understands
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }

    /// <summary>True when <paramref name="data"/> starts with a whole request (headers and a Content-Length body).</summary>
    private static bool TryTakeRequest(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }

        var headers = Encoding.ASCII.GetString(data[..end]);
        var length = 0;
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                _ = int.TryParse(line.AsSpan("Content-Length:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture, out length);
            }
        }

        if (data.Length < end + 4 + length)
        {
            return false;
        }

        consumed = end + 4 + length;
        return true;
    }
}
