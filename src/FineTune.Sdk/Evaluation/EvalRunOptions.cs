using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// Options of one evaluation run: scheduling, the run file and scorers. Retries, rate limits and the response cache
/// belong to the chat pipeline (<see cref="ChatPipelineOptions"/>). The request settings (<see cref="Temperature"/>, <see cref="MaxOutputTokens"/>,
/// <see cref="ResponseFormat"/>, <see cref="Seed"/>) are sent identically to every variant.
/// </summary>
public sealed class EvalRunOptions
{
    /// <summary>Gets or sets the sampling temperature sent to every variant.</summary>
    /// <value>Defaults to 0, so reruns are as repeatable as the provider allows.</value>
    public float? Temperature { get; set; } = 0f;

    /// <summary>Gets or sets the output-token limit sent to every variant.</summary>
    /// <value>Defaults to <see langword="null"/>: the provider's default.</value>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Gets or sets the response format sent to every variant.</summary>
    /// <value>Defaults to <see langword="null"/>: the provider's default (text).</value>
    public ChatResponseFormat? ResponseFormat { get; set; }

    /// <summary>Gets or sets the sampling seed sent to every variant.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public long? Seed { get; set; }

    /// <summary>Gets or sets how many calls run at once, across all variants.</summary>
    /// <value>Defaults to 8. Must be between 1 and 1024.</value>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Gets or sets the time one case may take on one variant (the chat pipeline's retries and waits included); past it the case is a failure.</summary>
    /// <value>Defaults to 2 minutes.</value>
    public TimeSpan CaseTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the JSONL run file results are appended to as they finish. When it already holds results, the
    /// run resumes: finished case-variant pairs are returned from the file and not called again.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: results are not persisted.</value>
    public string? RunFile { get; set; }

    /// <summary>Gets the scorers applied to every output, in order; the first is the primary scorer of comparisons.</summary>
    /// <value>Defaults to empty.</value>
    public IList<IEvalScorer> Scorers { get; } = [];

    internal void Validate(List<string> failures, string prefix = "Evaluation")
    {
        if (MaxConcurrency is < 1 or > 1024)
        {
            failures.Add($"{prefix}.{nameof(MaxConcurrency)} must be between 1 and 1024; it was {MaxConcurrency}.");
        }

        if (CaseTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(CaseTimeout)} must be positive; it was {CaseTimeout}.");
        }

        if (MaxOutputTokens is < 1)
        {
            failures.Add($"{prefix}.{nameof(MaxOutputTokens)} must be at least 1 when set; it was {MaxOutputTokens}.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var scorer in Scorers)
        {
            if (!names.Add(scorer.Name))
            {
                failures.Add($"{prefix}.{nameof(Scorers)} has two scorers named '{scorer.Name}'.");
            }
        }
    }

    internal EvalRunOptions ThrowIfInvalid()
    {
        var failures = new List<string>();
        Validate(failures, nameof(EvalRunOptions));
        return failures.Count == 0 ? this : throw new ArgumentException(string.Join(" ", failures), "options");
    }
}
