using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// Holds each request until it fits the requests-per-minute and tokens-per-minute limits (a sliding one-minute
/// window). Placed under the retry layer, every attempt counts. Tokens are estimated before the call as prompt
/// characters / 4 plus the output-token limit (or 256).
/// </summary>
/// <remarks>Thread-safe; one instance limits every caller of the pipeline (for example all variants of a run).</remarks>
internal sealed class RateLimitingChatClient(IChatClient innerClient, int? requestsPerMinute, int? tokensPerMinute, TimeProvider timeProvider)
    : DelegatingChatClient(innerClient)
{
    private readonly RequestRateLimiter _limiter = new(requestsPerMinute, tokensPerMinute, timeProvider);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyCollection<ChatMessage> ?? messages.ToList();
        await _limiter.WaitAsync(Estimate(list, options), cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyCollection<ChatMessage> ?? messages.ToList();
        await _limiter.WaitAsync(Estimate(list, options), cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _limiter.Dispose();
        }

        base.Dispose(disposing);
    }

    internal static int Estimate(IEnumerable<ChatMessage> messages, ChatOptions? options)
        => messages.Sum(m => m.Text.Length / 4) + (options?.MaxOutputTokens ?? 256);
}
