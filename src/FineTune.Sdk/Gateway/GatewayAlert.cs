namespace FineTune.Sdk;

/// <summary>The gateway's production controls.</summary>
public enum GatewayControl
{
    /// <summary>A request named a model id (or feature) that is not in the registry; it was refused.</summary>
    UnknownModel,

    /// <summary>A fine-tuned variant's error rate stayed above the configured multiple of the base model's for the whole window.</summary>
    ErrorRate,

    /// <summary>A variant's mean judge score this week fell below its previous week's baseline by more than the threshold.</summary>
    JudgeDrift,

    /// <summary>A serving fine-tuned variant has not been re-evaluated for longer than the threshold.</summary>
    StaleVariant,
}

/// <summary>One control that fired, as <see cref="ModelGatewayMonitor.AlertRaised"/> reports it. Carries names and figures only, never content.</summary>
public sealed record GatewayAlert
{
    /// <summary>Gets the control that fired.</summary>
    /// <value>One of the four controls.</value>
    public required GatewayControl Control { get; init; }

    /// <summary>Gets the feature.</summary>
    /// <value>The registry feature name.</value>
    public required string Feature { get; init; }

    /// <summary>Gets the variant concerned.</summary>
    /// <value><see langword="null"/> for an unknown model id.</value>
    public string? Variant { get; init; }

    /// <summary>Gets the model id concerned.</summary>
    /// <value>The refused id for <see cref="GatewayControl.UnknownModel"/>; the variant's id otherwise.</value>
    public string? ModelId { get; init; }

    /// <summary>Gets the observed figure.</summary>
    /// <value>Error rate (0-1), mean judge score, or age in days; 0 for an unknown model.</value>
    public double Value { get; init; }

    /// <summary>Gets the threshold the figure crossed.</summary>
    /// <value>The base error rate × multiplier (or the floor), the baseline minus the drop, or the stale age in days.</value>
    public double Threshold { get; init; }

    /// <summary>Gets when the control fired.</summary>
    /// <value>From the monitor's clock.</value>
    public DateTimeOffset At { get; init; }

    /// <summary>Gets a one-line description for logs and pages.</summary>
    /// <value>Names and figures only.</value>
    public required string Message { get; init; }

    /// <summary>Gets a value indicating whether the monitor rolled the feature back in the registry.</summary>
    /// <value><see langword="true"/> only for <see cref="GatewayControl.ErrorRate"/> with <see cref="GatewayControlOptions.AutoRollback"/> on.</value>
    public bool RolledBack { get; init; }
}

/// <summary>A shadow answer compared with the primary one, as <see cref="ModelGatewayMonitor.ShadowCompared"/> reports it (scores only, never content).</summary>
/// <param name="Feature">The feature.</param>
/// <param name="PrimaryVariant">The variant that served the caller.</param>
/// <param name="ShadowVariant">The shadow variant.</param>
/// <param name="Scores">The scorers' results, the primary answer taken as the expected output.</param>
public sealed record ShadowComparison(string Feature, string PrimaryVariant, string ShadowVariant, IReadOnlyList<EvalScore> Scores);

/// <summary>A request refused by the gateway: its feature or model id is not in the registry.</summary>
public sealed class ModelGatewayRefusedException : FineTuneException
{
    /// <summary>Initializes a new instance of the <see cref="ModelGatewayRefusedException"/> class.</summary>
    public ModelGatewayRefusedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelGatewayRefusedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ModelGatewayRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelGatewayRefusedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ModelGatewayRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the feature asked for.</summary>
    /// <value>The gateway's feature.</value>
    public string? Feature { get; init; }

    /// <summary>Gets the refused model id.</summary>
    /// <value><see langword="null"/> when the feature itself is unknown.</value>
    public string? ModelId { get; init; }
}
