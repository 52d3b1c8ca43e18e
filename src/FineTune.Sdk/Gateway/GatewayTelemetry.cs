using System.Diagnostics.Metrics;

namespace FineTune.Sdk;

/// <summary>The gateway's instruments and tag names on the <c>FineTune.Sdk</c> meter (docs/diagnostics.md).</summary>
internal static class GatewayTelemetry
{
    public const string RequestsName = "finetune.gateway.requests";
    public const string DurationName = "gen_ai.client.operation.duration";
    public const string AlertsName = "finetune.gateway.control.alerts";
    public const string ShadowName = "finetune.gateway.shadow.requests";
    public const string ShadowScoreName = "finetune.gateway.shadow.score";
    public const string OnlineScoreName = "finetune.gateway.online_eval.score";
    public const string OnlineDroppedName = "finetune.gateway.online_eval.dropped";

    // GenAI semantic conventions, as Microsoft.Extensions.AI's OpenTelemetryChatClient writes them.
    public const string OperationName = "gen_ai.operation.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ProviderName = "gen_ai.provider.name";
    public const string ErrorType = "error.type";
    public const string FeatureTag = "finetune.gateway.feature";
    public const string VariantTag = "finetune.gateway.variant";
    public const string ControlTag = "finetune.gateway.control";
    public const string OutcomeTag = "finetune.gateway.outcome";
    public const string ScorerTag = "finetune.eval.scorer";

    public static readonly Counter<long> Requests = FineTuneTelemetry.Meter.CreateCounter<long>(RequestsName, "{request}", "Chat requests routed by the model gateway.");

    public static readonly Histogram<double> Duration = FineTuneTelemetry.Meter.CreateHistogram<double>(DurationName, "s", "Duration of chat requests routed by the model gateway.");

    public static readonly Counter<long> Alerts = FineTuneTelemetry.Meter.CreateCounter<long>(AlertsName, "{alert}", "Gateway production controls that fired.");

    public static readonly Counter<long> Shadow = FineTuneTelemetry.Meter.CreateCounter<long>(ShadowName, "{request}", "Shadow copies by outcome: sent, failed, dropped (queue full or over budget).");

    public static readonly Histogram<double> ShadowScore = FineTuneTelemetry.Meter.CreateHistogram<double>(ShadowScoreName, "1", "Shadow answers scored against the primary answer.");

    public static readonly Histogram<double> OnlineScore = FineTuneTelemetry.Meter.CreateHistogram<double>(OnlineScoreName, "1", "Live answers scored by online evaluation.");

    public static readonly Counter<long> OnlineDropped = FineTuneTelemetry.Meter.CreateCounter<long>(OnlineDroppedName, "{answer}", "Sampled answers online evaluation dropped because its queue was full.");
}
