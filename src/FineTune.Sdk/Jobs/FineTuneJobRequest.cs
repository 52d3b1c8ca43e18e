namespace FineTune.Sdk;

/// <summary>What to train: the base model, the uploaded files, the method and its hyperparameters.</summary>
public sealed class FineTuneJobRequest
{
    /// <summary>The metadata key under which the idempotency key is stored on the job.</summary>
    public const string IdempotencyMetadataKey = "ft_idempotency_key";

    /// <summary>The most metadata pairs a caller may set (one more is reserved for the idempotency key).</summary>
    public const int MaxMetadataPairs = 15;

    /// <summary>Initializes a new instance of the <see cref="FineTuneJobRequest"/> class.</summary>
    /// <param name="baseModel">The model to fine-tune (a base snapshot, an alias or an existing fine-tuned model).</param>
    /// <param name="trainingFileId">The id of an uploaded training file.</param>
    /// <exception cref="ArgumentException">An argument is null, empty or white space.</exception>
    public FineTuneJobRequest(string baseModel, string trainingFileId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseModel);
        ArgumentException.ThrowIfNullOrWhiteSpace(trainingFileId);
        BaseModel = baseModel;
        TrainingFileId = trainingFileId;
    }

    /// <summary>Gets the model to fine-tune.</summary>
    /// <value>As given at construction.</value>
    public string BaseModel { get; }

    /// <summary>Gets the id of the uploaded training file.</summary>
    /// <value>As given at construction.</value>
    public string TrainingFileId { get; }

    /// <summary>Gets or sets the id of an uploaded validation file.</summary>
    /// <value>Defaults to <see langword="null"/> (no validation file).</value>
    public string? ValidationFileId { get; set; }

    /// <summary>Gets or sets the training method.</summary>
    /// <value>Defaults to <see cref="FineTuneMethod.Supervised"/>.</value>
    public FineTuneMethod Method { get; set; } = FineTuneMethod.Supervised;

    /// <summary>Gets or sets the hyperparameters.</summary>
    /// <value>Defaults to all <c>auto</c>.</value>
    public FineTuneHyperparameters Hyperparameters { get; set; } = new();

    /// <summary>Gets or sets a suffix for the fine-tuned model's name.</summary>
    /// <value>Defaults to <see langword="null"/>; otherwise 1 to 64 characters.</value>
    public string? Suffix { get; set; }

    /// <summary>Gets or sets the training seed, for reproducible runs.</summary>
    /// <value>Defaults to <see langword="null"/> (the provider chooses); otherwise 0 or more.</value>
    public int? Seed { get; set; }

    /// <summary>Gets the metadata stored on the job (at most 15 pairs; keys up to 64 characters, values up to 512).</summary>
    /// <value>Empty by default.</value>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the idempotency key. Through the standard pipeline, starting a job with a key that an existing job
    /// carries returns that job instead of creating (and paying for) a second one — retry-safe, not atomic (see
    /// <see cref="RetrySafeStartFineTuneProvider"/>). Supply a stable key (for example a hash of the run's inputs) to be
    /// safe across process restarts; when <see langword="null"/>, a key is generated per start call, which still
    /// protects the retries made inside that call.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>; otherwise 1 to 64 characters.</value>
    public string? IdempotencyKey { get; set; }

    /// <summary>A fresh idempotency key: 32 hexadecimal digits.</summary>
    internal static string NewIdempotencyKey() => Guid.NewGuid().ToString("N");

    /// <summary>A copy of this request carrying <paramref name="key"/>; the caller's request is left as it was.</summary>
    internal FineTuneJobRequest WithIdempotencyKey(string key)
    {
        var copy = new FineTuneJobRequest(BaseModel, TrainingFileId)
        {
            ValidationFileId = ValidationFileId,
            Method = Method,
            Hyperparameters = Hyperparameters,
            Suffix = Suffix,
            Seed = Seed,
            IdempotencyKey = key,
        };
        foreach (var (k, v) in Metadata)
        {
            copy.Metadata[k] = v;
        }

        return copy;
    }

    /// <summary>Checks the request against the limits the providers enforce, before any network call.</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the field and the value.</exception>
    public void Validate()
    {
        Hyperparameters.Validate(Method);
        if (Suffix is { } suffix && suffix.Length is < 1 or > 64)
        {
            throw new ArgumentException($"Suffix must be 1 to 64 characters; it was {suffix.Length} characters.", nameof(Suffix));
        }

        if (Seed is < 0)
        {
            throw FineTuneHyperparameters.OutOfRange(nameof(Seed), Seed, $"Seed must be 0 or more; it was {Seed}.");
        }

        if (IdempotencyKey is { } key && (key.Length is < 1 or > 64 || string.IsNullOrWhiteSpace(key)))
        {
            throw new ArgumentException($"IdempotencyKey must be 1 to 64 non-blank characters; it was {key.Length} characters.", nameof(IdempotencyKey));
        }

        if (Metadata.Count > MaxMetadataPairs)
        {
            throw new ArgumentException($"Metadata may hold at most {MaxMetadataPairs} pairs (one more is reserved for the idempotency key); it held {Metadata.Count}.", nameof(Metadata));
        }

        foreach (var (k, v) in Metadata)
        {
            if (k.Length is < 1 or > 64)
            {
                throw new ArgumentException($"Metadata keys must be 1 to 64 characters; key '{k}' has {k.Length}.", nameof(Metadata));
            }

            if (string.Equals(k, IdempotencyMetadataKey, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Metadata key '{IdempotencyMetadataKey}' is reserved; set IdempotencyKey instead.", nameof(Metadata));
            }

            if (v is null || v.Length > 512)
            {
                throw new ArgumentException($"Metadata values must be at most 512 characters; the value of '{k}' has {v?.Length ?? 0}.", nameof(Metadata));
            }
        }
    }
}
