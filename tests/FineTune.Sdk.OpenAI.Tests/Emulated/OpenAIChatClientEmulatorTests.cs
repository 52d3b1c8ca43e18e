using System.Text;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.OpenAI.Tests;

/// <summary>The composed chat pipeline (AsIChatClient under our middleware) against the emulator over loopback HTTP.</summary>
public sealed class OpenAIChatClientEmulatorTests
{
    private const string Model = "gpt-4o-mini-2024-07-18";

    [Fact]
    public async Task GetResponseAsync_JsonFormatOnBaseModel_ReturnsUsageLatencyAndFinishReason()
    {
        await using var scope = await EmulatorScope.StartAsync();
        using var chat = OpenAIChatClients.Create(Options(scope));

        var reply = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Who discovered Antarctica?")], new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = 0 });

        reply.ModelId.Should().StartWith("gpt-4o-mini");
        reply.FinishReason.Should().Be(ChatFinishReason.Stop);
        reply.Usage!.InputTokenCount.Should().BeGreaterThan(0);
        reply.Usage.TotalTokenCount.Should().Be(reply.Usage.InputTokenCount + reply.Usage.OutputTokenCount);
        ((double)reply.AdditionalProperties![ChatPipelineProperties.LatencyMilliseconds]!).Should().BeGreaterThanOrEqualTo(0);
        reply.AdditionalProperties[ChatPipelineProperties.Attempts].Should().Be(1);
        reply.RawRepresentation.Should().NotBeNull();
        chat.GetService<ChatClientMetadata>()!.ProviderName.Should().Be("openai");
    }

    [Fact]
    public async Task GetResponseAsync_ModelIdInOptions_OverridesTheDefaultModel()
    {
        await using var scope = await EmulatorScope.StartAsync();
        using var chat = OpenAIChatClients.Create(Options(scope, defaultModel: null));

        var reply = await chat.GetResponseAsync("hello", new ChatOptions { ModelId = "gpt-4.1-mini-2025-04-14" });

        reply.ModelId.Should().StartWith("gpt-4.1-mini");
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConcatenatedUpdates_EqualNonStreamingText()
    {
        await using var scope = await EmulatorScope.StartAsync();
        using var chat = OpenAIChatClients.Create(Options(scope));
        ChatMessage[] prompt = [new(ChatRole.User, "Name a colour.")];

        var whole = await chat.GetResponseAsync(prompt, new ChatOptions { Seed = 1 });
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.GetStreamingResponseAsync(prompt, new ChatOptions { Seed = 1 }))
        {
            text.Append(update.Text);
            finish ??= update.FinishReason;
        }

        text.ToString().Should().Be(whole.Text);
        finish.Should().Be(ChatFinishReason.Stop);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ServerError_IsMappedAndRetriedNotRaw()
    {
        await using var scope = await EmulatorScope.StartAsync();
        scope.Emulator.Options.ServerErrorNextRequests = 1;
        using var chat = OpenAIChatClients.Create(Options(scope), new ChatPipelineOptions { RetryBaseDelay = TimeSpan.Zero });

        var text = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync("Name a colour."))
        {
            text.Append(update.Text);
        }

        text.Length.Should().BeGreaterThan(0);
        scope.Emulator.RequestCount.Should().Be(2, "the stream failed before its first update and was retried once");
    }

    [Fact]
    public async Task GetStreamingResponseAsync_BadRequest_ThrowsFineTuneExceptionNotClientResultException()
    {
        await using var scope = await EmulatorScope.StartAsync();
        using var chat = OpenAIChatClients.CreateBuilder(Options(scope)).Build();

        var act = async () =>
        {
            await foreach (var _ in chat.GetStreamingResponseAsync("hi", new ChatOptions { ModelId = "no-such-model" }))
            {
            }
        };

        var thrown = await act.Should().ThrowAsync<FineTuneException>();
        thrown.Which.Provider.Should().Be("openai");
        thrown.Which.StatusCode.Should().BeInRange(400, 499);
    }

    [Fact]
    public async Task GetResponseAsync_NoModelAnywhere_ThrowsSayingWhereToSetIt()
    {
        using var chat = OpenAIChatClients.Create(new OpenAIFineTuneProviderOptions { Endpoint = "http://127.0.0.1:1/v1", ApiKey = "sk" });

        var act = () => chat.GetResponseAsync("hi");

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*ChatOptions.ModelId*DefaultChatModel*");
    }

    [Fact]
    public async Task GetResponseAsync_429Storm_AtMostMaxRetriesPlusOneRequests()
    {
        await using var scope = await EmulatorScope.StartAsync(o =>
        {
            o.RateLimitRate = 1;
            o.RetryAfter = TimeSpan.FromMilliseconds(10);
        });
        using var chat = OpenAIChatClients.Create(Options(scope), new ChatPipelineOptions { MaxRetries = 2 });

        var act = () => chat.GetResponseAsync("hello");

        var thrown = await act.Should().ThrowAsync<FineTuneException>();
        thrown.Which.StatusCode.Should().Be(429);
        scope.Emulator.RequestCount.Should().Be(3, "our retry layer is the only one: the OpenAI package's retries are off");
    }

    [Fact]
    public async Task AddOpenAI_429Storm_OneCaseThroughDiMakesAtMostTheConfiguredCalls()
    {
        await using var scope = await EmulatorScope.StartAsync(o =>
        {
            o.RateLimitRate = 1;
            o.RetryAfter = TimeSpan.FromMilliseconds(10);
        });
        var services = new ServiceCollection();
        services.AddFineTuning().AddOpenAI(o =>
        {
            o.Endpoint = scope.Endpoint.ToString();
            o.ApiKey = "sk-emulator-test";
        });
        services.Configure<ChatPipelineOptions>(Microsoft.Extensions.Options.Options.DefaultName, o => o.MaxRetries = 3);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var chat = provider.GetRequiredKeyedService<IChatClient>(OpenAIFineTuningBuilderExtensions.DefaultServiceKey);
        var runner = provider.GetRequiredService<IEvalRunner>();
        GoldenCase[] cases = [new("c1", [new ChatMessage(ChatRole.User, "Who discovered Antarctica?")], "x")];

        var results = new List<EvalCaseResult>();
        await foreach (var result in runner.RunAsync(cases, [new ModelVariant("base", Model, chat)]))
        {
            results.Add(result);
        }

        scope.Emulator.RequestCount.Should().Be(4, "MaxRetries 3: one call and three retries, nothing retried underneath");
        results.Single().Attempts.Should().Be(4);
        results.Single().Error.Should().Contain("HTTP 429");
    }

    [Fact]
    public async Task AddOpenAI_ChatClient_IsKeyedOnlyAndValidatedAtStart()
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddOpenAI(o => o.ApiKey = "sk");
        services.Configure<ChatPipelineOptions>(Microsoft.Extensions.Options.Options.DefaultName, o => o.MaxRetries = -1);
        await using var provider = services.BuildServiceProvider();

        provider.GetService<IChatClient>().Should().BeNull("the app's unkeyed chat client is not registered for it");
        var start = () => provider.GetRequiredService<IOptionsMonitor<ChatPipelineOptions>>().Get(Microsoft.Extensions.Options.Options.DefaultName);
        start.Should().Throw<OptionsValidationException>().WithMessage("*MaxRetries must be between 0 and 100; it was -1.*");
    }

    private static OpenAIFineTuneProviderOptions Options(EmulatorScope scope, string? defaultModel = Model)
        => new() { Endpoint = scope.Endpoint.ToString(), ApiKey = "sk-emulator-test", DefaultChatModel = defaultModel };
}
