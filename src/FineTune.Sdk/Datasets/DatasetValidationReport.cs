namespace FineTune.Sdk;

/// <summary>The result of validating one dataset.</summary>
public sealed class DatasetValidationReport
{
    /// <summary>Gets the number of non-blank lines read.</summary>
    /// <value>Zero for an empty file.</value>
    public long Rows { get; init; }

    /// <summary>Gets the detected or forced format.</summary>
    /// <value>Defaults to <see cref="DatasetFormat.Unknown"/>.</value>
    public DatasetFormat Format { get; init; } = DatasetFormat.Unknown;

    /// <summary>Gets the findings kept (capped per code; see <see cref="Summary"/> for full counts).</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyList<ValidationFinding> Findings { get; init; } = [];

    /// <summary>Gets the number of findings per code, including those past the cap.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyDictionary<string, int> Summary { get; init; } = new Dictionary<string, int>();

    /// <summary>Gets the number of error findings.</summary>
    /// <value>Zero when the file is valid.</value>
    public int ErrorCount { get; init; }

    /// <summary>Gets the number of warning findings.</summary>
    /// <value>Zero when there are none.</value>
    public int WarningCount { get; init; }

    /// <summary>Gets a value indicating whether the file has no error findings.</summary>
    /// <value><see langword="true"/> when <see cref="ErrorCount"/> is zero.</value>
    public bool IsValid => ErrorCount == 0;

    /// <summary>Gets the token counts, when a model was given or token counting was requested.</summary>
    /// <value><see langword="null"/> when tokens were not counted.</value>
    public DatasetTokenReport? Tokens { get; init; }
}
