namespace FineTune.Sdk;

/// <summary>Estimates what a fine-tuning job will cost before anything is uploaded.</summary>
/// <remarks>Implementations are thread-safe; one instance is shared (a singleton under <c>AddFineTuning</c>).</remarks>
public interface ICostEstimator
{
    /// <summary>Estimates the cost of training on a dataset whose billed tokens are known.</summary>
    /// <param name="request">The model, method, dataset sizes and epochs.</param>
    /// <returns>The estimate with its breakdown.</returns>
    /// <exception cref="ArgumentException">No price is known for the model and method (an unknown model is an error, not zero).</exception>
    CostEstimate Estimate(CostEstimateRequest request);

    /// <summary>Asks for a service the estimator can supply, such as its options.</summary>
    /// <param name="serviceType">The type of service requested.</param>
    /// <param name="serviceKey">An optional key; <see langword="null"/> for none.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
