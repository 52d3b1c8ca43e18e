using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Log messages of the jobs area (event ids 2000-2099; adapters use 2100 and up).</summary>
internal static partial class JobsLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Job {JobId} on {Provider} changed status from {OldStatus} to {NewStatus}.")]
    public static partial void JobStatusChanged(ILogger logger, ScrubbedText jobId, ScrubbedText provider, ScrubbedText oldStatus, ScrubbedText newStatus);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Job {JobId}: next poll in {DelayMs} ms.")]
    public static partial void PollScheduled(ILogger logger, ScrubbedText jobId, double delayMs);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Waiting for job {JobId} timed out after {Timeout}; last status {Status}.")]
    public static partial void WaitTimedOut(ILogger logger, ScrubbedText jobId, TimeSpan timeout, ScrubbedText status);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "{Provider} call {Operation} failed; retry {Attempt} in {DelayMs} ms (HTTP {StatusCode}, {ExceptionType}).")]
    public static partial void RetryScheduled(ILogger logger, ScrubbedText provider, string operation, int attempt, double delayMs, int statusCode, string exceptionType);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Circuit breaker for {Provider} opened for {BreakSeconds} s after repeated failures.")]
    public static partial void CircuitOpened(ILogger logger, ScrubbedText provider, double breakSeconds);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Job {JobId} on {Provider} finished with status {Status}.")]
    public static partial void JobFinished(ILogger logger, ScrubbedText jobId, ScrubbedText provider, ScrubbedText status);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Uploaded file {FileId} ({FileName}, {Bytes} bytes) to {Provider}.")]
    public static partial void FileUploaded(ILogger logger, ScrubbedText provider, ScrubbedText fileId, ScrubbedText fileName, long bytes);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Reused file {FileId} ({FileName}, {Bytes} bytes) on {Provider}: identical content is already stored.")]
    public static partial void FileReused(ILogger logger, ScrubbedText provider, ScrubbedText fileId, ScrubbedText fileName, long bytes);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Started job {JobId} on {Provider}: {BaseModel} ({Method}).")]
    public static partial void JobStarted(ILogger logger, ScrubbedText provider, ScrubbedText jobId, ScrubbedText baseModel, ScrubbedText method);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Information, Message = "Found job {JobId} on {Provider} carrying the idempotency key; no second job was created.")]
    public static partial void JobFoundByIdempotencyKey(ILogger logger, ScrubbedText jobId, ScrubbedText provider);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Error, Message = "{Provider} refused job creation (HTTP {StatusCode}, {Code}): this account can no longer create jobs there.")]
    public static partial void JobCreationRefused(ILogger logger, ScrubbedText provider, int statusCode, ScrubbedText code);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Warning, Message = "{Provider} call {Operation} failed (HTTP {StatusCode}, {Code}, {ExceptionType}).")]
    public static partial void CallFailed(ILogger logger, ScrubbedText provider, string operation, int statusCode, ScrubbedText code, string exceptionType);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Information, Message = "{Provider} call {Operation} on job {JobId} done; status {Status}.")]
    public static partial void JobStateChangeRequested(ILogger logger, ScrubbedText provider, string operation, ScrubbedText jobId, ScrubbedText status);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Debug, Message = "{Provider} call {Operation} done.")]
    public static partial void CallCompleted(ILogger logger, ScrubbedText provider, string operation);

    [LoggerMessage(EventId = 2018, Level = LogLevel.Debug, Message = "{Provider} list {Operation} done: {Count} item(s).")]
    public static partial void ListCompleted(ILogger logger, ScrubbedText provider, string operation, int count);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Polling job {JobId} failed transiently (HTTP {StatusCode}) after the provider's retries; polling again later.")]
    public static partial void PollFailed(ILogger logger, ScrubbedText jobId, int statusCode);
}
