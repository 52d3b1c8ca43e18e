namespace FineTune.Sdk.OpenAI;

/// <summary>Options of <see cref="OpenAIFineTuneProvider"/> and <see cref="OpenAIChatClients"/>; works with any OpenAI-compatible endpoint.</summary>
public sealed class OpenAIFineTuneProviderOptions
{
    /// <summary>The environment variable read when <see cref="ApiKey"/> is not set.</summary>
    public const string ApiKeyEnvironmentVariable = "OPENAI_API_KEY";

    /// <summary>The endpoint used when <see cref="Endpoint"/> is not set.</summary>
    public const string DefaultEndpoint = "https://api.openai.com/v1";

    /// <summary>Gets or sets the API base address, including the <c>/v1</c> segment (for example the emulator's <c>http://127.0.0.1:PORT/v1</c>).</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="DefaultEndpoint"/>.</value>
    public string? Endpoint { get; set; }

    /// <summary>Gets or sets the API key. Never logged, never put in an exception.</summary>
    /// <value>Defaults to <see langword="null"/>: the <c>OPENAI_API_KEY</c> environment variable.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the organization id sent as <c>OpenAI-Organization</c>.</summary>
    /// <value>Defaults to <see langword="null"/> (the key's default organization).</value>
    public string? Organization { get; set; }

    /// <summary>Gets or sets the project id sent as <c>OpenAI-Project</c>.</summary>
    /// <value>Defaults to <see langword="null"/> (the key's default project).</value>
    public string? Project { get; set; }

    /// <summary>Gets or sets the model the chat client calls when a request names none.</summary>
    /// <value>Defaults to <see langword="null"/> (each request must set <c>ChatOptions.ModelId</c>).</value>
    public string? DefaultChatModel { get; set; }

    /// <summary>
    /// Gets or sets the name of the <see cref="System.Net.Http.IHttpClientFactory"/> client requests go through (its
    /// handlers, proxy and certificates apply), when the provider is registered with <c>AddOpenAI</c>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the OpenAI package's own HTTP client (or the handler given to <c>AddOpenAI</c>).</value>
    public string? HttpClientName { get; set; }

    /// <summary>Gets the retry, circuit-breaker and timeout settings. The OpenAI package's own retries are switched off.</summary>
    /// <value>Defaults as documented on <see cref="FineTuneResilienceOptions"/>.</value>
    public FineTuneResilienceOptions Resilience { get; } = new();

    /// <summary>Gets or sets how many of the newest jobs are scanned for an idempotency key before a job is created.</summary>
    /// <value>Defaults to 100; 1 to 10,000.</value>
    public int IdempotencyScanLimit { get; set; } = 100;

    /// <summary>Gets or sets the size above which a file goes through the Uploads API (in parts) instead of <c>POST /files</c>.</summary>
    /// <value>Defaults to 512 MiB, the <c>/files</c> limit; at least 1 byte.</value>
    public long LargeFileThresholdBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Gets or sets the size of each part sent to the Uploads API.</summary>
    /// <value>Defaults to 64 MiB, the service's maximum; 1 byte to 64 MiB.</value>
    public int UploadPartBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Gets model retirement dates that override or extend the built-in ones (keys are model ids, case-insensitive).</summary>
    /// <value>Empty by default.</value>
    public IDictionary<string, DateOnly> ModelRetirements { get; } = new Dictionary<string, DateOnly>(StringComparer.OrdinalIgnoreCase);

    internal string? ResolveApiKey() => string.IsNullOrWhiteSpace(ApiKey) ? Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable) : ApiKey;

    internal Uri ResolveEndpoint() => new((Endpoint ?? DefaultEndpoint).TrimEnd('/') + "/");

    internal void ThrowIfInvalid()
    {
        var failures = OpenAIFineTuneProviderOptionsValidator.Failures(this, "OpenAI");
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid OpenAI options: " + string.Join(" ", failures), "options");
        }
    }
}
