namespace FineTune.Sdk;

/// <summary>Convenience overloads for <see cref="ICostEstimator"/>.</summary>
public static class CostEstimatorExtensions
{
    /// <summary>Estimates the cost of training on a dataset whose tokens were counted by the validator.</summary>
    /// <param name="estimator">The estimator.</param>
    /// <param name="tokens">The training file's token report (<see cref="DatasetValidationReport.Tokens"/>).</param>
    /// <param name="model">The model; <see langword="null"/> for the report's model.</param>
    /// <param name="epochs">The epochs; <see langword="null"/> for the automatic rule.</param>
    /// <param name="validationTokens">The validation file's token report, if any.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentException">No model is known, the dataset has no examples, or no price is known for the model.</exception>
    public static CostEstimate Estimate(this ICostEstimator estimator, DatasetTokenReport tokens, string? model = null, int? epochs = null, DatasetTokenReport? validationTokens = null)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(tokens);
        var name = model ?? tokens.Model ?? throw new ArgumentException("A model is needed to estimate a cost; pass one or validate with DatasetValidationRequest.Model.", nameof(model));
        if (tokens.Examples < 1)
        {
            throw new ArgumentException("The dataset has no countable examples, so there is nothing to estimate.", nameof(tokens));
        }

        return estimator.Estimate(new CostEstimateRequest
        {
            Model = name,
            TrainingExamples = tokens.Examples,
            TrainingTokens = tokens.Billed,
            ValidationTokens = validationTokens?.Billed ?? 0,
            Epochs = epochs,
        });
    }
}
