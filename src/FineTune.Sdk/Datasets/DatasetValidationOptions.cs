namespace FineTune.Sdk;

/// <summary>Options of the dataset validator: reader limits and per-file rules. Gate options live in the other part of this class.</summary>
public sealed partial class DatasetValidationOptions
{
    /// <summary>Gets or sets the longest line accepted, in bytes; longer lines are a finding and are skipped.</summary>
    /// <value>Defaults to 16 MiB.</value>
    public int MaxLineBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Gets or sets the deepest JSON nesting accepted.</summary>
    /// <value>Defaults to 64.</value>
    public int MaxDepth { get; set; } = 64;

    /// <summary>Gets or sets how many findings of one code are kept in a report (all are counted).</summary>
    /// <value>Defaults to 100.</value>
    public int MaxFindingsPerCode { get; set; } = 100;

    internal void Validate(List<string> failures)
    {
        if (MaxLineBytes < 1024)
        {
            failures.Add($"{nameof(FineTuningOptions.Datasets)}.{nameof(MaxLineBytes)} must be at least 1024; it was {MaxLineBytes}.");
        }

        if (MaxDepth is < 2 or > 1000)
        {
            failures.Add($"{nameof(FineTuningOptions.Datasets)}.{nameof(MaxDepth)} must be between 2 and 1000; it was {MaxDepth}.");
        }

        if (MaxFindingsPerCode < 1)
        {
            failures.Add($"{nameof(FineTuningOptions.Datasets)}.{nameof(MaxFindingsPerCode)} must be at least 1; it was {MaxFindingsPerCode}.");
        }

        ValidateGates(failures);
    }

    partial void ValidateGates(List<string> failures);
}
