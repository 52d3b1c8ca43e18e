namespace FineTune.Sdk;

/// <summary>
/// One problem found in a dataset: a stable code (for example <c>FT1003</c>), a severity, where it is
/// (file, 1-based line, JSON path) and a plain message. Messages never contain row contents.
/// </summary>
/// <param name="Code">The stable finding code, documented in <c>docs/dataset-rules.md</c>.</param>
/// <param name="Severity">How serious the finding is.</param>
/// <param name="Line">The 1-based line number, or 0 for a finding about the whole file.</param>
/// <param name="Path">The JSON path inside the row (for example <c>$.messages[2].content</c>), or <c>$</c>.</param>
/// <param name="Message">A plain-language message that never quotes row contents.</param>
public sealed record ValidationFinding(string Code, FindingSeverity Severity, long Line, string Path, string Message)
{
    /// <summary>Gets the file the finding is about, when known.</summary>
    /// <value>The file name or path as the caller gave it; <see langword="null"/> for streams.</value>
    public string? File { get; init; }

    /// <summary>Gets provider- or rule-specific extra data (counts, hashes), never row contents.</summary>
    /// <value>An optional dictionary; <see langword="null"/> when there is none.</value>
    public IReadOnlyDictionary<string, object?>? AdditionalProperties { get; init; }
}
