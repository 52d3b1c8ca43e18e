namespace FineTune.Sdk;

/// <summary>What a <see cref="TrainingFinding"/> is about.</summary>
public enum TrainingFindingKind
{
    /// <summary>The model learns the training rows but generalizes worse: validation loss rises or drifts away from training loss.</summary>
    Overfitting = 0,

    /// <summary>The model has not learned enough: loss still falling at the end, or a high final loss or low token accuracy.</summary>
    Underfitting = 1,

    /// <summary>Training is unstable: the loss spikes.</summary>
    Instability = 2,

    /// <summary>The validation set is missing or too small to judge the other kinds.</summary>
    Validation = 3,
}
