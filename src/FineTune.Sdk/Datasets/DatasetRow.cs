using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// A parsed row as the whole-file gates see it. Valid only for the duration of the
/// <see cref="IDatasetGate.Observe"/> call: gates keep hashes and counts, never the row.
/// </summary>
internal sealed class DatasetRow
{
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
}
