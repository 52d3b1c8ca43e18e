using System.Text.Json.Serialization;

namespace FineTune.Cli;

/// <summary>
/// The <c>finetune validate --json</c> document: a stable contract (docs/dataset-rules.md). Fields may be added,
/// never renamed or removed.
/// </summary>
internal sealed class ValidateJsonOutput
{
    [JsonPropertyName("file")]
    public required string File { get; init; }

    [JsonPropertyName("rows")]
    public long Rows { get; init; }

    [JsonPropertyName("format")]
    public required string Format { get; init; }

    [JsonPropertyName("valid")]
    public bool Valid { get; init; }

    [JsonPropertyName("errors")]
    public int Errors { get; init; }

    [JsonPropertyName("warnings")]
    public int Warnings { get; init; }

    [JsonPropertyName("findings")]
    public required IReadOnlyList<ValidateJsonFinding> Findings { get; init; }

    [JsonPropertyName("summary")]
    public required IReadOnlyDictionary<string, int> Summary { get; init; }

    /// <summary>Gets the names of the quality gates that ran (all of them unless <c>--gates</c> chose fewer).</summary>
    [JsonPropertyName("gates")]
    public required IReadOnlyList<string> Gates { get; init; }

    /// <summary>Gets the token report (see TokenOutput.ToJson): at least <c>total</c> and <c>billed</c>.</summary>
    [JsonPropertyName("tokens")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Tokens { get; init; }

    /// <summary>Gets the cost estimate, present when <c>--model</c> was given and a price is known.</summary>
    [JsonPropertyName("cost")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Cost { get; init; }
}

/// <summary>One finding in the <c>--json</c> output; <see cref="Severity"/> is "error", "warning" or "info".</summary>
internal sealed class ValidateJsonFinding
{
    [JsonPropertyName("code")]
    public required string Code { get; init; }

    [JsonPropertyName("severity")]
    public required string Severity { get; init; }

    [JsonPropertyName("line")]
    public long Line { get; init; }

    [JsonPropertyName("path")]
    public required string Path { get; init; }

    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>Gets the finding's figures (its <c>AdditionalProperties</c>: per-class counts, provenance counts, ...), when it has any.</summary>
    [JsonPropertyName("details")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Details { get; init; }
}

/// <summary>The CLI's source-generated JSON context.</summary>
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ValidateJsonOutput))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
