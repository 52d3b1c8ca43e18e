using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// <see cref="IChatClient"/> over Bedrock Runtime Converse and ConverseStream: system prompt, alternating
/// user/assistant messages, inference config (max tokens, temperature, top-p, stop sequences), tool use and tool
/// results, usage and stop reason. The model id is a foundation-model id, an inference profile, or — for a custom
/// model — its Provisioned Throughput ARN or on-demand deployment ARN. Plugs into the eval runner like the OpenAI one.
/// </summary>
/// <remarks>Thread-safe. No retries of its own: compose them with <c>ChatClientBuilder</c>.</remarks>
public sealed class BedrockChatClient : IChatClient
{
    /// <summary>The <see cref="ChatResponse.AdditionalProperties"/> key of the service-reported latency in milliseconds.</summary>
    public const string LatencyPropertyName = "latency_ms";

    private static readonly JsonSerializerOptions JsonOptions = AIJsonUtilities.DefaultOptions;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "IBedrockTransport is the one seam an AWSSDK.Bedrock implementation replaces.")]
    private readonly IBedrockTransport _transport;
    private readonly string? _defaultModel;
    private readonly ILogger _logger;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Initializes a new instance of the <see cref="BedrockChatClient"/> class.</summary>
    /// <param name="options">The options (region, endpoints, default model); validated here.</param>
    /// <param name="awsOptions">Credentials and region as configured for AWS SDK clients; AWSSDK.Core's default chains when null.</param>
    /// <param name="httpClient">The HTTP client; a shared one when null. Not disposed.</param>
    /// <param name="timeProvider">The clock used for signing; the system clock when null.</param>
    /// <param name="loggerFactory">The logger factory; no logging when null.</param>
    /// <exception cref="ArgumentException">The options are invalid or no region can be found.</exception>
    public BedrockChatClient(BedrockFineTuneProviderOptions options, AWSOptions? awsOptions = null, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        var endpoints = BedrockEndpoints.Resolve(options, awsOptions);
        _transport = new BedrockHttpTransport(httpClient, endpoints.ControlPlane, endpoints.Runtime, endpoints.Region, new BedrockCredentialSource(awsOptions), timeProvider ?? TimeProvider.System);
        _defaultModel = options.DefaultChatModel;
        _logger = (ILogger?)loggerFactory?.CreateLogger<BedrockChatClient>() ?? NullLogger.Instance;
        _metadata = new ChatClientMetadata(BedrockErrors.Provider, endpoints.Runtime, _defaultModel);
    }

    internal BedrockChatClient(IBedrockTransport transport, string? defaultModel, ILogger logger)
    {
        _transport = transport;
        _defaultModel = defaultModel;
        _logger = logger;
        _metadata = new ChatClientMetadata(BedrockErrors.Provider, null, defaultModel);
    }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = ResolveModel(options);
        var result = await _transport.ConverseAsync(model, ToBody(messages, options), cancellationToken).ConfigureAwait(false);
        var message = new ChatMessage(ChatRole.Assistant, [.. FromBlocks(result.Output?.Message?.Content)]) { RawRepresentation = result.Output?.Message };
        var usage = result.Usage is { } u ? ToUsage(u) : null;
        BedrockLog.ConverseCompleted(_logger, model, usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0, result.StopReason ?? "none");
        var extra = new AdditionalPropertiesDictionary { ["stopReason"] = result.StopReason };
        if (result.Metrics is { } metrics)
        {
            extra[LatencyPropertyName] = (double)metrics.LatencyMs;
        }

        return new ChatResponse(message)
        {
            ModelId = model,
            FinishReason = ToFinishReason(result.StopReason),
            Usage = usage,
            RawRepresentation = result,
            AdditionalProperties = extra,
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = ResolveModel(options);
        var tools = new Dictionary<int, (string Id, string Name, StringBuilder Input)>();
        await foreach (var message in _transport.ConverseStreamAsync(model, ToBody(messages, options), cancellationToken).ConfigureAwait(false))
        {
            if (ConverseStreamDecoder.Decode(message, tools) is { } update)
            {
                update.ModelId = model;
                yield return update;
            }
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
        // Nothing owned: the HTTP client is shared or the caller's.
    }

    internal static ConverseBody ToBody(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var system = new List<SystemBlockDto>();
        var wire = new List<MessageDto>();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                if (!string.IsNullOrEmpty(message.Text))
                {
                    system.Add(new SystemBlockDto(message.Text));
                }

                continue;
            }

            var role = message.Role == ChatRole.Assistant ? "assistant"
                : message.Role == ChatRole.User || message.Role == ChatRole.Tool ? "user"
                : throw new NotSupportedException($"Converse takes the roles system, user, assistant and tool; role '{message.Role}' is not supported.");
            var blocks = ToBlocks(message);
            if (blocks.Count == 0)
            {
                continue;
            }

            // Converse wants strictly alternating roles: consecutive messages of one role become one message.
            if (wire.Count > 0 && wire[^1].Role == role)
            {
                wire[^1].Content.AddRange(blocks);
            }
            else
            {
                wire.Add(new MessageDto(role, blocks));
            }
        }

        return new ConverseBody
        {
            System = system.Count == 0 ? null : system,
            Messages = wire,
            InferenceConfig = options is null || (options.MaxOutputTokens is null && options.Temperature is null && options.TopP is null && options.StopSequences is not { Count: > 0 })
                ? null
                : new InferenceConfigDto { MaxTokens = options.MaxOutputTokens, Temperature = options.Temperature, TopP = options.TopP, StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : null },
            ToolConfig = ToToolConfig(options),
        };
    }

    internal static ChatFinishReason? ToFinishReason(string? stopReason) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
        "max_tokens" or "model_context_window_exceeded" => ChatFinishReason.Length,
        "tool_use" => ChatFinishReason.ToolCalls,
        "guardrail_intervened" or "content_filtered" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(stopReason),
    };

    internal static UsageDetails ToUsage(UsageDto usage) => new()
    {
        InputTokenCount = usage.InputTokens,
        OutputTokenCount = usage.OutputTokens,
        TotalTokenCount = usage.TotalTokens,
        CachedInputTokenCount = usage.CacheReadInputTokens,
    };

    internal static Dictionary<string, object?>? ParseArguments(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        return (Dictionary<string, object?>?)JsonSerializer.Deserialize(json, JsonOptions.GetTypeInfo(typeof(Dictionary<string, object?>)));
    }

    private static List<ContentBlockDto> ToBlocks(ChatMessage message)
    {
        var blocks = new List<ContentBlockDto>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent { Text.Length: > 0 } text:
                    blocks.Add(new ContentBlockDto { Text = text.Text });
                    break;
                case FunctionCallContent call:
                    blocks.Add(new ContentBlockDto
                    {
                        ToolUse = new ToolUseDto(call.CallId, call.Name, JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), JsonOptions.GetTypeInfo(typeof(IDictionary<string, object?>)))),
                    });
                    break;
                case FunctionResultContent result:
                    blocks.Add(new ContentBlockDto
                    {
                        ToolResult = new ToolResultDto(
                            result.CallId,
                            [result.Result switch
                            {
                                string s => new ToolResultContentDto { Text = s },
                                JsonElement e when e.ValueKind == JsonValueKind.Object => new ToolResultContentDto { Json = e },
                                null => new ToolResultContentDto { Text = string.Empty },
                                var other => new ToolResultContentDto { Text = JsonSerializer.Serialize(other, JsonOptions.GetTypeInfo(other.GetType())) },
                            }],
                            result.Exception is null ? null : "error"),
                    });
                    break;
            }
        }

        return blocks;
    }

    private static IEnumerable<AIContent> FromBlocks(List<ContentBlockDto>? blocks)
    {
        foreach (var block in blocks ?? [])
        {
            if (block.Text is { } text)
            {
                yield return new TextContent(text) { RawRepresentation = block };
            }
            else if (block.ToolUse is { } toolUse)
            {
                yield return new FunctionCallContent(toolUse.ToolUseId, toolUse.Name, ParseArguments(toolUse.Input.GetRawText())) { RawRepresentation = block };
            }
        }
    }

    private static ToolConfigDto? ToToolConfig(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode)
        {
            return null;
        }

        var specs = new List<ToolDto>();
        foreach (var tool in tools)
        {
            if (tool is AIFunctionDeclaration function)
            {
                specs.Add(new ToolDto(new ToolSpecDto(function.Name, string.IsNullOrEmpty(function.Description) ? null : function.Description, new ToolInputSchemaDto(function.JsonSchema))));
            }
        }

        if (specs.Count == 0)
        {
            return null;
        }

        ToolChoiceDto? choice = options.ToolMode switch
        {
            RequiredChatToolMode { RequiredFunctionName: { } name } => new ToolChoiceDto { Tool = new SpecificToolDto(name) },
            RequiredChatToolMode => new ToolChoiceDto { Any = new EmptyDto() },
            AutoChatToolMode => new ToolChoiceDto { Auto = new EmptyDto() },
            _ => null,
        };
        return new ToolConfigDto(specs, choice);
    }

    private string ResolveModel(ChatOptions? options)
        => options?.ModelId ?? _defaultModel
        ?? throw new InvalidOperationException("No model to call: set ChatOptions.ModelId or BedrockFineTuneProviderOptions.DefaultChatModel (a model id, or a Provisioned Throughput / deployment ARN).");
}
