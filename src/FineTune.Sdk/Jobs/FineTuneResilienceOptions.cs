namespace FineTune.Sdk;

/// <summary>
/// How provider calls are retried, broken and timed out. Defaults suit a fine-tuning API (calls are cheap and
/// rare; a job's own duration is handled by <see cref="FineTuneJobHandle"/>, not here).
/// </summary>
public sealed class FineTuneResilienceOptions
{
    /// <summary>Gets or sets how many times a failed call is retried (so at most this + 1 attempts).</summary>
    /// <value>Defaults to 4; 0 disables retries; at most 20.</value>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>Gets or sets the first retry delay; each next one doubles, with jitter.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest computed backoff delay.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets a value indicating whether backoff delays are randomised (between half and all of the computed delay).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    /// <summary>
    /// Gets or sets the longest <c>Retry-After</c> the client waits for. A provider asking for a longer wait fails
    /// the call at once with <see cref="FineTuneException.RetryAfter"/> set, so the caller can schedule it.
    /// </summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the timeout of one attempt.</summary>
    /// <value>Defaults to 100 seconds; <see langword="null"/> for none. Uploads of large files may need more.</value>
    public TimeSpan? AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Gets or sets a value indicating whether a circuit breaker stops calls after repeated outages (5xx, transport, timeouts; not 429).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool CircuitBreakerEnabled { get; set; } = true;

    /// <summary>Gets or sets the failure ratio over <see cref="SamplingDuration"/> that opens the circuit.</summary>
    /// <value>Defaults to 0.5; greater than 0 and at most 1.</value>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets how many calls must be seen in <see cref="SamplingDuration"/> before the circuit can open.</summary>
    /// <value>Defaults to 10; at least 2.</value>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>Gets or sets the window over which failures are counted.</summary>
    /// <value>Defaults to 30 seconds; at least 0.5 seconds.</value>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long an open circuit refuses calls before letting one through.</summary>
    /// <value>Defaults to 15 seconds; at least 0.5 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A copy, so an engine keeps the values it validated even if the caller edits the options later.</summary>
    internal FineTuneResilienceOptions Snapshot() => (FineTuneResilienceOptions)MemberwiseClone();

    /// <summary>The rules <see cref="FineTuneResilienceOptionsValidator"/> applies; messages name the field and the value.</summary>
    internal List<string> Validate(string prefix)
    {
        var failures = new List<string>();
        if (MaxRetryAttempts is < 0 or > 20)
        {
            failures.Add($"{prefix}.{nameof(MaxRetryAttempts)} must be between 0 and 20; it was {MaxRetryAttempts}.");
        }

        if (BaseDelay <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(BaseDelay)} must be greater than zero; it was {BaseDelay}.");
        }

        if (MaxDelay < BaseDelay)
        {
            failures.Add($"{prefix}.{nameof(MaxDelay)} must be at least {nameof(BaseDelay)} ({BaseDelay}); it was {MaxDelay}.");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(MaxRetryAfter)} must not be negative; it was {MaxRetryAfter}.");
        }

        if (AttemptTimeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(10) || timeout > TimeSpan.FromDays(1)))
        {
            failures.Add($"{prefix}.{nameof(AttemptTimeout)} must be between 10 ms and 1 day, or null; it was {timeout}.");
        }

        if (CircuitBreakerEnabled)
        {
            if (FailureRatio is <= 0 or > 1 || double.IsNaN(FailureRatio))
            {
                failures.Add($"{prefix}.{nameof(FailureRatio)} must be greater than 0 and at most 1; it was {FailureRatio}.");
            }

            if (MinimumThroughput < 2)
            {
                failures.Add($"{prefix}.{nameof(MinimumThroughput)} must be at least 2; it was {MinimumThroughput}.");
            }

            if (SamplingDuration < TimeSpan.FromMilliseconds(500))
            {
                failures.Add($"{prefix}.{nameof(SamplingDuration)} must be at least 0.5 s; it was {SamplingDuration}.");
            }

            if (BreakDuration < TimeSpan.FromMilliseconds(500))
            {
                failures.Add($"{prefix}.{nameof(BreakDuration)} must be at least 0.5 s; it was {BreakDuration}.");
            }
        }

        return failures;
    }
}
