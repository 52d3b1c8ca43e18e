namespace FineTune.Sdk;

/// <summary>Top-level options for the SDK, bound by <c>AddFineTuning</c>.</summary>
public sealed class FineTuningOptions
{
    /// <summary>Gets the dataset validation options.</summary>
    /// <value>Defaults as documented on <see cref="DatasetValidationOptions"/>.</value>
    public DatasetValidationOptions Datasets { get; } = new();

    /// <summary>Gets the token counting options.</summary>
    /// <value>Defaults as documented on <see cref="TokenCountingOptions"/>.</value>
    public TokenCountingOptions Tokens { get; } = new();

    /// <summary>Gets the cost estimation options (price catalog, retry buffer).</summary>
    /// <value>Defaults as documented on <see cref="CostEstimationOptions"/>.</value>
    public CostEstimationOptions Costs { get; } = new();

    /// <summary>Gets the default evaluation run options (concurrency, rate limits, retries, timeout).</summary>
    /// <value>Defaults as documented on <see cref="EvalRunOptions"/>.</value>
    public EvalRunOptions Evaluation { get; } = new();
}
