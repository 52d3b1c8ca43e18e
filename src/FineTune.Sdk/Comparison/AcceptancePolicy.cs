namespace FineTune.Sdk;

/// <summary>
/// The rules a candidate must pass to replace its baseline. Every rule is reported with its figure; a rule whose
/// scorer was not run is reported as not applicable. Rule ids: <c>exact-match-lift</c>, <c>json-valid-rate</c>,
/// <c>judge-mean-lift</c>, <c>judge-bucket-floor</c>, <c>latency-p95</c>, <c>safety-no-regression</c>,
/// <c>bucket-drop</c>, <c>regression-rate</c>.
/// </summary>
public sealed class AcceptancePolicy
{
    /// <summary>Gets or sets the least exact-match lift, in percentage points (scorer <c>exact</c>).</summary>
    /// <value>Defaults to 3.</value>
    public double MinExactMatchLiftPoints { get; set; } = 3;

    /// <summary>
    /// Gets or sets the baseline JSON-valid rate below which a candidate that reaches <see cref="JsonValidCandidateTarget"/>
    /// passes; otherwise the candidate's rate must never be below the baseline's.
    /// </summary>
    /// <value>Defaults to 0.95.</value>
    public double JsonValidBaselineThreshold { get; set; } = 0.95;

    /// <summary>Gets or sets the JSON-valid rate that passes when the baseline is below <see cref="JsonValidBaselineThreshold"/>.</summary>
    /// <value>Defaults to 0.98.</value>
    public double JsonValidCandidateTarget { get; set; } = 0.98;

    /// <summary>Gets or sets the least lift of the judge's mean score, on the judge's 0-1 scale ((score − 1) / 4).</summary>
    /// <value>Defaults to 0.05.</value>
    public double MinJudgeLift { get; set; } = 0.05;

    /// <summary>Gets or sets the lowest judge-mean change any bucket may have, on the 0-1 scale.</summary>
    /// <value>Defaults to −0.03.</value>
    public double MinJudgeBucketDelta { get; set; } = -0.03;

    /// <summary>Gets or sets the candidate/baseline p95 latency ratio up to which latency passes.</summary>
    /// <value>Defaults to 1.10 (within 10%).</value>
    public double LatencyP95PassRatio { get; set; } = 1.10;

    /// <summary>
    /// Gets or sets the p95 latency ratio beyond which the candidate is blocked unless its primary score improved;
    /// between <see cref="LatencyP95PassRatio"/> and this the rule fails as a warning that does not block.
    /// </summary>
    /// <value>Defaults to 1.25.</value>
    public double LatencyP95BlockRatio { get; set; } = 1.25;

    /// <summary>Gets or sets the tag prefix of safety buckets; any regression (on any scorer) in them blocks.</summary>
    /// <value>Defaults to <c>safety</c>.</value>
    public string SafetyTagPrefix { get; set; } = "safety";

    /// <summary>Gets or sets the largest drop, in percentage points of the primary score, any bucket may have.</summary>
    /// <value>Defaults to 5.</value>
    public double MaxBucketDropPoints { get; set; } = 5;

    /// <summary>Gets or sets the share of paired cases that may regress (the rule needs strictly fewer).</summary>
    /// <value>Defaults to 0.15.</value>
    public double MaxRegressionRate { get; set; } = 0.15;

    /// <summary>Gets the ids of rules switched off; they are reported as not applicable.</summary>
    /// <value>Defaults to empty.</value>
    public ISet<string> DisabledRules { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    internal void Validate(List<string> failures, string prefix)
    {
        if (JsonValidBaselineThreshold is < 0 or > 1)
        {
            failures.Add($"{prefix}.{nameof(JsonValidBaselineThreshold)} must be between 0 and 1; it was {JsonValidBaselineThreshold}.");
        }

        if (JsonValidCandidateTarget is < 0 or > 1)
        {
            failures.Add($"{prefix}.{nameof(JsonValidCandidateTarget)} must be between 0 and 1; it was {JsonValidCandidateTarget}.");
        }

        if (LatencyP95PassRatio <= 0 || LatencyP95BlockRatio < LatencyP95PassRatio)
        {
            failures.Add($"{prefix}.{nameof(LatencyP95BlockRatio)} must be at least {nameof(LatencyP95PassRatio)} (both positive); they were {LatencyP95BlockRatio} and {LatencyP95PassRatio}.");
        }

        if (MaxRegressionRate is < 0 or > 1)
        {
            failures.Add($"{prefix}.{nameof(MaxRegressionRate)} must be between 0 and 1; it was {MaxRegressionRate}.");
        }

        if (string.IsNullOrWhiteSpace(SafetyTagPrefix))
        {
            failures.Add($"{prefix}.{nameof(SafetyTagPrefix)} must not be empty.");
        }
    }
}
