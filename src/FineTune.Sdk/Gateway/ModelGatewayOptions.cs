using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk;

/// <summary>Options of one model gateway (<c>UseModelRegistry(feature)</c> or <c>AddModelGateway(feature)</c>).</summary>
public sealed class ModelGatewayOptions
{
    /// <summary>
    /// Gets the chat clients requests are sent to, by variant endpoint or provider name (case-insensitive), for use
    /// without dependency injection. A variant's endpoint is looked up first, then its provider
    /// (<c>openai</c>, <c>bedrock</c>, <c>self-hosted</c>); then the keyed <see cref="IChatClient"/> registered under
    /// the provider name; then the client the gateway wraps.
    /// </summary>
    /// <value>Empty by default. The gateway does not dispose them.</value>
    public IDictionary<string, IChatClient> Clients { get; } = new Dictionary<string, IChatClient>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the shadow-traffic settings.</summary>
    /// <value>Off by default (<see cref="ShadowTrafficOptions.Variant"/> unset).</value>
    public ShadowTrafficOptions Shadow { get; } = new();

    /// <summary>Gets the online-evaluation settings.</summary>
    /// <value>Off until a scorer is added; then 1% of answers are scored.</value>
    public OnlineEvaluationOptions OnlineEvaluation { get; } = new();

    internal void Validate(List<string> failures, string prefix)
    {
        Shadow.Validate(failures, prefix + "." + nameof(Shadow));
        OnlineEvaluation.Validate(failures, prefix + "." + nameof(OnlineEvaluation));
    }

    internal ModelGatewayOptions ThrowIfInvalid()
    {
        var failures = new List<string>();
        Validate(failures, nameof(ModelGatewayOptions));
        return failures.Count == 0 ? this : throw new ArgumentException(string.Join(" ", failures), "options");
    }
}

/// <summary>
/// Shadow traffic: a share of requests is also sent, in the background, to a candidate variant; its answers are compared
/// with the primary's and recorded, and never change or delay the primary answer.
/// </summary>
public sealed class ShadowTrafficOptions
{
    /// <summary>Gets or sets the registry variant (of the gateway's feature) that receives the shadow copies.</summary>
    /// <value>Defaults to <see langword="null"/>: no shadow traffic.</value>
    public string? Variant { get; set; }

    /// <summary>Gets or sets the share of requests copied to the shadow variant.</summary>
    /// <value>Defaults to 0.05 (5%); between 0 and 1.</value>
    public double Share { get; set; } = 0.05;

    /// <summary>
    /// Gets or sets how many shadow copies may wait: the slots of a ring allocated when the gateway is built; a copy that
    /// finds the ring full is dropped and counted. While copies keep arriving the worker drains the ring every 10 ms (so
    /// requests never have to wake it), so the ring should hold 10 ms of copies at peak:
    /// <c>Share × peak requests per second ÷ 100</c>.
    /// </summary>
    /// <value>Defaults to 64; between 1 and 100,000.</value>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>Gets or sets the most shadow requests started per minute; more are dropped and counted.</summary>
    /// <value>Defaults to 60; at least 1.</value>
    public int RequestsPerMinute { get; set; } = 60;

    /// <summary>Gets or sets the most tokens (estimated before, counted after each call) the shadow variant may use per UTC day.</summary>
    /// <value>Defaults to 1,000,000; at least 1.</value>
    public long TokensPerDay { get; set; } = 1_000_000;

    /// <summary>Gets the scorers that compare a shadow answer with the primary one (the primary answer is the expected output).</summary>
    /// <value>Empty by default: <see cref="EvalScorers.ExactMatch"/> is used.</value>
    public IList<IEvalScorer> Scorers { get; } = [];

    internal void Validate(List<string> failures, string prefix)
    {
        if (double.IsNaN(Share) || Share is < 0 or > 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(Share)} must be between 0 and 1; it was {Share}."));
        }

        if (QueueCapacity is < 1 or > 100_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(QueueCapacity)} must be between 1 and 100000; it was {QueueCapacity}."));
        }

        if (RequestsPerMinute < 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(RequestsPerMinute)} must be at least 1; it was {RequestsPerMinute}."));
        }

        if (TokensPerDay < 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(TokensPerDay)} must be at least 1; it was {TokensPerDay}."));
        }

        if (Variant is { } variant && string.IsNullOrWhiteSpace(variant))
        {
            failures.Add($"{prefix}.{nameof(Variant)} must not be blank when set.");
        }
    }
}

/// <summary>Online evaluation: a sampled share of live answers scored off the request path, feeding the judge-drift control.</summary>
public sealed class OnlineEvaluationOptions
{
    /// <summary>Gets or sets the share of answers scored.</summary>
    /// <value>Defaults to 0.01 (1%); between 0 and 1.</value>
    public double SampleShare { get; set; } = 0.01;

    /// <summary>
    /// Gets or sets how many answers may wait to be scored; more are dropped and counted. Like the shadow queue, it
    /// should hold 10 ms of samples at peak.
    /// </summary>
    /// <value>Defaults to 64; between 1 and 100,000.</value>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>
    /// Gets the scorers (a judge from <see cref="EvalScorers.LlmJudge"/> or reference-free programmatic scorers such as
    /// <see cref="EvalScorers.JsonValid"/>). The first one's score feeds the weekly baseline and the drift control.
    /// </summary>
    /// <value>Empty by default: online evaluation is off.</value>
    public IList<IEvalScorer> Scorers { get; } = [];

    internal void Validate(List<string> failures, string prefix)
    {
        if (double.IsNaN(SampleShare) || SampleShare is < 0 or > 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(SampleShare)} must be between 0 and 1; it was {SampleShare}."));
        }

        if (QueueCapacity is < 1 or > 100_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(QueueCapacity)} must be between 1 and 100000; it was {QueueCapacity}."));
        }
    }
}

/// <summary>Thresholds of the gateway's four production controls (<see cref="ModelGatewayMonitor"/>).</summary>
public sealed class GatewayControlOptions
{
    /// <summary>Gets or sets how many times the base model's error rate a fine-tuned variant's must exceed to count as a breach.</summary>
    /// <value>Defaults to 2; at least 1.</value>
    public double ErrorRateMultiplier { get; set; } = 2;

    /// <summary>Gets or sets the lowest fine-tuned error rate that can count as a breach (so 2 × a zero base rate is not any error).</summary>
    /// <value>Defaults to 0.05 (5%); between 0 and 1.</value>
    public double MinErrorRate { get; set; } = 0.05;

    /// <summary>Gets or sets how long the breach must last before the error-rate control trips.</summary>
    /// <value>Defaults to 15 minutes; between 1 minute and 1 day.</value>
    public TimeSpan ErrorRateWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets the fewest fine-tuned requests a one-minute check needs to judge the error rate; quieter minutes neither start nor end a breach.</summary>
    /// <value>Defaults to 5; at least 1.</value>
    public int MinRequestsPerCheck { get; set; } = 5;

    /// <summary>Gets or sets a value indicating whether a tripped error-rate control rolls the feature back in the registry (the flag off).</summary>
    /// <value>Defaults to <see langword="false"/>: the control only reports.</value>
    public bool AutoRollback { get; set; }

    /// <summary>Gets or sets the actor recorded in the registry history for an automatic rollback.</summary>
    /// <value>Defaults to <c>finetune-gateway</c>.</value>
    public string RollbackActor { get; set; } = "finetune-gateway";

    /// <summary>Gets or sets how far the week's mean judge score may fall below the previous week's baseline.</summary>
    /// <value>Defaults to 0.05; between 0 and 1.</value>
    public double JudgeScoreDrop { get; set; } = 0.05;

    /// <summary>Gets or sets the fewest scores a week needs to be a baseline or to be compared with one.</summary>
    /// <value>Defaults to 20; at least 1.</value>
    public int MinJudgeSamples { get; set; } = 20;

    /// <summary>Gets or sets the age after which a serving fine-tuned variant without a re-evaluation is reported stale.</summary>
    /// <value>Defaults to 90 days; positive.</value>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromDays(90);

    internal void Validate(List<string> failures, string prefix)
    {
        if (double.IsNaN(ErrorRateMultiplier) || ErrorRateMultiplier < 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(ErrorRateMultiplier)} must be at least 1; it was {ErrorRateMultiplier}."));
        }

        if (double.IsNaN(MinErrorRate) || MinErrorRate is < 0 or > 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(MinErrorRate)} must be between 0 and 1; it was {MinErrorRate}."));
        }

        if (ErrorRateWindow < TimeSpan.FromMinutes(1) || ErrorRateWindow > TimeSpan.FromDays(1))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(ErrorRateWindow)} must be between 1 minute and 1 day; it was {ErrorRateWindow}."));
        }

        if (MinRequestsPerCheck < 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(MinRequestsPerCheck)} must be at least 1; it was {MinRequestsPerCheck}."));
        }

        if (string.IsNullOrWhiteSpace(RollbackActor))
        {
            failures.Add($"{prefix}.{nameof(RollbackActor)} is required; it was empty.");
        }

        if (double.IsNaN(JudgeScoreDrop) || JudgeScoreDrop is < 0 or > 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(JudgeScoreDrop)} must be between 0 and 1; it was {JudgeScoreDrop}."));
        }

        if (MinJudgeSamples < 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(MinJudgeSamples)} must be at least 1; it was {MinJudgeSamples}."));
        }

        if (StaleAfter <= TimeSpan.Zero)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(StaleAfter)} must be positive; it was {StaleAfter}."));
        }
    }

    internal GatewayControlOptions ThrowIfInvalid()
    {
        var failures = new List<string>();
        Validate(failures, nameof(GatewayControlOptions));
        return failures.Count == 0 ? this : throw new ArgumentException(string.Join(" ", failures), "options");
    }
}

/// <summary>Validates <see cref="GatewayControlOptions"/> and <see cref="ModelGatewayOptions"/> for <c>ValidateOnStart</c>; messages name the field and the value.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayControlOptions>, IValidateOptions<ModelGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayControlOptions options)
    {
        var failures = new List<string>();
        options.Validate(failures, nameof(GatewayControlOptions));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, ModelGatewayOptions options)
    {
        var failures = new List<string>();
        options.Validate(failures, string.IsNullOrEmpty(name) ? nameof(ModelGatewayOptions) : $"{nameof(ModelGatewayOptions)}[{name}]");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
