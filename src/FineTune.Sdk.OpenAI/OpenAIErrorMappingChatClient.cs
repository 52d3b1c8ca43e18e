using System.ClientModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// The one place OpenAI chat failures become <see cref="FineTuneException"/> (status, code, request id, Retry-After;
/// never the key), for whole and streamed responses alike, and where a call without any model is refused clearly.
/// </summary>
internal sealed class OpenAIErrorMappingChatClient(IChatClient innerClient, string? defaultModel, TimeProvider timeProvider) : DelegatingChatClient(innerClient)
{
    internal const string Operation = "chat.complete";

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        RequireModel(options);
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.Map(ex, Operation, timeProvider);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        RequireModel(options);
        var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
                {
                    throw OpenAIErrors.Map(ex, Operation, timeProvider);
                }

                yield return updates.Current;
            }
        }
    }

    private void RequireModel(ChatOptions? options)
    {
        if (options?.ModelId is null && defaultModel is null)
        {
            throw new InvalidOperationException("No model to call: set ChatOptions.ModelId or OpenAIFineTuneProviderOptions.DefaultChatModel.");
        }
    }
}
