using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Log messages of the jobs area (event ids 2000-2099; adapters use 2100 and up).</summary>
internal static partial class JobsLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Job {JobId} on {Provider} changed status from {OldStatus} to {NewStatus}.")]
    public static partial void JobStatusChanged(ILogger logger, string jobId, string provider, string oldStatus, string newStatus);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Job {JobId}: next poll in {DelayMs} ms.")]
    public static partial void PollScheduled(ILogger logger, string jobId, double delayMs);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Waiting for job {JobId} timed out after {Timeout}; last status {Status}.")]
    public static partial void WaitTimedOut(ILogger logger, string jobId, TimeSpan timeout, string status);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "{Provider} call {Operation} failed; retry {Attempt} in {DelayMs} ms (HTTP {StatusCode}, {ExceptionType}).")]
    public static partial void RetryScheduled(ILogger logger, string provider, string operation, int attempt, double delayMs, int statusCode, string exceptionType);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Circuit breaker for {Provider} opened for {BreakSeconds} s after repeated failures.")]
    public static partial void CircuitOpened(ILogger logger, string provider, double breakSeconds);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Job {JobId} on {Provider} finished with status {Status}.")]
    public static partial void JobFinished(ILogger logger, string jobId, string provider, string status);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Polling job {JobId} failed transiently (HTTP {StatusCode}) after the provider's retries; polling again later.")]
    public static partial void PollFailed(ILogger logger, string jobId, int statusCode);
}
