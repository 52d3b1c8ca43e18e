namespace FineTune.Sdk;

/// <summary>The token counts of a dataset: totals, billed tokens after truncation, and per-example distributions.</summary>
public sealed class DatasetTokenReport
{
    /// <summary>Gets the model the counts are for, when one was given.</summary>
    /// <value><see langword="null"/> when only an encoding was used.</value>
    public string? Model { get; init; }

    /// <summary>Gets the encoding, for example <c>o200k_base</c>.</summary>
    /// <value>The tokenizer's encoding name.</value>
    public required string Encoding { get; init; }

    /// <summary>Gets the formula examples were counted with.</summary>
    /// <value>See <see cref="ChatTokenFormula"/>.</value>
    public ChatTokenFormula Formula { get; init; }

    /// <summary>Gets the per-example limit billed counts were truncated to, when known.</summary>
    /// <value><see langword="null"/> when the model's limit is unknown (nothing is truncated).</value>
    public int? MaxTokensPerExample { get; init; }

    /// <summary>Gets a value indicating whether <see cref="MaxTokensPerExample"/> is a figure the provider published.</summary>
    /// <value><see langword="false"/> for assumed limits (the gpt-4.1 family) and when there is no limit.</value>
    public bool LimitIsVerified { get; init; }

    /// <summary>Gets the number of examples counted.</summary>
    /// <value>Rows that passed the per-row rules.</value>
    public long Examples { get; init; }

    /// <summary>Gets the tokens of all counted examples (before truncation).</summary>
    /// <value>Zero or more.</value>
    public long Total { get; init; }

    /// <summary>Gets the tokens billed per epoch: each example truncated to <see cref="MaxTokensPerExample"/>.</summary>
    /// <value>At most <see cref="Total"/>.</value>
    public long Billed { get; init; }

    /// <summary>Gets the number of examples over the limit (they will be truncated).</summary>
    /// <value>Zero or more.</value>
    public long OverLimit { get; init; }

    /// <summary>Gets the distribution of tokens per example.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public TokenDistribution TokensPerExample { get; init; } = new();

    /// <summary>Gets the distribution of messages per example.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public TokenDistribution MessagesPerExample { get; init; } = new();

    /// <summary>Gets the distribution of assistant-content tokens per example.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public TokenDistribution AssistantTokensPerExample { get; init; } = new();
}
