namespace FineTune.Sdk;

/// <summary>
/// Options of the chat pipeline evaluations call models through (<see cref="FineTuneChatClientBuilderExtensions.UseFineTunePipeline"/>):
/// the retry layer, the request and token rate limits, and the response cache.
/// </summary>
public sealed class ChatPipelineOptions
{
    /// <summary>Gets or sets how many times a transient failure (HTTP 408, 429, 5xx, transport failures) is retried.</summary>
    /// <value>Defaults to 3, so one call makes at most 4 requests. Zero disables retries. At most 100.</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Gets or sets the first retry delay when the provider sends no <c>Retry-After</c>; later ones grow exponentially with jitter.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait a <c>Retry-After</c> may ask for; a longer one fails the call instead of waiting.</summary>
    /// <value>Defaults to 2 minutes.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets the most requests started per minute through one pipeline (retries included).</summary>
    /// <value>Defaults to <see langword="null"/>: no limit.</value>
    public int? RequestsPerMinute { get; set; }

    /// <summary>
    /// Gets or sets the most tokens per minute through one pipeline. Before a request its tokens are estimated as
    /// prompt characters / 4 plus <see cref="Microsoft.Extensions.AI.ChatOptions.MaxOutputTokens"/> (or 256).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no limit.</value>
    public int? TokensPerMinute { get; set; }

    /// <summary>
    /// Gets or sets a folder for the response cache, keyed by a hash of the model id, the messages and the options.
    /// A cached response carries <see cref="ChatPipelineProperties.Cached"/> and the latency first measured.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no cache.</value>
    public string? ResponseCacheDirectory { get; set; }

    /// <summary>
    /// Gets or sets a function that says whether an exception is transient (retried). It is asked first; returning
    /// <see langword="null"/> falls back to the built-in rules.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<Exception, bool?>? IsTransient { get; set; }

    /// <summary>
    /// Gets or sets a function that reads the provider's <c>Retry-After</c> from an exception. The built-in rule reads
    /// <see cref="FineTuneException.RetryAfter"/>, then <c>exception.Data["Retry-After"]</c> (a <see cref="TimeSpan"/> or seconds).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<Exception, TimeSpan?>? RetryAfter { get; set; }

    internal void Validate(List<string> failures, string prefix)
    {
        if (MaxRetries is < 0 or > 100)
        {
            failures.Add($"{prefix}.{nameof(MaxRetries)} must be between 0 and 100; it was {MaxRetries}.");
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(RetryBaseDelay)} must not be negative; it was {RetryBaseDelay}.");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(MaxRetryAfter)} must not be negative; it was {MaxRetryAfter}.");
        }

        if (RequestsPerMinute is < 1)
        {
            failures.Add($"{prefix}.{nameof(RequestsPerMinute)} must be at least 1 when set; it was {RequestsPerMinute}.");
        }

        if (TokensPerMinute is < 1)
        {
            failures.Add($"{prefix}.{nameof(TokensPerMinute)} must be at least 1 when set; it was {TokensPerMinute}.");
        }

        if (ResponseCacheDirectory is { Length: 0 })
        {
            failures.Add($"{prefix}.{nameof(ResponseCacheDirectory)} must not be empty when set.");
        }
    }

    internal ChatPipelineOptions ThrowIfInvalid()
    {
        var failures = new List<string>();
        Validate(failures, nameof(ChatPipelineOptions));
        return failures.Count == 0 ? this : throw new ArgumentException(string.Join(" ", failures), "options");
    }

    internal ChatPipelineOptions Snapshot() => new()
    {
        MaxRetries = MaxRetries,
        RetryBaseDelay = RetryBaseDelay,
        MaxRetryAfter = MaxRetryAfter,
        RequestsPerMinute = RequestsPerMinute,
        TokensPerMinute = TokensPerMinute,
        ResponseCacheDirectory = ResponseCacheDirectory,
        IsTransient = IsTransient,
        RetryAfter = RetryAfter,
    };
}

/// <summary>Validates <see cref="ChatPipelineOptions"/> for <c>ValidateOnStart</c>; messages name the field and the value.</summary>
public sealed class ChatPipelineOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ChatPipelineOptions>
{
    /// <inheritdoc/>
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ChatPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        options.Validate(failures, string.IsNullOrEmpty(name) ? nameof(ChatPipelineOptions) : $"{nameof(ChatPipelineOptions)}[{name}]");
        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}
