using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>A snapshot of a fine-tuning job as a provider reported it.</summary>
public sealed class FineTuneJob
{
    /// <summary>Initializes a new instance of the <see cref="FineTuneJob"/> class.</summary>
    /// <param name="id">The provider's job id.</param>
    /// <param name="status">The neutral status.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null, empty or white space.</exception>
    public FineTuneJob(string id, FineTuneJobStatus status)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        Status = status;
    }

    /// <summary>Gets the provider's job id.</summary>
    /// <value>As given at construction.</value>
    public string Id { get; }

    /// <summary>Gets the neutral status.</summary>
    /// <value>As given at construction.</value>
    public FineTuneJobStatus Status { get; }

    /// <summary>Gets the status exactly as the provider spelled it.</summary>
    /// <value>Defaults to the neutral status text.</value>
    public string? RawStatus { get; init; }

    /// <summary>Gets the name of the provider that runs the job.</summary>
    /// <value>For example <c>openai</c>; <see langword="null"/> if unknown.</value>
    public string? Provider { get; init; }

    /// <summary>Gets the model being fine-tuned, as resolved by the provider.</summary>
    /// <value><see langword="null"/> if the provider did not say.</value>
    public string? BaseModel { get; init; }

    /// <summary>Gets the id of the model the job produced.</summary>
    /// <value><see langword="null"/> until the job succeeded.</value>
    public string? FineTunedModel { get; init; }

    /// <summary>Gets the training file id.</summary>
    /// <value><see langword="null"/> if the provider did not say.</value>
    public string? TrainingFileId { get; init; }

    /// <summary>Gets the validation file id.</summary>
    /// <value><see langword="null"/> when the job has none.</value>
    public string? ValidationFileId { get; init; }

    /// <summary>Gets the training method.</summary>
    /// <value>Defaults to <see cref="FineTuneMethod.Supervised"/>.</value>
    public FineTuneMethod Method { get; init; } = FineTuneMethod.Supervised;

    /// <summary>Gets the hyperparameters, resolved once the provider has chosen them (<see langword="null"/> values mean still <c>auto</c>).</summary>
    /// <value>Never <see langword="null"/>.</value>
    public FineTuneHyperparameters Hyperparameters { get; init; } = new();

    /// <summary>Gets when the job was created.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets when the job reached a terminal status.</summary>
    /// <value><see langword="null"/> while running, and for some cancelled or failed jobs.</value>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets the provider's estimate of when the job will finish.</summary>
    /// <value><see langword="null"/> unless the provider gives one.</value>
    public DateTimeOffset? EstimatedFinishAt { get; init; }

    /// <summary>Gets the number of billable training tokens.</summary>
    /// <value><see langword="null"/> until the job succeeded.</value>
    public long? TrainedTokens { get; init; }

    /// <summary>Gets the training seed.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public int? Seed { get; init; }

    /// <summary>Gets the model-name suffix given at start.</summary>
    /// <value><see langword="null"/> when none was given.</value>
    public string? Suffix { get; init; }

    /// <summary>Gets the job's metadata, including the idempotency key pair if any.</summary>
    /// <value>Empty when the job has none.</value>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the idempotency key the job was started with.</summary>
    /// <value>The value of <see cref="FineTuneJobRequest.IdempotencyMetadataKey"/> in <see cref="Metadata"/>, or <see langword="null"/>.</value>
    public string? IdempotencyKey => Metadata.TryGetValue(FineTuneJobRequest.IdempotencyMetadataKey, out var key) ? key : null;

    /// <summary>Gets the ids of the result files (for OpenAI, the training-metrics CSV).</summary>
    /// <value>Empty until the job succeeded.</value>
    public IReadOnlyList<string> ResultFileIds { get; init; } = [];

    /// <summary>Gets why the job failed.</summary>
    /// <value><see langword="null"/> unless <see cref="Status"/> is <see cref="FineTuneJobStatus.Failed"/>.</value>
    public FineTuneJobError? Error { get; init; }

    /// <summary>Gets the provider's own object for this snapshot (for OpenAI, the JSON element), for advanced use.</summary>
    /// <value><see langword="null"/> when the adapter kept none.</value>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets provider fields with no neutral property.</summary>
    /// <value><see langword="null"/> when there are none.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Id} ({Status})";
}
