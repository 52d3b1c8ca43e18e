using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.OpenAI;

/// <summary>Log messages of the OpenAI adapter (event ids 2100-2199; the provider's own logging is LoggingFineTuneProvider's, 2010-2019). Contents and keys are never logged.</summary>
internal static partial class OpenAILog
{
    [LoggerMessage(EventId = 2106, Level = LogLevel.Debug, Message = "Chat completion on {Model}: {InputTokens} in, {OutputTokens} out, {LatencyMs} ms.")]
    public static partial void ChatCompleted(ILogger logger, ScrubbedText model, long inputTokens, long outputTokens, double latencyMs);
}
