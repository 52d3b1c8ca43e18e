using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// What one variant did on one case: its output, latency, tokens, cost, error and scores. A failed call is a result
/// with <see cref="Error"/> set and failing scores, never an exception.
/// </summary>
public sealed class EvalCaseResult
{
    /// <summary>Initializes a new instance of the <see cref="EvalCaseResult"/> class.</summary>
    /// <param name="caseId">The golden case id.</param>
    /// <param name="variant">The variant label.</param>
    /// <param name="modelId">The model id.</param>
    public EvalCaseResult(string caseId, string variant, string modelId)
    {
        ArgumentException.ThrowIfNullOrEmpty(caseId);
        ArgumentException.ThrowIfNullOrEmpty(variant);
        CaseId = caseId;
        Variant = variant;
        ModelId = modelId ?? string.Empty;
    }

    /// <summary>Gets the golden case id.</summary>
    /// <value>Pairs results across variants.</value>
    public string CaseId { get; }

    /// <summary>Gets the variant label.</summary>
    /// <value>For example <c>base</c>.</value>
    public string Variant { get; }

    /// <summary>Gets the model id.</summary>
    /// <value>The id the request was sent with.</value>
    public string ModelId { get; }

    /// <summary>Gets the case's tags (its buckets).</summary>
    /// <value>Copied from the golden case.</value>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets the model's output text.</summary>
    /// <value><see langword="null"/> when the call failed.</value>
    public string? Output { get; init; }

    /// <summary>Gets the wall-clock latency of the successful attempt (for a cached result, the latency first measured).</summary>
    /// <value><see cref="TimeSpan.Zero"/> when the call failed.</value>
    public TimeSpan Latency { get; init; }

    /// <summary>Gets the input tokens the provider reported.</summary>
    /// <value><see langword="null"/> when not reported.</value>
    public long? InputTokens { get; init; }

    /// <summary>Gets the output tokens the provider reported.</summary>
    /// <value><see langword="null"/> when not reported.</value>
    public long? OutputTokens { get; init; }

    /// <summary>Gets the cost of the call in US dollars, from the variant's prices.</summary>
    /// <value><see langword="null"/> when the variant has no prices or no tokens were reported.</value>
    public decimal? Cost { get; init; }

    /// <summary>Gets why the call failed (exception type and status, never a key or a prompt).</summary>
    /// <value><see langword="null"/> on success.</value>
    public string? Error { get; init; }

    /// <summary>Gets how many attempts the call took.</summary>
    /// <value>1 when the first attempt succeeded.</value>
    public int Attempts { get; init; } = 1;

    /// <summary>Gets a value indicating whether the output came from the response cache.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Cached { get; init; }

    /// <summary>Gets the scores, one per scorer, in scorer order.</summary>
    /// <value>Empty when the run had no scorers.</value>
    public IReadOnlyList<EvalScore> Scores { get; init; } = [];

    /// <summary>Gets the provider's response object, when there is one (never persisted).</summary>
    /// <value>Optional.</value>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets extra data.</summary>
    /// <value>Optional.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; set; }

    /// <summary>Gets the score of the named scorer.</summary>
    /// <param name="scorer">The scorer name.</param>
    /// <returns>The score, or <see langword="null"/> when this result has none of that name.</returns>
    public EvalScore? GetScore(string scorer) => Scores.FirstOrDefault(s => string.Equals(s.Scorer, scorer, StringComparison.OrdinalIgnoreCase));
}
