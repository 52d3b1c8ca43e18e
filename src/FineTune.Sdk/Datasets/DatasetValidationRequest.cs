namespace FineTune.Sdk;

/// <summary>Per-call settings for <see cref="IDatasetValidator.ValidateAsync"/>.</summary>
public sealed class DatasetValidationRequest
{
    /// <summary>Gets the file name findings name, when the stream came from a file.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? FileName { get; init; }

    /// <summary>Gets the format to validate as; <see langword="null"/> detects it from the first rows.</summary>
    /// <value>Defaults to <see langword="null"/> (auto-detect).</value>
    public DatasetFormat? Format { get; init; }
}
