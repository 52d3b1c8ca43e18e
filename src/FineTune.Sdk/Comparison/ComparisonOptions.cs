namespace FineTune.Sdk;

/// <summary>Options of <see cref="EvalComparer"/>.</summary>
public sealed class ComparisonOptions
{
    /// <summary>Gets or sets the baseline variant's label.</summary>
    /// <value>Defaults to <c>base</c>.</value>
    public string BaselineLabel { get; set; } = "base";

    /// <summary>Gets or sets the candidate variant's label.</summary>
    /// <value>Defaults to <c>candidate</c>.</value>
    public string CandidateLabel { get; set; } = "candidate";

    /// <summary>Gets or sets the scorer that decides regressions, the bucket table and bucket rules.</summary>
    /// <value>Defaults to <see langword="null"/>: the first scorer of the results.</value>
    public string? PrimaryScorer { get; set; }

    /// <summary>Gets or sets the number of cases under which a bucket carries a "too small to tell" note.</summary>
    /// <value>Defaults to 30.</value>
    public int MinBucketCases { get; set; } = 30;

    /// <summary>Gets or sets the number of bootstrap resamples.</summary>
    /// <value>Defaults to 2000.</value>
    public int BootstrapResamples { get; set; } = 2000;

    /// <summary>Gets or sets the bootstrap seed, so a report is reproducible.</summary>
    /// <value>Defaults to 20261121.</value>
    public int Seed { get; set; } = 20261121;

    /// <summary>Gets or sets the confidence level of the bootstrap intervals.</summary>
    /// <value>Defaults to 0.95.</value>
    public double ConfidenceLevel { get; set; } = 0.95;

    /// <summary>Gets the acceptance policy.</summary>
    /// <value>Defaults as documented on <see cref="AcceptancePolicy"/>.</value>
    public AcceptancePolicy Policy { get; } = new();

    /// <summary>Gets or sets a name for the golden set, shown in reports.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? GoldenSetName { get; set; }

    /// <summary>Gets or sets the SHA-256 of the golden set file, recorded in <c>compare.json</c>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? GoldenSetSha256 { get; set; }

    internal void Validate(List<string> failures, string prefix)
    {
        if (string.IsNullOrWhiteSpace(BaselineLabel) || string.IsNullOrWhiteSpace(CandidateLabel) || string.Equals(BaselineLabel, CandidateLabel, StringComparison.Ordinal))
        {
            failures.Add($"{prefix}.{nameof(BaselineLabel)} and {nameof(CandidateLabel)} must be non-empty and different; they were '{BaselineLabel}' and '{CandidateLabel}'.");
        }

        if (MinBucketCases < 1)
        {
            failures.Add($"{prefix}.{nameof(MinBucketCases)} must be at least 1; it was {MinBucketCases}.");
        }

        if (BootstrapResamples is < 100 or > 1_000_000)
        {
            failures.Add($"{prefix}.{nameof(BootstrapResamples)} must be between 100 and 1000000; it was {BootstrapResamples}.");
        }

        if (ConfidenceLevel is <= 0.5 or >= 1)
        {
            failures.Add($"{prefix}.{nameof(ConfidenceLevel)} must be above 0.5 and below 1; it was {ConfidenceLevel}.");
        }

        Policy.Validate(failures, prefix + "." + nameof(Policy));
    }
}
