using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// A parsed row as the whole-file gates see it. Valid only for the duration of the
/// <see cref="IDatasetGate.Observe"/> call: gates keep hashes and counts, never the row.
/// </summary>
internal sealed class DatasetRow
{
    private RowFingerprints? _ownFingerprints;

    /// <summary>Gets or sets the 1-based line number.</summary>
    public long Line { get; set; }

    /// <summary>Gets or sets the row's JSON (borrowed; do not keep).</summary>
    public JsonElement Root { get; set; }

    /// <summary>Gets or sets the detected or forced format of the row.</summary>
    public DatasetFormat Format { get; set; }

    /// <summary>Gets or sets the first system message's text, if any.</summary>
    public string? SystemPrompt { get; set; }

    /// <summary>Gets or sets the user-side text: every user message's text joined with <c>\n</c>.</summary>
    public string UserText { get; set; } = string.Empty;

    /// <summary>Gets or sets the final assistant answer's text (the preferred output for DPO rows).</summary>
    public string? AssistantText { get; set; }

    /// <summary>Gets or sets the JSON path of <see cref="AssistantText"/> inside the row.</summary>
    public string AssistantPath { get; set; } = "$";

    /// <summary>Gets or sets <c>metadata.source</c> when present.</summary>
    public string? Source { get; set; }

    /// <summary>Gets or sets the row's fingerprints when a worker computed them ahead of the gates; otherwise <see langword="null"/>.</summary>
    public RowFingerprints? Fingerprints { get; set; }

    /// <summary>Gets the fingerprints instance a worker reuses for this row object (its buffers outlive the rows).</summary>
    public RowFingerprints OwnFingerprints => _ownFingerprints ??= new RowFingerprints();

    /// <summary>Gets the content string of each message that <see cref="DatasetRowParser.Fill"/> read (by message index; <see langword="null"/> when not read or not a string).</summary>
    public List<string?> MessageContents { get; } = [];

    /// <summary>Gets or sets the MinHash signature buffer a worker filled ahead of the duplicate gate.</summary>
    public uint[]? Signature { get; set; }

    /// <summary>Gets or sets whether <see cref="Signature"/> was prepared and holds a sketch.</summary>
    public PreparedState SignatureState { get; set; }

    /// <summary>Gets the findings a worker prepared for the personal-data gate, replayed in order by its <see cref="IDatasetGate.Observe"/>.</summary>
    public List<ValidationFinding> PiiFindings { get; } = [];

    /// <summary>Gets or sets whether <see cref="PiiFindings"/> was prepared.</summary>
    public bool PiiPrepared { get; set; }

    /// <summary>Gets or sets the token counts a worker prepared (<see langword="null"/> when not prepared or not counted).</summary>
    public ChatExampleTokens? TokenCounts { get; set; }

    /// <summary>Gets or sets whether <see cref="TokenCounts"/> was prepared.</summary>
    public bool TokensPrepared { get; set; }

    /// <summary>Forgets everything prepared for an earlier row.</summary>
    public void ResetPrepared()
    {
        Fingerprints = null;
        SignatureState = PreparedState.None;
        PiiFindings.Clear();
        PiiPrepared = false;
        TokenCounts = null;
        TokensPrepared = false;
    }
}

/// <summary>Whether a per-row value was computed ahead of the sequential gate pass.</summary>
internal enum PreparedState
{
    /// <summary>Not prepared: the gate computes it itself.</summary>
    None = 0,

    /// <summary>Prepared, and there is no value (for example a row without words).</summary>
    Empty = 1,

    /// <summary>Prepared, and the value is set.</summary>
    Set = 2,
}
