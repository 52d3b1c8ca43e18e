using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Source-generated log messages of the registry (event ids 4xxx).</summary>
internal static partial class RegistryLog
{
    [LoggerMessage(4001, LogLevel.Information, "Registry {Operation} of {Feature}/{Variant} committed as version {Version} by {Actor} (forced: {Forced}).")]
    public static partial void Committed(ILogger logger, string operation, ScrubbedText feature, ScrubbedText variant, long version, ScrubbedText actor, bool forced);

    [LoggerMessage(4002, LogLevel.Debug, "Registry {Operation} of {Feature} based on version {Version} met a concurrent commit (attempt {Attempt}); re-applying.")]
    public static partial void CommitConflict(ILogger logger, string operation, ScrubbedText feature, long version, int attempt);

    [LoggerMessage(4003, LogLevel.Debug, "Registry snapshot moved from version {From} to {To}.")]
    public static partial void SnapshotSwapped(ILogger logger, long from, long to);

    [LoggerMessage(4004, LogLevel.Warning, "Registry refresh from {Store} failed; the current snapshot stays: {Reason}")]
    public static partial void RefreshFailed(ILogger logger, ScrubbedText store, ScrubbedText reason);
}
