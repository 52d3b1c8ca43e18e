using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Source-generated log messages of the evaluation area (event ids 3xxx). Never logs prompts or outputs.</summary>
internal static partial class EvalLog
{
    [LoggerMessage(3001, LogLevel.Information, "Eval run started: {Cases} cases x {Variants} variants, {Pending} pending, concurrency {Concurrency}.")]
    public static partial void RunStarted(ILogger logger, int cases, int variants, int pending, int concurrency);

    [LoggerMessage(3002, LogLevel.Information, "Eval run resumed {Resumed} finished results from the run file.")]
    public static partial void RunResumed(ILogger logger, int resumed);

    [LoggerMessage(3003, LogLevel.Warning, "Eval case {CaseId} failed on variant {Variant} after {Attempts} attempts: {Reason}")]
    public static partial void CaseFailed(ILogger logger, ScrubbedText caseId, ScrubbedText variant, int attempts, ScrubbedText reason);

    [LoggerMessage(3004, LogLevel.Debug, "Eval call retried (attempt {Attempt}) after {DelayMs} ms.")]
    public static partial void Retrying(ILogger logger, int attempt, double delayMs);

    [LoggerMessage(3005, LogLevel.Information, "Eval run finished: {Completed} results, {Failed} failed, {Cached} cached.")]
    public static partial void RunFinished(ILogger logger, int completed, int failed, int cached);

    [LoggerMessage(3006, LogLevel.Warning, "Eval run file line {Line} is not a valid result and was ignored.")]
    public static partial void RunFileLineIgnored(ILogger logger, long line);
}
