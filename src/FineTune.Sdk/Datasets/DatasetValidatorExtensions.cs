namespace FineTune.Sdk;

/// <summary>Convenience overloads for <see cref="IDatasetValidator"/>.</summary>
public static class DatasetValidatorExtensions
{
    /// <summary>Validates a JSONL file, reading it once, sequentially, in constant memory.</summary>
    /// <param name="validator">The validator.</param>
    /// <param name="path">The file path; findings name it.</param>
    /// <param name="format">The format to validate as; <see langword="null"/> detects it.</param>
    /// <param name="cancellationToken">Cancels the validation.</param>
    /// <returns>The report.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<DatasetValidationReport> ValidateFileAsync(this IDatasetValidator validator, string path, DatasetFormat? format = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await validator.ValidateAsync(stream, new DatasetValidationRequest { FileName = path, Format = format }, cancellationToken).ConfigureAwait(false);
        }
    }
}
