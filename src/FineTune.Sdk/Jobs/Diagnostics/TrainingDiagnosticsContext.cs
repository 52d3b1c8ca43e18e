namespace FineTune.Sdk;

/// <summary>
/// What <see cref="TrainingDiagnostician"/> knows about a run besides its metrics. Every member is optional: findings that
/// need a missing member are not made, and advice names concrete values only when it can.
/// </summary>
public sealed class TrainingDiagnosticsContext
{
    /// <summary>Gets the number of training examples.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public int? TrainingExamples { get; init; }

    /// <summary>Gets the number of validation examples; 0 when the job had no validation file.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public int? ValidationExamples { get; init; }

    /// <summary>Gets the number of epochs the job trained for.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public int? Epochs { get; init; }

    /// <summary>Gets the batch size.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public int? BatchSize { get; init; }

    /// <summary>Gets the learning-rate multiplier (OpenAI) or learning rate (Bedrock) the job used.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public double? LearningRateMultiplier { get; init; }

    /// <summary>Gets the base model that was fine-tuned.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public string? BaseModel { get; init; }

    /// <summary>Builds a context from a job as a provider returns it (hyperparameters, base model).</summary>
    /// <param name="job">The job.</param>
    /// <param name="trainingExamples">The number of training examples, when known.</param>
    /// <param name="validationExamples">The number of validation examples (0 without a validation file), when known.</param>
    /// <returns>A new context.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    public static TrainingDiagnosticsContext FromJob(FineTuneJob job, int? trainingExamples = null, int? validationExamples = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new TrainingDiagnosticsContext
        {
            TrainingExamples = trainingExamples,
            ValidationExamples = validationExamples ?? (job.ValidationFileId is null ? 0 : null),
            Epochs = job.Hyperparameters.Epochs,
            BatchSize = job.Hyperparameters.BatchSize,
            LearningRateMultiplier = job.Hyperparameters.LearningRateMultiplier,
            BaseModel = job.BaseModel,
        };
    }
}
