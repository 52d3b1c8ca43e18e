using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.OpenAI.Tests;

public sealed class OpenAIChatClientEmulatorTests
{
    [Fact]
    public async Task GetResponseAsync_JsonFormatOnBaseModel_ReturnsUsageLatencyAndFinishReason()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var chat = new OpenAIChatClient(new OpenAIFineTuneProviderOptions { Endpoint = scope.Endpoint.ToString(), ApiKey = "sk", DefaultChatModel = "gpt-4o-mini-2024-07-18" });

        var reply = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Who discovered Antarctica?")], new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = 0 });

        reply.ModelId.Should().StartWith("gpt-4o-mini");
        reply.FinishReason.Should().Be(ChatFinishReason.Stop);
        reply.Usage!.TotalTokenCount.Should().Be(reply.Usage.InputTokenCount + reply.Usage.OutputTokenCount);
        ((double)reply.AdditionalProperties![OpenAIChatClient.LatencyPropertyName]!).Should().BeGreaterThanOrEqualTo(0);
        reply.RawRepresentation.Should().NotBeNull();
        chat.GetService<ChatClientMetadata>()!.ProviderName.Should().Be("openai");
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConcatenatedUpdates_EqualNonStreamingText()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var chat = new OpenAIChatClient(new OpenAIFineTuneProviderOptions { Endpoint = scope.Endpoint.ToString(), ApiKey = "sk", DefaultChatModel = "gpt-4o-mini-2024-07-18" });
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
    public async Task GetResponseAsync_NoModelAnywhere_ThrowsSayingWhereToSetIt()
    {
        var chat = new OpenAIChatClient(new OpenAIFineTuneProviderOptions { Endpoint = "http://127.0.0.1:1/v1", ApiKey = "sk" });

        var act = () => chat.GetResponseAsync("hi");

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*ChatOptions.ModelId*DefaultChatModel*");
    }

    [Fact]
    public async Task GetResponseAsync_ToolRole_IsRejectedClearly()
    {
        var chat = new OpenAIChatClient(new OpenAIFineTuneProviderOptions { Endpoint = "http://127.0.0.1:1/v1", ApiKey = "sk", DefaultChatModel = "m" });

        var act = () => chat.GetResponseAsync([new ChatMessage(ChatRole.Tool, "x")]);

        await act.Should().ThrowAsync<NotSupportedException>().WithMessage("*role 'tool'*");
    }

    [Fact]
    public async Task GetResponseAsync_429Storm_RetriedWithinBudget()
    {
        await using var scope = await EmulatorScope.StartAsync();
        scope.Emulator.Options.RateLimitNextRequests = 2;
        scope.Emulator.Options.RetryAfter = TimeSpan.FromSeconds(2);
        var options = new OpenAIFineTuneProviderOptions { Endpoint = scope.Endpoint.ToString(), ApiKey = "sk", DefaultChatModel = "gpt-4o-mini-2024-07-18" };
        options.Resilience.AttemptTimeout = null;
        var chat = new OpenAIChatClient(options, timeProvider: scope.Clock);

        var reply = await chat.GetResponseAsync("hello");

        reply.Text.Should().NotBeEmpty();
        scope.Emulator.RequestCount.Should().Be(3);
        scope.Clock.Delays.Should().Equal(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        JsonSerializer.Serialize(reply.Usage!.InputTokenCount).Should().NotBe("0");
    }
}
