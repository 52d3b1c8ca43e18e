namespace FineTune.Sdk;

/// <summary>
/// The stable codes of <see cref="TrainingDiagnostician"/> findings (FT5001–FT5099), documented in docs/jobs.md.
/// A code is never reused or renamed.
/// </summary>
public static class TrainingFindingCodes
{
    /// <summary>Validation loss rose over the last part of training while training loss kept falling (overfitting).</summary>
    public const string ValidationLossRising = "FT5001";

    /// <summary>The gap between validation and training loss widened over training (overfitting).</summary>
    public const string GeneralizationGapWidening = "FT5002";

    /// <summary>Training loss was still falling steeply over the last part of training (underfitting).</summary>
    public const string LossStillFalling = "FT5003";

    /// <summary>The final training loss is high (underfitting).</summary>
    public const string HighFinalLoss = "FT5004";

    /// <summary>The final mean token accuracy is low (underfitting).</summary>
    public const string LowTokenAccuracy = "FT5005";

    /// <summary>Training loss spiked well above its neighbourhood (instability).</summary>
    public const string LossSpikes = "FT5006";

    /// <summary>The job had no validation set, so overfitting cannot be seen.</summary>
    public const string ValidationSetMissing = "FT5007";

    /// <summary>The validation set is too small for its loss to be trusted.</summary>
    public const string ValidationSetTooSmall = "FT5008";
}
