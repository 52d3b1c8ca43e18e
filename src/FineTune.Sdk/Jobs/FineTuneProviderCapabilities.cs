namespace FineTune.Sdk;

/// <summary>What a provider can do, stated by the provider so callers can branch instead of catching.</summary>
public sealed class FineTuneProviderCapabilities
{
    /// <summary>Initializes a new instance of the <see cref="FineTuneProviderCapabilities"/> class.</summary>
    /// <param name="providerName">The provider's short name, for example <c>openai</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="providerName"/> is null, empty or white space.</exception>
    public FineTuneProviderCapabilities(string providerName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        ProviderName = providerName;
    }

    /// <summary>Gets the provider's short name, used in logs, metrics and exceptions.</summary>
    /// <value>As given at construction.</value>
    public string ProviderName { get; }

    /// <summary>Gets the training methods the provider accepts.</summary>
    /// <value>Defaults to supervised only.</value>
    public IReadOnlyList<FineTuneMethod> Methods { get; init; } = [FineTuneMethod.Supervised];

    /// <summary>Gets a value indicating whether jobs can be paused and resumed.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool SupportsPauseResume { get; init; }

    /// <summary>Gets a value indicating whether jobs have an event log.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool SupportsEvents { get; init; }

    /// <summary>Gets a value indicating whether jobs keep callable checkpoints.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool SupportsCheckpoints { get; init; }

    /// <summary>Gets a value indicating whether step-level training metrics are available.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool SupportsTrainingMetrics { get; init; }

    /// <summary>
    /// Gets a value indicating whether the provider stores the request's idempotency key with the job and lists it back
    /// (<see cref="FineTuneJob.IdempotencyKey"/>), so <see cref="RetrySafeStartFineTuneProvider"/> can find a job by key.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool SupportsIdempotentStart { get; init; }

    /// <summary>
    /// Gets a value indicating whether the provider itself deduplicates starts by the request's idempotency key (a native
    /// token such as Bedrock's <c>clientRequestToken</c>). <see cref="RetrySafeStartFineTuneProvider"/> then defers to it.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool SupportsNativeIdempotencyToken { get; init; }

    /// <summary>Gets the largest training file accepted, in bytes.</summary>
    /// <value><see langword="null"/> if the provider states no limit.</value>
    public long? MaxFileBytes { get; init; }

    /// <summary>Gets the date after which the provider accepts no new jobs, when one is announced.</summary>
    /// <value>For OpenAI, 2027-01-06; <see langword="null"/> when none is announced.</value>
    public DateOnly? JobCreationEndsOn { get; init; }

    /// <summary>
    /// Creates the exception a provider throws for a verb it lacks, with one wording across providers.
    /// </summary>
    /// <param name="operation">The verb, for example <c>pausing jobs</c>.</param>
    /// <param name="capability">The capability property that says so, for example <c>SupportsPauseResume</c>.</param>
    /// <returns>The exception to throw.</returns>
    public NotSupportedException NotSupported(string operation, string capability)
        => new($"The {ProviderName} provider does not support {operation} (FineTuneProviderCapabilities.{capability} is false); check provider.GetCapabilities() before calling.");
}
