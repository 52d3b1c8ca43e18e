namespace FineTune.Sdk;

/// <summary>The streaming JSONL dataset validator.</summary>
public sealed class DatasetValidator : IDatasetValidator
{
    private readonly DatasetValidationOptions _options;

    /// <summary>Creates a validator.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public DatasetValidator(DatasetValidationOptions? options = null)
    {
        _options = options ?? new DatasetValidationOptions();
    }

    /// <inheritdoc />
    public Task<DatasetValidationReport> ValidateAsync(Stream content, DatasetValidationRequest? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        throw new NotImplementedException();
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(_options) ? _options : null;
    }
}
