namespace FineTune.Sdk;

/// <summary>The result of <see cref="TrainingDiagnostician.Diagnose"/>: the findings and the curve's key figures.</summary>
public sealed class TrainingDiagnosis
{
    /// <summary>Initializes a new instance of the <see cref="TrainingDiagnosis"/> class.</summary>
    /// <param name="findings">The findings, in code order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="findings"/> is <see langword="null"/>.</exception>
    public TrainingDiagnosis(IReadOnlyList<TrainingFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        Findings = findings;
    }

    /// <summary>Gets the findings, ordered by code; empty for a healthy run.</summary>
    /// <value>As given at construction.</value>
    public IReadOnlyList<TrainingFinding> Findings { get; }

    /// <summary>Gets a value indicating whether there is no finding.</summary>
    /// <value><see langword="true"/> when <see cref="Findings"/> is empty.</value>
    public bool IsHealthy => Findings.Count == 0;

    /// <summary>Gets the number of steps with a training loss that were diagnosed.</summary>
    /// <value>0 when there were none.</value>
    public int Steps { get; init; }

    /// <summary>Gets the final training loss (mean of the last tenth of the steps, which evens out batch noise).</summary>
    /// <value><see langword="null"/> without training losses.</value>
    public double? FinalTrainLoss { get; init; }

    /// <summary>Gets the last validation loss (full validation loss when reported, else the sampled one).</summary>
    /// <value><see langword="null"/> without validation losses.</value>
    public double? FinalValidLoss { get; init; }

    /// <summary>Gets the step with the lowest (smoothed) validation loss: the checkpoint closest to it generalizes best.</summary>
    /// <value><see langword="null"/> without validation losses.</value>
    public int? BestValidStep { get; init; }
}
