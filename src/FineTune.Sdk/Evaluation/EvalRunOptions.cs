using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// Options of one evaluation run. The request settings (<see cref="Temperature"/>, <see cref="MaxOutputTokens"/>,
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

    /// <summary>Gets or sets the most requests started per minute, across all variants.</summary>
    /// <value>Defaults to <see langword="null"/>: no limit.</value>
    public int? RequestsPerMinute { get; set; }

    /// <summary>
    /// Gets or sets the most tokens per minute, across all variants. Before a call its tokens are estimated as
    /// prompt characters / 4 plus <see cref="MaxOutputTokens"/> (or 256).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no limit.</value>
    public int? TokensPerMinute { get; set; }

    /// <summary>Gets or sets how many times a transient failure (HTTP 408, 429, 5xx, timeouts) is retried.</summary>
    /// <value>Defaults to 3. Zero disables retries.</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Gets or sets the first retry delay when the provider sends no <c>Retry-After</c>; later ones grow exponentially with jitter.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the time one case may take on one variant, retries included; past it the case is a failure.</summary>
    /// <value>Defaults to 2 minutes.</value>
    public TimeSpan CaseTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the JSONL run file results are appended to as they finish. When it already holds results, the
    /// run resumes: finished case-variant pairs are returned from the file and not called again.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: results are not persisted.</value>
    public string? RunFile { get; set; }

    /// <summary>
    /// Gets or sets a folder for the response cache, keyed by (model id, request hash). A cached response is
    /// returned with <see cref="EvalCaseResult.Cached"/> set and the latency first measured.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no cache.</value>
    public string? ResponseCacheDirectory { get; set; }

    /// <summary>Gets the scorers applied to every output, in order; the first is the primary scorer of comparisons.</summary>
    /// <value>Defaults to empty.</value>
    public IList<IEvalScorer> Scorers { get; } = [];

    /// <summary>
    /// Gets or sets a function that says whether an exception is transient (retried). It is asked first; returning
    /// <see langword="null"/> falls back to the built-in rules.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<Exception, bool?>? IsTransient { get; set; }

    /// <summary>
    /// Gets or sets a function that reads the provider's <c>Retry-After</c> from an exception. The built-in rule reads
    /// <c>exception.Data["Retry-After"]</c> (a <see cref="TimeSpan"/> or seconds).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<Exception, TimeSpan?>? RetryAfter { get; set; }

    internal void Validate(List<string> failures, string prefix = "Evaluation")
    {
        if (MaxConcurrency is < 1 or > 1024)
        {
            failures.Add($"{prefix}.{nameof(MaxConcurrency)} must be between 1 and 1024; it was {MaxConcurrency}.");
        }

        if (RequestsPerMinute is < 1)
        {
            failures.Add($"{prefix}.{nameof(RequestsPerMinute)} must be at least 1 when set; it was {RequestsPerMinute}.");
        }

        if (TokensPerMinute is < 1)
        {
            failures.Add($"{prefix}.{nameof(TokensPerMinute)} must be at least 1 when set; it was {TokensPerMinute}.");
        }

        if (MaxRetries is < 0 or > 100)
        {
            failures.Add($"{prefix}.{nameof(MaxRetries)} must be between 0 and 100; it was {MaxRetries}.");
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(RetryBaseDelay)} must not be negative; it was {RetryBaseDelay}.");
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
