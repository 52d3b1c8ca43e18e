using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.OpenAI;

/// <summary>Log messages of the OpenAI adapter (jobs area, event ids 2100-2199). File names are logged; contents and keys never.</summary>
internal static partial class OpenAILog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Reused OpenAI file {FileId} ({FileName}, {Bytes} bytes): identical content is already stored.")]
    public static partial void FileReused(ILogger logger, string fileId, string fileName, long bytes);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Uploaded OpenAI file {FileId} ({FileName}, {Bytes} bytes, {Parts} part(s)).")]
    public static partial void FileUploaded(ILogger logger, string fileId, string fileName, long bytes, int parts);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Created OpenAI fine-tuning job {JobId} on {BaseModel} ({Method}).")]
    public static partial void JobCreated(ILogger logger, string jobId, string baseModel, string method);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Found OpenAI job {JobId} carrying the idempotency key; no second job was created.")]
    public static partial void JobFoundByIdempotencyKey(ILogger logger, string jobId);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Error, Message = "OpenAI refused job creation (HTTP {StatusCode}, {Code}): the fine-tuning wind-down applies to this organization.")]
    public static partial void JobCreationRefused(ILogger logger, int statusCode, string code);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Debug, Message = "Chat completion on {Model}: {InputTokens} in, {OutputTokens} out, {LatencyMs} ms.")]
    public static partial void ChatCompleted(ILogger logger, string model, long inputTokens, long outputTokens, double latencyMs);
}
