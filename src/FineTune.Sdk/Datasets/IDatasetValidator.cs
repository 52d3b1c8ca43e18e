namespace FineTune.Sdk;

/// <summary>Validates a fine-tuning dataset (JSONL) and reports every problem by line and JSON path.</summary>
/// <remarks>Implementations are thread-safe: one instance may validate several files at once.</remarks>
public interface IDatasetValidator
{
    /// <summary>Validates a JSONL stream, reading it once, in constant memory.</summary>
    /// <param name="content">The UTF-8 JSONL content; read to the end, not disposed.</param>
    /// <param name="request">What to validate it as; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the validation.</param>
    /// <returns>The report.</returns>
    Task<DatasetValidationReport> ValidateAsync(Stream content, DatasetValidationRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a service the validator exposes (for example its options), or <see langword="null"/>.</summary>
    /// <param name="serviceType">The type of service asked for.</param>
    /// <param name="serviceKey">An optional key.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
