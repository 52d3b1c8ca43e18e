using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// Turns ConverseStream event-stream messages into <see cref="ChatResponseUpdate"/>s: text deltas as they come,
/// a tool call once its block stops (its JSON input arrives in fragments), the stop reason, and usage with the
/// service latency. An <c>exception</c> message becomes a <see cref="FineTuneException"/>.
/// </summary>
internal static class ConverseStreamDecoder
{
    public static ChatResponseUpdate? Decode(EventStreamMessage message, Dictionary<int, (string Id, string Name, StringBuilder Input)> tools)
    {
        var messageType = message.Header(":message-type");
        if (messageType == "exception")
        {
            throw BedrockErrors.FromStreamException(message.Header(":exception-type"), message.Payload, "ConverseStream");
        }

        if (messageType == "error")
        {
            throw new FineTuneException($"Bedrock ConverseStream failed: {message.Header(":error-code")} {message.Header(":error-message")}") { Provider = BedrockErrors.Provider };
        }

        var context = BedrockJsonContext.Default;
        switch (message.Header(":event-type"))
        {
            case "messageStart":
                return null;
            case "contentBlockStart":
                {
                    var start = JsonSerializer.Deserialize(message.Payload, context.ContentBlockStartEvent);
                    if (start?.Start?.ToolUse is { } toolUse)
                    {
                        tools[start.ContentBlockIndex] = (toolUse.ToolUseId, toolUse.Name, new StringBuilder());
                    }

                    return null;
                }

            case "contentBlockDelta":
                {
                    var delta = JsonSerializer.Deserialize(message.Payload, context.ContentBlockDeltaEvent);
                    if (delta?.Delta?.Text is { } text)
                    {
                        return new ChatResponseUpdate(ChatRole.Assistant, text) { RawRepresentation = delta };
                    }

                    if (delta?.Delta?.ToolUse is { } fragment && tools.TryGetValue(delta.ContentBlockIndex, out var tool))
                    {
                        tool.Input.Append(fragment.Input);
                    }

                    return null;
                }

            case "contentBlockStop":
                {
                    var stop = JsonSerializer.Deserialize(message.Payload, context.ContentBlockStopEvent);
                    if (stop is not null && tools.Remove(stop.ContentBlockIndex, out var tool))
                    {
                        return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent(tool.Id, tool.Name, BedrockChatClient.ParseArguments(tool.Input.ToString()))]);
                    }

                    return null;
                }

            case "messageStop":
                {
                    var stop = JsonSerializer.Deserialize(message.Payload, context.MessageStopEvent);
                    return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = BedrockChatClient.ToFinishReason(stop?.StopReason), RawRepresentation = stop };
                }

            case "metadata":
                {
                    var metadata = JsonSerializer.Deserialize(message.Payload, context.StreamMetadataEvent);
                    var update = new ChatResponseUpdate { Role = ChatRole.Assistant, RawRepresentation = metadata };
                    if (metadata?.Usage is { } usage)
                    {
                        update.Contents.Add(new UsageContent(BedrockChatClient.ToUsage(usage)));
                    }

                    if (metadata?.Metrics is { } metrics)
                    {
                        update.AdditionalProperties = new AdditionalPropertiesDictionary { [BedrockChatClient.LatencyPropertyName] = (double)metrics.LatencyMs };
                    }

                    return update;
                }

            default:
                return null;
        }
    }
}
