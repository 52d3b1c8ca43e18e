namespace FineTune.Sdk.Testing;

/// <summary>
/// Settings of an <see cref="OpenAIEmulator"/>: identity, training pace, base-model behaviour and injected faults.
/// </summary>
/// <remarks>
/// The emulator reads these options on every request, so a test may change fault settings between calls
/// (for example set <see cref="RateLimitNextRequests"/> just before the call under test). Fault counters are
/// consumed under the emulator's lock and are safe to set from any thread.
/// </remarks>
public sealed class OpenAIEmulatorOptions
{
    /// <summary>Gets or sets the organization id reported on jobs.</summary>
    /// <value>Default <c>org-emulator000000000000000000</c>.</value>
    public string OrganizationId { get; set; } = "org-emulator000000000000000000";

    /// <summary>Gets or sets the organization slug used inside fine-tuned model names (<c>ft:{base}:{slug}:{suffix}:{id}</c>).</summary>
    /// <value>Default <c>emulator</c>.</value>
    public string OrganizationSlug { get; set; } = "emulator";

    /// <summary>Gets or sets the API key the emulator requires as <c>Authorization: Bearer …</c>.</summary>
    /// <value>Default <see langword="null"/>: any key, or none, is accepted.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the seed of the id and hyperparameter generator.</summary>
    /// <value>Default <see langword="null"/>: a random seed. Set it for reproducible ids.</value>
    public int? RandomSeed { get; set; }

    /// <summary>Gets or sets a state file that makes the emulator survive its process: loaded (replayed) at construction when
    /// it exists, rewritten whole (temp file + rename) after every change, so files, jobs, events, checkpoints, models and
    /// the clock position are seen — still progressing — by the next emulator given the same path.</summary>
    /// <value>Default <see langword="null"/>: in memory only. The file's seed wins over <see cref="RandomSeed"/>; fault
    /// settings are not saved. One process at a time per file (see docs/emulator.md).</value>
    public string? StatePath { get; set; }

    /// <summary>Gets or sets how many times faster than the default pace training runs.</summary>
    /// <value>Default 1: validation 10 s, queue 10 s, 1 s per training step (all divided by this value). Must be &gt; 0.</value>
    public double Speed { get; set; } = 1;

    /// <summary>Gets or sets how long a job stays in <c>validating_files</c> at <see cref="Speed"/> 1.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan ValidationDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long a job stays <c>queued</c> at <see cref="Speed"/> 1.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan QueueDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long one training step takes at <see cref="Speed"/> 1.</summary>
    /// <value>Default 1 second.</value>
    public TimeSpan StepDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets a value indicating whether running jobs report <c>estimated_finish</c>.</summary>
    /// <value>Default <see langword="true"/>, as the service. Set <see langword="false"/> when a client compares the estimate
    /// with the real clock while the emulator runs on a <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/> (the OpenAI .NET package's
    /// <c>WaitForCompletion</c> throws on an estimate in its past).</value>
    public bool ReportEstimatedFinish { get; set; } = true;

    /// <summary>Gets or sets the share of known prompts the base model answers correctly (see docs/emulator.md).</summary>
    /// <value>Default 0.6. Between 0 and 1.</value>
    public double BaseModelAccuracy { get; set; } = 0.6;

    /// <summary>Gets or sets the largest accepted upload through <c>POST /files</c>, in bytes.</summary>
    /// <value>Default 512 MB, as the service.</value>
    public long MaxFileBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Gets or sets a path fragment that restricts the request faults below to matching paths.</summary>
    /// <value>Default <see langword="null"/>: faults apply to every path. Example: <c>/fine_tuning/jobs</c>.</value>
    public string? FaultPathContains { get; set; }

    /// <summary>Gets or sets how many of the next requests are answered 429 with <c>Retry-After</c>.</summary>
    /// <value>Default 0.</value>
    public int RateLimitNextRequests { get; set; }

    /// <summary>Gets or sets the probability (0..1) that any request is answered 429, drawn from a seeded generator.</summary>
    /// <value>Default 0.</value>
    public double RateLimitRate { get; set; }

    /// <summary>Gets or sets the <c>Retry-After</c> sent with injected 429 and 503 answers.</summary>
    /// <value>Default 1 second (sent as whole seconds, and in milliseconds as <c>retry-after-ms</c>).</value>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many of the next requests fail with <see cref="ServerErrorStatusCode"/>.</summary>
    /// <value>Default 0.</value>
    public int ServerErrorNextRequests { get; set; }

    /// <summary>Gets or sets the probability (0..1) that any request fails with <see cref="ServerErrorStatusCode"/>.</summary>
    /// <value>Default 0.</value>
    public double ServerErrorRate { get; set; }

    /// <summary>Gets or sets the status code of injected server errors (500, 502, 503 or 504).</summary>
    /// <value>Default 500.</value>
    public int ServerErrorStatusCode { get; set; } = 500;

    /// <summary>Gets or sets how many of the next requests lose their connection before any answer.</summary>
    /// <value>Default 0. Over HTTP the socket is reset; in-process the handler throws <see cref="HttpRequestException"/>.</value>
    public int DropConnectionNextRequests { get; set; }

    /// <summary>Gets or sets the probability (0..1) that a request loses its connection.</summary>
    /// <value>Default 0.</value>
    public double DropConnectionRate { get; set; }

    /// <summary>Gets or sets a delay added to every matching response, on the emulator's clock (slow-response fault).</summary>
    /// <value>Default zero.</value>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Gets or sets how many of the next job creations succeed on the server but lose their response.</summary>
    /// <value>Default 0. The job exists (and is listed); the caller sees a dropped connection. For idempotency tests.</value>
    public int LoseJobCreateResponses { get; set; }

    /// <summary>Gets or sets a value indicating whether job creation is refused (the platform wind-down).</summary>
    /// <value>Default <see langword="false"/>. When set, <c>POST /fine_tuning/jobs</c> answers
    /// <see cref="RefusedJobCreationStatusCode"/> with <see cref="RefusedJobCreationCode"/> and <see cref="RefusedJobCreationMessage"/>.</value>
    public bool RefuseJobCreation { get; set; }

    /// <summary>Gets or sets the HTTP status of a refused job creation.</summary>
    /// <value>Default 403. The real status is not published (see docs/emulator.md).</value>
    public int RefusedJobCreationStatusCode { get; set; } = 403;

    /// <summary>Gets or sets the error code of a refused job creation.</summary>
    /// <value>Default <c>fine_tuning_unavailable</c>. The real code is not published (see docs/emulator.md).</value>
    public string RefusedJobCreationCode { get; set; } = "fine_tuning_unavailable";

    /// <summary>Gets or sets the error message of a refused job creation.</summary>
    /// <value>Default: a message saying fine-tuning job creation is no longer available to the organization.</value>
    public string RefusedJobCreationMessage { get; set; } =
        "Fine-tuning job creation is no longer available for your organization: OpenAI is winding down the fine-tuning platform. Existing fine-tuned models remain available for inference.";

    /// <summary>Gets or sets the training step at which jobs created from now on fail (mid-training failure).</summary>
    /// <value>Default <see langword="null"/>: jobs do not fail. A value past the last step fails at the last step.</value>
    public int? FailTrainingAtStep { get; set; }

    /// <summary>Checks the options and throws when one is out of range.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        if (!(Speed > 0) || double.IsInfinity(Speed))
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.Speed must be a finite number > 0 (was {Speed}).", nameof(Speed));
        }

        CheckNonNegative(ValidationDuration, nameof(ValidationDuration));
        CheckNonNegative(QueueDuration, nameof(QueueDuration));
        CheckNonNegative(ResponseDelay, nameof(ResponseDelay));
        CheckNonNegative(RetryAfter, nameof(RetryAfter));
        if (StepDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.StepDuration must be > 0 (was {StepDuration}).", nameof(StepDuration));
        }

        CheckProbability(BaseModelAccuracy, nameof(BaseModelAccuracy));
        CheckProbability(RateLimitRate, nameof(RateLimitRate));
        CheckProbability(ServerErrorRate, nameof(ServerErrorRate));
        CheckProbability(DropConnectionRate, nameof(DropConnectionRate));
        if (ServerErrorStatusCode is < 500 or > 599)
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.ServerErrorStatusCode must be 5xx (was {ServerErrorStatusCode}).", nameof(ServerErrorStatusCode));
        }

        if (RefusedJobCreationStatusCode is < 400 or > 599)
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.RefusedJobCreationStatusCode must be 4xx or 5xx (was {RefusedJobCreationStatusCode}).", nameof(RefusedJobCreationStatusCode));
        }

        if (string.IsNullOrWhiteSpace(OrganizationSlug) || OrganizationSlug.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.OrganizationSlug must be non-empty without ':' (was '{OrganizationSlug}').", nameof(OrganizationSlug));
        }

        if (MaxFileBytes <= 0)
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.MaxFileBytes must be > 0 (was {MaxFileBytes}).", nameof(MaxFileBytes));
        }

        if (StatePath is not null && string.IsNullOrWhiteSpace(StatePath))
        {
            throw new ArgumentException("OpenAIEmulatorOptions.StatePath must not be empty (was '').", nameof(StatePath));
        }

        if (FailTrainingAtStep is < 1)
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.FailTrainingAtStep must be >= 1 (was {FailTrainingAtStep}).", nameof(FailTrainingAtStep));
        }
    }

    private static void CheckNonNegative(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.{name} must not be negative (was {value}).", name);
        }
    }

    private static void CheckProbability(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentException($"OpenAIEmulatorOptions.{name} must be between 0 and 1 (was {value}).", name);
        }
    }
}
