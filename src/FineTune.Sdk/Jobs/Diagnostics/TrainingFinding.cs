namespace FineTune.Sdk;

/// <summary>
/// One finding of <see cref="TrainingDiagnostician.Diagnose"/>: a stable code, its kind, the figures behind it, a plain
/// message and the advice of fine-tuning practice. Never contains training rows.
/// </summary>
/// <param name="Code">The stable code, one of <see cref="TrainingFindingCodes"/>.</param>
/// <param name="Kind">What the finding is about.</param>
/// <param name="Message">What was seen, with the figures.</param>
/// <param name="Advice">What to change next (epochs, learning-rate multiplier, data, base model).</param>
public sealed record TrainingFinding(string Code, TrainingFindingKind Kind, string Message, string Advice)
{
    /// <summary>Gets the figures behind the finding, by stable snake_case name (for example <c>min_valid_loss</c>, <c>min_valid_step</c>).</summary>
    /// <value>Empty when the finding has no figures.</value>
    public IReadOnlyDictionary<string, double> Figures { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Gets how serious the finding is.</summary>
    /// <value>Default <see cref="FindingSeverity.Warning"/>.</value>
    public FindingSeverity Severity { get; init; } = FindingSeverity.Warning;
}
