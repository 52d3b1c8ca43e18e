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

    /// <summary>
    /// Gets the model the data is for: rows are counted with its tokenizer, rows over its per-example limit are
    /// findings, and the report carries <see cref="DatasetValidationReport.Tokens"/>. An unknown model is an error.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: tokens are counted only when <see cref="CountTokens"/> is set (o200k_base, no limit).</value>
    public string? Model { get; init; }

    /// <summary>Gets a value indicating whether tokens are counted even when no <see cref="Model"/> is given.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool CountTokens { get; init; }

    /// <summary>Gets the formula token counts use.</summary>
    /// <value>Defaults to <see cref="ChatTokenFormula.Billing"/>.</value>
    public ChatTokenFormula TokenFormula { get; init; } = ChatTokenFormula.Billing;
}
