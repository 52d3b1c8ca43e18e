using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Bedrock.Tests;

public sealed class BedrockChatClientTests
{
    private const string Provisioned = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456";

    [Fact]
    public async Task GetResponseAsync_SystemMessagesOptions_SendsConverseAndMapsAnswerUsageStopReason()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, """
            {"output":{"message":{"role":"assistant","content":[{"text":"Paris."}]}},"stopReason":"end_turn",
             "usage":{"inputTokens":12,"outputTokens":2,"totalTokens":14},"metrics":{"latencyMs":35}}
            """));
        using var client = new BedrockChatClient(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Be terse."), new ChatMessage(ChatRole.User, "Capital of France?")],
            new ChatOptions { ModelId = Provisioned, MaxOutputTokens = 50, Temperature = 0.2f, StopSequences = ["\n\n"] });

        response.Text.Should().Be("Paris.");
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
        response.Usage!.InputTokenCount.Should().Be(12);
        response.Usage.OutputTokenCount.Should().Be(2);
        response.AdditionalProperties![BedrockChatClient.LatencyPropertyName].Should().Be(35d);
        var request = server.Requests.Single();
        request.RawPath.Should().Be("/model/" + Uri.EscapeDataString(Provisioned) + "/converse");
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("system")[0].GetProperty("text").GetString().Should().Be("Be terse.");
        body.RootElement.GetProperty("messages")[0].GetProperty("role").GetString().Should().Be("user");
        body.RootElement.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString().Should().Be("Capital of France?");
        body.RootElement.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32().Should().Be(50);
        body.RootElement.GetProperty("inferenceConfig").GetProperty("stopSequences")[0].GetString().Should().Be("\n\n");
    }

    [Fact]
    public async Task GetResponseAsync_Tools_SendsToolConfigAndReturnsFunctionCall()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, """
            {"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"weather","input":{"city":"Oslo"}}}]}},
             "stopReason":"tool_use","usage":{"inputTokens":5,"outputTokens":3,"totalTokens":8},"metrics":{"latencyMs":1}}
            """));
        using var client = new BedrockChatClient(server.ProviderOptions(), StubAwsServer.AwsOptions());
        var tool = AIFunctionFactory.Create((string city) => "sunny", "weather", "Gets the weather");

        var response = await client.GetResponseAsync(
            [
                new ChatMessage(ChatRole.User, "Weather in Oslo?"),
                new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("t0", "weather", new Dictionary<string, object?> { ["city"] = "Bergen" })]),
                new ChatMessage(ChatRole.Tool, [new FunctionResultContent("t0", "rain")]),
                new ChatMessage(ChatRole.User, "And Oslo?"),
            ],
            new ChatOptions { ModelId = "amazon.nova-micro-v1:0", Tools = [tool], ToolMode = ChatToolMode.Auto });

        response.FinishReason.Should().Be(ChatFinishReason.ToolCalls);
        var call = response.Messages.Single().Contents.OfType<FunctionCallContent>().Single();
        call.CallId.Should().Be("t1");
        call.Name.Should().Be("weather");
        call.Arguments!["city"]!.ToString().Should().Be("Oslo");
        using var body = JsonDocument.Parse(server.Requests.Single().Body);
        var messages = body.RootElement.GetProperty("messages");
        messages.GetArrayLength().Should().Be(3, "the tool result and the next user turn merge into one user message");
        messages[1].GetProperty("content")[0].GetProperty("toolUse").GetProperty("input").GetProperty("city").GetString().Should().Be("Bergen");
        messages[2].GetProperty("content")[0].GetProperty("toolResult").GetProperty("content")[0].GetProperty("text").GetString().Should().Be("rain");
        messages[2].GetProperty("content")[1].GetProperty("text").GetString().Should().Be("And Oslo?");
        var spec = body.RootElement.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec");
        spec.GetProperty("name").GetString().Should().Be("weather");
        spec.GetProperty("inputSchema").GetProperty("json").GetProperty("properties").GetProperty("city").GetProperty("type").GetString().Should().Be("string");
        body.RootElement.GetProperty("toolConfig").GetProperty("toolChoice").TryGetProperty("auto", out _).Should().BeTrue();
    }

    [Fact]
    public async Task GetStreamingResponseAsync_EventStream_YieldsTextToolCallStopReasonAndUsage()
    {
        static byte[] Event(string type, string json) => EventStreamReader.Encode(
            [new(":event-type", type), new(":content-type", "application/json"), new(":message-type", "event")], Encoding.UTF8.GetBytes(json));
        var stream = new MemoryStream();
        foreach (var frame in new[]
        {
            Event("messageStart", "{\"role\":\"assistant\"}"),
            Event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hel\"}}"),
            Event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"lo\"}}"),
            Event("contentBlockStop", "{\"contentBlockIndex\":0}"),
            Event("contentBlockStart", "{\"contentBlockIndex\":1,\"start\":{\"toolUse\":{\"toolUseId\":\"t9\",\"name\":\"lookup\"}}}"),
            Event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"{\\\"q\\\":\"}}}"),
            Event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"\\\"x\\\"}\"}}}"),
            Event("contentBlockStop", "{\"contentBlockIndex\":1}"),
            Event("messageStop", "{\"stopReason\":\"tool_use\"}"),
            Event("metadata", "{\"usage\":{\"inputTokens\":4,\"outputTokens\":6,\"totalTokens\":10},\"metrics\":{\"latencyMs\":20}}"),
        })
        {
            stream.Write(frame);
        }

        await using var server = new StubAwsServer(_ => new StubResponse(200, "application/vnd.amazon.eventstream", stream.ToArray()));
        using var client = new BedrockChatClient(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = Provisioned }))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        response.Text.Should().Be("Hello");
        response.FinishReason.Should().Be(ChatFinishReason.ToolCalls);
        response.Usage!.TotalTokenCount.Should().Be(10);
        var call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        call.Name.Should().Be("lookup");
        call.Arguments!["q"]!.ToString().Should().Be("x");
        server.Requests.Single().RawPath.Should().EndWith("/converse-stream");
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ThrottlingExceptionEvent_ThrowsTransient()
    {
        var frame = EventStreamReader.Encode(
            [new(":exception-type", "throttlingException"), new(":content-type", "application/json"), new(":message-type", "exception")],
            Encoding.UTF8.GetBytes("{\"message\":\"slow down\"}"));
        await using var server = new StubAwsServer(_ => new StubResponse(200, "application/vnd.amazon.eventstream", frame));
        using var client = new BedrockChatClient(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var act = async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "m" }))
            {
            }
        };

        var ex = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().Be(429);
        ex.Message.Should().Contain("slow down");
    }

    [Fact]
    public async Task GetResponseAsync_NoModel_ThrowsNamingTheOptions()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, "{}"));
        using var client = new BedrockChatClient(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var act = () => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*DefaultChatModel*");
    }
}
