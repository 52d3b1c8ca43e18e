using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// Measures each request's latency on the injected clock and puts it, in milliseconds, in
/// <see cref="ChatPipelineProperties.LatencyMilliseconds"/> of the response (of the last update of a stream).
/// Placed innermost, it measures the request that answered, not retries or rate-limit waits.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class LatencyChatClient(IChatClient innerClient, TimeProvider timeProvider) : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var started = timeProvider.GetTimestamp();
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        (response.AdditionalProperties ??= [])[ChatPipelineProperties.LatencyMilliseconds] = timeProvider.GetElapsedTime(started).TotalMilliseconds;
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var started = timeProvider.GetTimestamp();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            if (update.FinishReason is not null)
            {
                (update.AdditionalProperties ??= [])[ChatPipelineProperties.LatencyMilliseconds] = timeProvider.GetElapsedTime(started).TotalMilliseconds;
            }

            yield return update;
        }
    }
}
