namespace FineTune.Sdk;

/// <summary>What a cost estimate is computed from.</summary>
public sealed class CostEstimateRequest
{
    /// <summary>Gets the model to customise, for example <c>gpt-4o-mini</c>.</summary>
    /// <value>Required.</value>
    public required string Model { get; init; }

    /// <summary>Gets the customisation method.</summary>
    /// <value>Defaults to <c>supervised</c>.</value>
    public string Method { get; init; } = "supervised";

    /// <summary>Gets the provider whose prices apply; <see langword="null"/> for any provider that lists the model.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? Provider { get; init; }

    /// <summary>Gets the number of training examples (rows).</summary>
    /// <value>Required; at least 1.</value>
    public required long TrainingExamples { get; init; }

    /// <summary>Gets the billed tokens of one pass over the training file (each example truncated to the model's limit).</summary>
    /// <value>Required; zero or more.</value>
    public required long TrainingTokens { get; init; }

    /// <summary>Gets the billed tokens of one pass over the validation file, if any.</summary>
    /// <value>Defaults to 0.</value>
    public long ValidationTokens { get; init; }

    /// <summary>Gets the number of epochs; <see langword="null"/> for the provider's automatic choice.</summary>
    /// <value>Defaults to <see langword="null"/> (auto).</value>
    public int? Epochs { get; init; }
}
