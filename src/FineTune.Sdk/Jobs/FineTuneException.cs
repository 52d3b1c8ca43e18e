namespace FineTune.Sdk;

/// <summary>
/// A failure reported by (or on the way to) a fine-tuning provider. Carries the provider, the HTTP status, the
/// provider's code and request id; never an API key or a data row: the message passes through the SDK's secret
/// scrubber, and an inner exception whose message (or whose inner's) holds a credential is replaced by a copy with the
/// credential redacted (same type name in its message, same stack trace).
/// </summary>
public class FineTuneException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="FineTuneException"/> class.</summary>
    public FineTuneException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuneException"/> class.</summary>
    /// <param name="message">The message.</param>
    public FineTuneException(string message)
        : base(SecretScrubber.Scrub(message))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuneException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public FineTuneException(string message, Exception? innerException)
        : base(SecretScrubber.Scrub(message), SecretScrubber.ScrubChain(innerException))
    {
    }

    /// <summary>Gets the provider's short name.</summary>
    /// <value>For example <c>openai</c>; <see langword="null"/> if unknown.</value>
    public string? Provider { get; init; }

    /// <summary>Gets the HTTP status of the response.</summary>
    /// <value><see langword="null"/> when no response arrived (transport failure, timeout).</value>
    public int? StatusCode { get; init; }

    /// <summary>Gets the provider's machine-readable error code.</summary>
    /// <value>For example <c>model_not_available</c>; <see langword="null"/> when the provider gave none.</value>
    public string? ProviderCode { get; init; }

    /// <summary>Gets the request parameter the provider blamed.</summary>
    /// <value>For example <c>training_file</c>; <see langword="null"/> when none.</value>
    public string? Parameter { get; init; }

    /// <summary>Gets the provider's request id, to quote to its support.</summary>
    /// <value><see langword="null"/> when the response carried none.</value>
    public string? RequestId { get; init; }

    /// <summary>Gets a value indicating whether the same call may succeed if repeated later (408, 429, 5xx, transport, timeout).</summary>
    /// <value><see langword="true"/> for transient failures.</value>
    public bool IsTransient { get; init; }

    /// <summary>Gets how long the provider asked callers to wait (the <c>Retry-After</c> header).</summary>
    /// <value><see langword="null"/> when the provider said nothing.</value>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Tells whether an HTTP status is worth retrying: 408, 429, 500, 502, 503 or 504.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <returns><see langword="true"/> for the transient statuses.</returns>
    public static bool IsTransientStatus(int statusCode) => statusCode is 408 or 429 or 500 or 502 or 503 or 504;
}
