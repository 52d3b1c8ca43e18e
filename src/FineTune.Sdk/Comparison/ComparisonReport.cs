namespace FineTune.Sdk;

/// <summary>
/// The result of comparing a candidate with its baseline on one golden set: decision, per-scorer and per-bucket
/// statistics, latency and cost per variant, regressions and chart data. Serialized as <c>compare.json</c>
/// (schema version <see cref="SchemaVersion"/>, documented in docs/eval.md).
/// </summary>
public sealed class ComparisonReport
{
    /// <summary>Gets the schema version of <c>compare.json</c>.</summary>
    /// <value>1 for this release; bumped only on breaking changes.</value>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>Gets when the report was made (UTC, from the injected clock).</summary>
    /// <value>An ISO 8601 instant.</value>
    public DateTimeOffset GeneratedAt { get; init; }

    /// <summary>Gets the golden set's name.</summary>
    /// <value>Optional.</value>
    public string? GoldenSet { get; init; }

    /// <summary>Gets the SHA-256 of the golden set file, so a registry can tell which set approved a model.</summary>
    /// <value>Lower-case hex; <see langword="null"/> when the comparison was not given one.</value>
    public string? GoldenSetSha256 { get; init; }

    /// <summary>Gets the baseline variant's summary.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required VariantSummary Baseline { get; init; }

    /// <summary>Gets the candidate variant's summary.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required VariantSummary Candidate { get; init; }

    /// <summary>Gets the primary scorer.</summary>
    /// <value>The scorer regressions and buckets are decided on; empty when there were no scores.</value>
    public string PrimaryScorer { get; init; } = string.Empty;

    /// <summary>Gets the number of cases both variants answered (paired by id).</summary>
    /// <value>Zero or more.</value>
    public int PairedCases { get; init; }

    /// <summary>Gets the number of case ids only one variant has; they are left out of every statistic.</summary>
    /// <value>Zero when the runs are complete.</value>
    public int UnpairedCases { get; init; }

    /// <summary>Gets the decision with every rule.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required PolicyDecision Decision { get; init; }

    /// <summary>Gets the overall comparison per scorer.</summary>
    /// <value>One entry per scorer, in scorer order.</value>
    public IReadOnlyList<ScorerComparison> Scorers { get; init; } = [];

    /// <summary>Gets the comparison per bucket on the primary scorer; the first is <c>(all)</c>.</summary>
    /// <value>Buckets sorted by name after <c>(all)</c>.</value>
    public IReadOnlyList<BucketComparison> Buckets { get; init; } = [];

    /// <summary>Gets every case that regressed on the primary scorer, worst first.</summary>
    /// <value>Empty when nothing regressed.</value>
    public IReadOnlyList<CaseChange> Regressions { get; init; } = [];

    /// <summary>Gets every case that improved on the primary scorer, best first.</summary>
    /// <value>Empty when nothing improved.</value>
    public IReadOnlyList<CaseChange> Improvements { get; init; } = [];

    /// <summary>Gets the histograms the HTML report draws.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required ReportCharts Charts { get; init; }
}

/// <summary>Latency, tokens, cost and errors of one variant over the paired cases.</summary>
public sealed class VariantSummary
{
    /// <summary>Gets the label.</summary>
    /// <value>For example <c>base</c>.</value>
    public string Label { get; init; } = string.Empty;

    /// <summary>Gets the model id.</summary>
    /// <value>The id the requests were sent with.</value>
    public string ModelId { get; init; } = string.Empty;

    /// <summary>Gets the number of cases.</summary>
    /// <value>The paired cases.</value>
    public int Cases { get; init; }

    /// <summary>Gets the number of failed calls.</summary>
    /// <value>Zero or more.</value>
    public int Errors { get; init; }

    /// <summary>Gets the number of scorer failures (a judge that erred), excluded from means.</summary>
    /// <value>Zero or more.</value>
    public int ScorerFailures { get; init; }

    /// <summary>Gets the median latency of successful calls, in milliseconds.</summary>
    /// <value>Zero when there were none.</value>
    public double LatencyP50Ms { get; init; }

    /// <summary>Gets the 95th-percentile latency, in milliseconds.</summary>
    /// <value>Zero when there were none.</value>
    public double LatencyP95Ms { get; init; }

    /// <summary>Gets the 99th-percentile latency, in milliseconds.</summary>
    /// <value>Zero when there were none.</value>
    public double LatencyP99Ms { get; init; }

    /// <summary>Gets the mean input tokens per case.</summary>
    /// <value>Over cases that reported tokens; <see langword="null"/> when none did.</value>
    public double? MeanInputTokens { get; init; }

    /// <summary>Gets the mean output tokens per case.</summary>
    /// <value>Over cases that reported tokens; <see langword="null"/> when none did.</value>
    public double? MeanOutputTokens { get; init; }

    /// <summary>Gets the mean cost per case in US dollars.</summary>
    /// <value><see langword="null"/> when no cost was computed.</value>
    public decimal? MeanCost { get; init; }

    /// <summary>Gets the total cost in US dollars.</summary>
    /// <value><see langword="null"/> when no cost was computed.</value>
    public decimal? TotalCost { get; init; }

    /// <summary>Gets the accuracy and macro-F1 of the <c>label</c> scorer, when the golden cases were given.</summary>
    /// <value>Optional.</value>
    public LabelSummary? Labels { get; init; }
}

/// <summary>Classification summary of one variant.</summary>
/// <param name="Accuracy">The share labelled correctly.</param>
/// <param name="MacroF1">The macro-averaged F1.</param>
public sealed record LabelSummary(double Accuracy, double MacroF1);

/// <summary>Baseline versus candidate on one scorer, over a set of paired cases.</summary>
public sealed class ScorerComparison
{
    /// <summary>Gets the scorer name.</summary>
    /// <value>For example <c>exact</c>.</value>
    public string Scorer { get; init; } = string.Empty;

    /// <summary>Gets the number of pairs both scored (scorer failures excluded).</summary>
    /// <value>Zero or more.</value>
    public int Cases { get; init; }

    /// <summary>Gets the baseline's mean score.</summary>
    /// <value>In [0, 1].</value>
    public double BaselineMean { get; init; }

    /// <summary>Gets the candidate's mean score.</summary>
    /// <value>In [0, 1].</value>
    public double CandidateMean { get; init; }

    /// <summary>Gets the lift in percentage points: (candidate − baseline) × 100.</summary>
    /// <value>Positive when the candidate is better.</value>
    public double LiftPoints { get; init; }

    /// <summary>Gets the baseline's pass rate.</summary>
    /// <value>In [0, 1].</value>
    public double BaselinePassRate { get; init; }

    /// <summary>Gets the candidate's pass rate.</summary>
    /// <value>In [0, 1].</value>
    public double CandidatePassRate { get; init; }

    /// <summary>Gets the cases that passed on the baseline and failed on the candidate (McNemar's b).</summary>
    /// <value>Zero or more.</value>
    public int Regressions { get; init; }

    /// <summary>Gets the cases that failed on the baseline and passed on the candidate (McNemar's c).</summary>
    /// <value>Zero or more.</value>
    public int Improvements { get; init; }

    /// <summary>Gets the two-sided exact McNemar p-value of the pass/fail change.</summary>
    /// <value>In (0, 1]; 1 when no case changed.</value>
    public double McNemarP { get; init; }

    /// <summary>Gets the lower bound of the bootstrap confidence interval of the mean difference, in points.</summary>
    /// <value>Seeded, so reproducible.</value>
    public double CiLowPoints { get; init; }

    /// <summary>Gets the upper bound of the bootstrap confidence interval of the mean difference, in points.</summary>
    /// <value>Seeded, so reproducible.</value>
    public double CiHighPoints { get; init; }

    /// <summary>Gets the scorer failures on the baseline (left out of the figures).</summary>
    /// <value>Zero or more.</value>
    public int BaselineScorerFailures { get; init; }

    /// <summary>Gets the scorer failures on the candidate (left out of the figures).</summary>
    /// <value>Zero or more.</value>
    public int CandidateScorerFailures { get; init; }
}

/// <summary>The primary scorer's comparison within one bucket (tag).</summary>
public sealed class BucketComparison
{
    /// <summary>Gets the bucket name: a tag, or <c>(all)</c>.</summary>
    /// <value>Never empty.</value>
    public string Bucket { get; init; } = string.Empty;

    /// <summary>Gets a value indicating whether this is a safety bucket.</summary>
    /// <value>True when the tag starts with the policy's safety prefix.</value>
    public bool IsSafety { get; init; }

    /// <summary>Gets the comparison figures.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required ScorerComparison Figures { get; init; }

    /// <summary>Gets a note, for example that the bucket is too small to tell.</summary>
    /// <value>Optional.</value>
    public string? Note { get; init; }
}

/// <summary>One case whose primary score changed.</summary>
public sealed class CaseChange
{
    /// <summary>Gets the case id.</summary>
    /// <value>The golden id.</value>
    public string CaseId { get; init; } = string.Empty;

    /// <summary>Gets the case's tags.</summary>
    /// <value>Possibly empty.</value>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets the baseline's score.</summary>
    /// <value>In [0, 1].</value>
    public double BaselineScore { get; init; }

    /// <summary>Gets the candidate's score.</summary>
    /// <value>In [0, 1].</value>
    public double CandidateScore { get; init; }

    /// <summary>Gets the candidate's call error, when the regression is a failed call.</summary>
    /// <value>Optional.</value>
    public string? CandidateError { get; init; }
}

/// <summary>The decision of the acceptance policy.</summary>
public sealed class PolicyDecision
{
    /// <summary>Gets a value indicating whether the candidate may replace the baseline.</summary>
    /// <value>True when no blocking rule failed.</value>
    public bool Passed { get; init; }

    /// <summary>Gets every rule, in policy order.</summary>
    /// <value>Never empty.</value>
    public IReadOnlyList<PolicyRuleResult> Rules { get; init; } = [];
}

/// <summary>One rule of the policy with its figure.</summary>
public sealed class PolicyRuleResult
{
    /// <summary>Gets the rule id, for example <c>exact-match-lift</c>.</summary>
    /// <value>Stable.</value>
    public string Rule { get; init; } = string.Empty;

    /// <summary>Gets what the rule asks, in words with its threshold.</summary>
    /// <value>For example <c>exact-match lift ≥ +3.0 points</c>.</value>
    public string Requirement { get; init; } = string.Empty;

    /// <summary>Gets the measured figure, formatted.</summary>
    /// <value>For example <c>+4.2 points</c>; <c>n/a</c> when not applicable.</value>
    public string Figure { get; init; } = string.Empty;

    /// <summary>Gets a value indicating whether the rule applied (its scorer ran, it is not disabled).</summary>
    /// <value>False rules count as passed.</value>
    public bool Applicable { get; init; }

    /// <summary>Gets a value indicating whether the rule passed.</summary>
    /// <value>True when satisfied or not applicable.</value>
    public bool Passed { get; init; }

    /// <summary>Gets a value indicating whether this failure blocks (false for a warning).</summary>
    /// <value>Only meaningful when <see cref="Passed"/> is false.</value>
    public bool Blocking { get; init; }
}

/// <summary>The histograms drawn by the HTML report.</summary>
public sealed class ReportCharts
{
    /// <summary>Gets the upper edges of the latency bins, in milliseconds.</summary>
    /// <value>Shared by both variants.</value>
    public IReadOnlyList<double> LatencyBinEdgesMs { get; init; } = [];

    /// <summary>Gets the baseline's count per latency bin.</summary>
    /// <value>Same length as <see cref="LatencyBinEdgesMs"/>.</value>
    public IReadOnlyList<int> BaselineLatency { get; init; } = [];

    /// <summary>Gets the candidate's count per latency bin.</summary>
    /// <value>Same length as <see cref="LatencyBinEdgesMs"/>.</value>
    public IReadOnlyList<int> CandidateLatency { get; init; } = [];

    /// <summary>Gets the baseline's count of primary scores in ten bins [0, 0.1), ..., [0.9, 1].</summary>
    /// <value>Ten counts.</value>
    public IReadOnlyList<int> BaselineScores { get; init; } = [];

    /// <summary>Gets the candidate's count of primary scores in ten bins.</summary>
    /// <value>Ten counts.</value>
    public IReadOnlyList<int> CandidateScores { get; init; } = [];
}
