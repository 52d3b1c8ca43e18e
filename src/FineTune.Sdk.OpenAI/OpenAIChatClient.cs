using System.ClientModel;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenAI;
using OaiChat = OpenAI.Chat;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> over the OpenAI chat-completions API (through the OpenAI package's <c>ChatClient</c>),
/// so evaluations call base and fine-tuned models alike (<c>ChatOptions.ModelId = "ft:..."</c>). Responses carry
/// usage, and the call's latency in <see cref="ChatResponse.AdditionalProperties"/> under <see cref="LatencyPropertyName"/>;
/// <see cref="ChatResponseFormat.Json"/> and JSON-schema formats are honoured. Text messages only.
/// </summary>
/// <remarks>Thread-safe. Calls go through the same resilience pipeline design as the provider (retried as idempotent).</remarks>
public sealed class OpenAIChatClient : IChatClient
{
    /// <summary>The key of the call's latency, in milliseconds (a <see cref="double"/>), in the response's additional properties.</summary>
    public const string LatencyPropertyName = "latency_ms";

    private readonly OpenAIFineTuneProviderOptions _options;
    private readonly ApiKeyCredential _credential;
    private readonly HttpClient? _httpClient;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FineTuneResiliencePipeline _resilience;
    private readonly ConcurrentDictionary<string, OaiChat.ChatClient> _clients = new(StringComparer.Ordinal);
    private readonly ChatClientMetadata _metadata;

    /// <summary>Initializes a new instance of the <see cref="OpenAIChatClient"/> class.</summary>
    /// <param name="options">The options (endpoint, key, default model, resilience); validated here.</param>
    /// <param name="httpClient">The HTTP client requests go through; the package's shared one when null. Not disposed.</param>
    /// <param name="timeProvider">The clock for latency, retries and timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">The logger factory; no logging when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public OpenAIChatClient(OpenAIFineTuneProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _credential = new ApiKeyCredential(options.ResolveApiKey()!);
        _httpClient = httpClient;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<OpenAIChatClient>() ?? NullLogger.Instance;
        _resilience = new FineTuneResiliencePipeline(OpenAIErrors.Provider, options.Resilience, _time, _logger);
        _metadata = new ChatClientMetadata(OpenAIErrors.Provider, options.ResolveEndpoint(), options.DefaultChatModel);
    }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = ResolveModel(options);
        var client = GetClient(model);
        var openAIMessages = ToOpenAI(messages);
        var completionOptions = ToOpenAI(options);
        var started = _time.GetTimestamp();
        var completion = await _resilience.ExecuteAsync(
            "chat.complete",
            idempotent: true,
            async token =>
            {
                try
                {
                    return (await client.CompleteChatAsync(openAIMessages, completionOptions, token).ConfigureAwait(false)).Value;
                }
                catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
                {
                    throw OpenAIErrors.Map(ex, "chat.complete", _time);
                }
            },
            cancellationToken).ConfigureAwait(false);
        var latency = _time.GetElapsedTime(started).TotalMilliseconds;

        var text = new StringBuilder();
        foreach (var part in completion.Content)
        {
            if (part.Kind == OaiChat.ChatMessageContentPartKind.Text)
            {
                text.Append(part.Text);
            }
        }

        var usage = completion.Usage is { } u
            ? new UsageDetails { InputTokenCount = u.InputTokenCount, OutputTokenCount = u.OutputTokenCount, TotalTokenCount = u.TotalTokenCount }
            : null;
        OpenAILog.ChatCompleted(_logger, completion.Model ?? model, usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0, latency);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()) { RawRepresentation = completion })
        {
            ResponseId = completion.Id,
            ModelId = completion.Model ?? model,
            CreatedAt = completion.CreatedAt,
            FinishReason = ToFinishReason(completion.FinishReason),
            Usage = usage,
            RawRepresentation = completion,
            AdditionalProperties = new AdditionalPropertiesDictionary { [LatencyPropertyName] = latency },
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = ResolveModel(options);
        var client = GetClient(model);
        var started = _time.GetTimestamp();
        var updates = client.CompleteChatStreamingAsync(ToOpenAI(messages), ToOpenAI(options), cancellationToken);
        await foreach (var update in updates.ConfigureAwait(false))
        {
            var text = new StringBuilder();
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            var result = new ChatResponseUpdate(ChatRole.Assistant, text.ToString())
            {
                ResponseId = update.CompletionId,
                ModelId = update.Model ?? model,
                CreatedAt = update.CreatedAt,
                FinishReason = update.FinishReason is { } reason ? ToFinishReason(reason) : null,
                RawRepresentation = update,
            };
            if (update.Usage is { } u)
            {
                result.Contents.Add(new UsageContent(new UsageDetails { InputTokenCount = u.InputTokenCount, OutputTokenCount = u.OutputTokenCount, TotalTokenCount = u.TotalTokenCount }));
            }

            if (update.FinishReason is not null)
            {
                result.AdditionalProperties = new AdditionalPropertiesDictionary { [LatencyPropertyName] = _time.GetElapsedTime(started).TotalMilliseconds };
            }

            yield return result;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Nothing owned: the HTTP client belongs to the caller.
    }

    private string ResolveModel(ChatOptions? options)
        => options?.ModelId ?? _options.DefaultChatModel
        ?? throw new InvalidOperationException("No model to call: set ChatOptions.ModelId or OpenAIFineTuneProviderOptions.DefaultChatModel.");

    private OaiChat.ChatClient GetClient(string model)
        => _clients.GetOrAdd(model, m => new OaiChat.ChatClient(m, _credential, OpenAIFineTuneProvider.CreateClientOptions(_options, _httpClient)));

    private static List<OaiChat.ChatMessage> ToOpenAI(IEnumerable<ChatMessage> messages)
    {
        var result = new List<OaiChat.ChatMessage>();
        foreach (var message in messages)
        {
            var text = message.Text;
            if (message.Role == ChatRole.System)
            {
                result.Add(new OaiChat.SystemChatMessage(text));
            }
            else if (message.Role == ChatRole.User)
            {
                result.Add(new OaiChat.UserChatMessage(text));
            }
            else if (message.Role == ChatRole.Assistant)
            {
                result.Add(new OaiChat.AssistantChatMessage(text));
            }
            else
            {
                throw new NotSupportedException($"OpenAIChatClient sends text messages with the roles system, user and assistant; role '{message.Role}' is not supported.");
            }
        }

        return result;
    }

    private static OaiChat.ChatCompletionOptions ToOpenAI(ChatOptions? options)
    {
        var result = new OaiChat.ChatCompletionOptions();
        if (options is null)
        {
            return result;
        }

        result.Temperature = options.Temperature;
        result.TopP = options.TopP;
        result.MaxOutputTokenCount = options.MaxOutputTokens;
        result.FrequencyPenalty = options.FrequencyPenalty;
        result.PresencePenalty = options.PresencePenalty;
        result.Seed = options.Seed;
        if (options.StopSequences is { } stops)
        {
            foreach (var stop in stops)
            {
                result.StopSequences.Add(stop);
            }
        }

        result.ResponseFormat = options.ResponseFormat switch
        {
            ChatResponseFormatJson { Schema: { } schema } json => OaiChat.ChatResponseFormat.CreateJsonSchemaFormat(
                json.SchemaName ?? "response", BinaryData.FromString(schema.GetRawText()), json.SchemaDescription),
            ChatResponseFormatJson => OaiChat.ChatResponseFormat.CreateJsonObjectFormat(),
            ChatResponseFormatText => OaiChat.ChatResponseFormat.CreateTextFormat(),
            _ => null,
        };
        return result;
    }

    private static ChatFinishReason? ToFinishReason(OaiChat.ChatFinishReason reason) => reason switch
    {
        OaiChat.ChatFinishReason.Stop => ChatFinishReason.Stop,
        OaiChat.ChatFinishReason.Length => ChatFinishReason.Length,
        OaiChat.ChatFinishReason.ContentFilter => ChatFinishReason.ContentFilter,
        OaiChat.ChatFinishReason.ToolCalls or OaiChat.ChatFinishReason.FunctionCall => ChatFinishReason.ToolCalls,
        _ => null,
    };
}
