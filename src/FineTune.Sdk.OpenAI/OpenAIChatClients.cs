using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using OaiChat = OpenAI.Chat;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// Builds the chat client evaluations call OpenAI (or any OpenAI-compatible endpoint) through: the OpenAI package's
/// chat client as an <see cref="IChatClient"/> (Microsoft.Extensions.AI.OpenAI's <c>AsIChatClient()</c>) with the
/// package's own retries off, under one error-mapping layer that turns OpenAI failures into <see cref="FineTuneException"/>
/// for both whole and streamed responses. Base and fine-tuned models alike are called by <see cref="ChatOptions.ModelId"/>.
/// </summary>
/// <example>
/// <code>
/// IChatClient chat = OpenAIChatClients.CreateBuilder(options)
///     .UseFineTunePipeline(new ChatPipelineOptions { RequestsPerMinute = 500 })
///     .Build();
/// </code>
/// </example>
public static class OpenAIChatClients
{
    /// <summary>
    /// Creates a <see cref="ChatClientBuilder"/> over the OpenAI chat-completions API with no retry layer of its own;
    /// add the pipeline with <see cref="FineTuneChatClientBuilderExtensions.UseFineTunePipeline"/>.
    /// </summary>
    /// <param name="options">Endpoint, key, organization, project and default model; validated here. Its <c>Resilience</c> is not used: retries belong to the chat pipeline.</param>
    /// <param name="httpClient">The HTTP client requests go through; the package's shared one when null. Not disposed.</param>
    /// <param name="timeProvider">The clock for the <c>Retry-After</c> dates of mapped errors.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ChatClientBuilder CreateBuilder(OpenAIFineTuneProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        var clientOptions = OpenAIFineTuneProvider.CreateClientOptions(options, httpClient);
        clientOptions.AddPolicy(new OpenAIResponseShapePolicy(OpenAIErrorMappingChatClient.Operation), System.ClientModel.Primitives.PipelinePosition.PerTry);

        // The package's ChatClient is bound to a model; ChatOptions.ModelId overrides it per request.
        var openAI = new OaiChat.ChatClient(options.DefaultChatModel ?? UnsetModel, new ApiKeyCredential(options.ResolveApiKey()!), clientOptions);
        return new ChatClientBuilder(new OpenAIErrorMappingChatClient(openAI.AsIChatClient(), options.DefaultChatModel, timeProvider ?? TimeProvider.System));
    }

    /// <summary>Creates the composed chat client: <see cref="CreateBuilder"/> plus <see cref="FineTuneChatClientBuilderExtensions.UseFineTunePipeline"/>.</summary>
    /// <param name="options">Endpoint, key and default model; validated here.</param>
    /// <param name="pipeline">Retry, rate-limit and cache settings; defaults when null.</param>
    /// <param name="httpClient">The HTTP client requests go through; the package's shared one when null. Not disposed.</param>
    /// <param name="timeProvider">The clock for retries, limits and latency.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>The chat client; dispose it when done.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IChatClient Create(OpenAIFineTuneProviderOptions options, ChatPipelineOptions? pipeline = null, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        => CreateBuilder(options, httpClient, timeProvider).UseFineTunePipeline(pipeline, timeProvider, loggerFactory).Build();

    internal const string UnsetModel = "unset-model";
}
