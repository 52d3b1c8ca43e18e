using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Source-generated log messages of the model gateway (event ids 4101-4199).</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(4101, LogLevel.Warning, "Gateway refused a request for {Feature}: model id {ModelId} is not in the registry.")]
    public static partial void UnknownModel(ILogger logger, ScrubbedText feature, ScrubbedText modelId);

    [LoggerMessage(4102, LogLevel.Error, "Gateway control {Control} fired for {Feature}/{Variant}: {Message}")]
    public static partial void ControlFired(ILogger logger, GatewayControl control, ScrubbedText feature, ScrubbedText variant, ScrubbedText message);

    [LoggerMessage(4103, LogLevel.Warning, "Gateway rolled {Feature} back in the registry (version {Version}) after the {Control} control fired.")]
    public static partial void RolledBack(ILogger logger, ScrubbedText feature, long version, GatewayControl control);

    [LoggerMessage(4104, LogLevel.Error, "Gateway automatic rollback of {Feature} failed: {ExceptionType}.")]
    public static partial void RollbackFailed(ILogger logger, ScrubbedText feature, string exceptionType);

    [LoggerMessage(4105, LogLevel.Debug, "Gateway {Worker} dropped a request of {Feature}: {Reason}.")]
    public static partial void Dropped(ILogger logger, string worker, ScrubbedText feature, string reason);

    [LoggerMessage(4106, LogLevel.Debug, "Gateway {Worker} call for {Feature}/{Variant} failed: {ExceptionType}.")]
    public static partial void BackgroundCallFailed(ILogger logger, string worker, ScrubbedText feature, ScrubbedText variant, string exceptionType);
}
