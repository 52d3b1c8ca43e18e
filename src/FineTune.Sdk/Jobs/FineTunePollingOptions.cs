namespace FineTune.Sdk;

/// <summary>How a <see cref="FineTuneJobHandle"/> polls its job.</summary>
public sealed class FineTunePollingOptions
{
    /// <summary>Gets or sets the first delay between polls, used again whenever something changes.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan InitialInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the longest delay between polls.</summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the factor the delay grows by after a poll that saw nothing new.</summary>
    /// <value>Defaults to 1.5; at least 1.</value>
    public double BackoffMultiplier { get; set; } = 1.5;

    /// <summary>Gets or sets the jitter as a fraction of the delay (a delay of d waits between d·(1−j) and d·(1+j)).</summary>
    /// <value>Defaults to 0.2; 0 to 1.</value>
    public double JitterFactor { get; set; } = 0.2;

    /// <summary>Gets or sets the longest time to wait for a job before giving up with a <see cref="TimeoutException"/> (the job keeps running).</summary>
    /// <value>Defaults to 24 hours; <see langword="null"/> for no limit.</value>
    public TimeSpan? Timeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets a value indicating whether <see cref="FineTuneJobHandle.WatchAsync"/> reports new events (when the provider has them).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool IncludeEvents { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether <see cref="FineTuneJobHandle.WatchAsync"/> reports training metrics carried by events.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool IncludeMetrics { get; set; } = true;

    /// <summary>A copy, so a handle keeps the values it validated even if the caller edits the options later.</summary>
    internal FineTunePollingOptions Snapshot() => (FineTunePollingOptions)MemberwiseClone();

    /// <summary>The rules <see cref="FineTunePollingOptionsValidator"/> applies; messages name the field and the value.</summary>
    internal List<string> Validate(string prefix)
    {
        var failures = new List<string>();
        if (InitialInterval <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(InitialInterval)} must be greater than zero; it was {InitialInterval}.");
        }

        if (MaxInterval < InitialInterval)
        {
            failures.Add($"{prefix}.{nameof(MaxInterval)} must be at least {nameof(InitialInterval)} ({InitialInterval}); it was {MaxInterval}.");
        }

        if (double.IsNaN(BackoffMultiplier) || BackoffMultiplier is < 1 or > 10)
        {
            failures.Add($"{prefix}.{nameof(BackoffMultiplier)} must be between 1 and 10; it was {BackoffMultiplier}.");
        }

        if (double.IsNaN(JitterFactor) || JitterFactor is < 0 or > 1)
        {
            failures.Add($"{prefix}.{nameof(JitterFactor)} must be between 0 and 1; it was {JitterFactor}.");
        }

        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(Timeout)} must be greater than zero, or null for no limit; it was {timeout}.");
        }

        return failures;
    }
}
