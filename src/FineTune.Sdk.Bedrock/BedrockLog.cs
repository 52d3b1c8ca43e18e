using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Bedrock;

/// <summary>Log messages of the Bedrock adapter (event ids 22xx: jobs area). No credentials, signatures or rows.</summary>
internal static partial class BedrockLog
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Uploaded {Bytes} bytes to {S3Uri} ({Parts} part(s)).")]
    public static partial void FileUploaded(ILogger logger, ScrubbedText s3Uri, long bytes, int parts);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Created Bedrock customization job {JobArn} on {BaseModel}.")]
    public static partial void JobCreated(ILogger logger, ScrubbedText jobArn, ScrubbedText baseModel);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Information, Message = "Asked Bedrock to stop job {JobArn}.")]
    public static partial void JobStopRequested(ILogger logger, ScrubbedText jobArn);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Debug, Message = "Read {Rows} metric row(s) of job {JobArn} from {S3Uri}.")]
    public static partial void MetricsRead(ILogger logger, ScrubbedText jobArn, ScrubbedText s3Uri, int rows);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Debug, Message = "Converse on {Model}: {InputTokens} in, {OutputTokens} out, stop reason {StopReason}.")]
    public static partial void ConverseCompleted(ILogger logger, ScrubbedText model, long inputTokens, long outputTokens, ScrubbedText stopReason);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Information, Message = "Bedrock {Operation} {Arn} requested.")]
    public static partial void ModelOperation(ILogger logger, string operation, ScrubbedText arn);
}
