using System.Globalization;

namespace FineTune.Sdk;

/// <summary>The diagnose step: turns the job's training metrics into findings for the run report.</summary>
internal static class PipelineDiagnosis
{
    public static IEnumerable<PipelineRunState.DiagnosisFinding> Diagnose(IReadOnlyList<TrainingMetric> metrics, PipelineRunState state)
    {
        if (metrics.Count == 0)
        {
            yield return new() { Code = "metrics-missing", Severity = "warning", Message = "the provider reported no training metrics.", Advice = "Check the job's result files." };
            yield break;
        }

        if (!metrics.Any(m => m.ValidLoss is not null || m.FullValidLoss is not null))
        {
            yield return new()
            {
                Code = "validation-missing",
                Severity = "warning",
                Message = string.Create(CultureInfo.InvariantCulture, $"no validation loss was reported ({state.Split?.ValidationRows ?? 0} validation rows)."),
                Advice = "Keep a validation split (split.validation) so overfitting can be seen.",
            };
        }
    }
}
