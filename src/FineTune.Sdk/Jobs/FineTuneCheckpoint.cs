using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>A usable model snapshot saved during training (OpenAI keeps the last three epochs).</summary>
public sealed class FineTuneCheckpoint
{
    /// <summary>Initializes a new instance of the <see cref="FineTuneCheckpoint"/> class.</summary>
    /// <param name="id">The provider's checkpoint id.</param>
    /// <param name="modelId">The model id to call the checkpoint with.</param>
    /// <param name="stepNumber">The training step the checkpoint was taken at.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> or <paramref name="modelId"/> is null, empty or white space.</exception>
    public FineTuneCheckpoint(string id, string modelId, int stepNumber)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        Id = id;
        ModelId = modelId;
        StepNumber = stepNumber;
    }

    /// <summary>Gets the provider's checkpoint id.</summary>
    /// <value>As given at construction.</value>
    public string Id { get; }

    /// <summary>Gets the model id to call the checkpoint with.</summary>
    /// <value>As given at construction.</value>
    public string ModelId { get; }

    /// <summary>Gets the training step the checkpoint was taken at.</summary>
    /// <value>As given at construction.</value>
    public int StepNumber { get; }

    /// <summary>Gets the id of the job that produced the checkpoint.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public string? JobId { get; init; }

    /// <summary>Gets when the checkpoint was saved.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the metrics at the checkpoint's step.</summary>
    /// <value><see langword="null"/> if the provider gave none.</value>
    public TrainingMetric? Metrics { get; init; }

    /// <summary>Gets the provider's own object for this checkpoint, for advanced use.</summary>
    /// <value><see langword="null"/> when the adapter kept none.</value>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets provider fields with no neutral property.</summary>
    /// <value><see langword="null"/> when there are none.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; init; }
}
