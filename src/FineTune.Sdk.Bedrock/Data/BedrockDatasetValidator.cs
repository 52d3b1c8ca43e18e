using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Bedrock;

/// <summary>Finding codes of the Bedrock family checks (FT13xx).</summary>
public static class BedrockFindingCodes
{
    /// <summary>A line is not a JSON object.</summary>
    public const string InvalidRecord = "FT1301";

    /// <summary>A required field is missing or has the wrong type.</summary>
    public const string MissingField = "FT1302";

    /// <summary>A key the family's format does not allow.</summary>
    public const string UnexpectedKey = "FT1303";

    /// <summary>Roles do not alternate user/assistant starting with user, or a role is not allowed.</summary>
    public const string RoleOrder = "FT1304";

    /// <summary>The last turn is not the assistant's.</summary>
    public const string LastTurnNotAssistant = "FT1305";

    /// <summary>A text holds a string reserved by the model family.</summary>
    public const string ReservedString = "FT1306";

    /// <summary>A record holds more tokens than the family accepts.</summary>
    public const string RecordTooLong = "FT1307";

    /// <summary>Fewer records than the family's minimum.</summary>
    public const string TooFewRecords = "FT1308";

    /// <summary>More records than the family's maximum.</summary>
    public const string TooManyRecords = "FT1309";

    /// <summary>A hyperparameter name or value the family does not accept.</summary>
    public const string InvalidHyperParameter = "FT1310";

    /// <summary>A text is empty.</summary>
    public const string EmptyText = "FT1311";

    /// <summary>An OpenAI row holds something the family's format cannot carry (tool calls, images, a trailing user turn).</summary>
    public const string NotConvertible = "FT1312";

    /// <summary>A multi-turn conversation was flattened into one prompt (prompt/completion families).</summary>
    public const string Flattened = "FT1313";

    /// <summary>An empty line.</summary>
    public const string EmptyLine = "FT1314";
}

/// <summary>What <see cref="BedrockDatasetValidator"/> found in a file.</summary>
public sealed class BedrockValidationReport
{
    internal BedrockValidationReport(BedrockModelFamily family, long records, IReadOnlyList<ValidationFinding> findings, long tokens, int maxRecordTokens, string tokenMethod, bool tokensAreEstimates)
    {
        Family = family;
        Records = records;
        Findings = findings;
        Tokens = tokens;
        MaxRecordTokens = maxRecordTokens;
        TokenCountMethod = tokenMethod;
        TokensAreEstimates = tokensAreEstimates;
    }

    /// <summary>Gets the family checked against.</summary>
    public BedrockModelFamily Family { get; }

    /// <summary>Gets the number of records (non-empty lines).</summary>
    public long Records { get; }

    /// <summary>Gets the findings, in line order.</summary>
    public IReadOnlyList<ValidationFinding> Findings { get; }

    /// <summary>Gets the tokens of all records (one epoch).</summary>
    public long Tokens { get; }

    /// <summary>Gets the most tokens in one record.</summary>
    public int MaxRecordTokens { get; }

    /// <summary>Gets how tokens were counted, for example <c>estimate: characters / 6 (AWS guidance)</c>.</summary>
    public string TokenCountMethod { get; }

    /// <summary>Gets a value indicating whether token counts are estimates (no tokenizer of the family was supplied).</summary>
    public bool TokensAreEstimates { get; }

    /// <summary>Gets a value indicating whether no finding is an error.</summary>
    public bool IsValid => Findings.All(f => f.Severity != FindingSeverity.Error);
}

/// <summary>
/// Checks a JSONL file in a Bedrock family's format against that family's rules <em>before</em> anything is
/// uploaded: record shape and keys, role alternation (user first, assistant last), reserved strings, empty texts,
/// per-record token limits, record counts and hyperparameters — each finding with its line and JSON path. Bedrock
/// itself reports such problems only after a job has started and failed.
/// </summary>
/// <remarks>
/// Token counts use the supplied <see cref="ITokenCounter"/> when given (the family's own tokenizer, if you have
/// one); otherwise they are estimates at AWS's guidance of about 6 characters per token, and the report says so.
/// Thread-safe; holds no state between calls. Never puts a record's text in a finding.
/// </remarks>
public sealed class BedrockDatasetValidator
{
    /// <summary>The characters per token of the estimate (AWS's guidance for customization data).</summary>
    public const int EstimatedCharactersPerToken = 6;

    private readonly BedrockModelFamily _family;
    private readonly ITokenCounter? _tokens;

    /// <summary>Initializes a new instance of the <see cref="BedrockDatasetValidator"/> class.</summary>
    /// <param name="family">The family whose rules apply.</param>
    /// <param name="tokenCounter">A tokenizer for the family; null to estimate.</param>
    public BedrockDatasetValidator(BedrockModelFamily family, ITokenCounter? tokenCounter = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        _family = family;
        _tokens = tokenCounter;
    }

    /// <summary>Validates a file.</summary>
    /// <param name="path">The JSONL file.</param>
    /// <param name="hyperParameters">Hyperparameters to check too; null for none.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The report.</returns>
    public async Task<BedrockValidationReport> ValidateAsync(string path, IReadOnlyDictionary<string, string>? hyperParameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await ValidateAsync(stream, Path.GetFileName(path), hyperParameters, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Validates JSONL content read from a stream.</summary>
    /// <param name="content">The content.</param>
    /// <param name="fileName">The name findings carry.</param>
    /// <param name="hyperParameters">Hyperparameters to check too; null for none.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The report.</returns>
    public async Task<BedrockValidationReport> ValidateAsync(Stream content, string? fileName = null, IReadOnlyDictionary<string, string>? hyperParameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var findings = new List<ValidationFinding>();
        void Add(string code, FindingSeverity severity, long line, string path, string message) => findings.Add(new ValidationFinding(code, severity, line, path, message) { File = fileName });

        if (hyperParameters is not null)
        {
            foreach (var problem in _family.CheckHyperParameters(hyperParameters))
            {
                Add(BedrockFindingCodes.InvalidHyperParameter, FindingSeverity.Error, 0, "$.hyperParameters", problem);
            }
        }

        using var reader = new StreamReader(content, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, 81920, leaveOpen: true);
        long lineNumber = 0, records = 0, totalTokens = 0;
        var maxTokens = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                Add(BedrockFindingCodes.EmptyLine, FindingSeverity.Error, lineNumber, "$", "Empty line: Bedrock reads every line as a record.");
                continue;
            }

            records++;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (JsonException ex)
            {
                Add(BedrockFindingCodes.InvalidRecord, FindingSeverity.Error, lineNumber, "$", $"Not valid JSON (byte {ex.BytePositionInLine}).");
                continue;
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    Add(BedrockFindingCodes.InvalidRecord, FindingSeverity.Error, lineNumber, "$", $"A record must be a JSON object; this is {document.RootElement.ValueKind}.");
                    continue;
                }

                var texts = new List<(string Path, string Text)>();
                CheckRecord(document.RootElement, lineNumber, texts, Add);
                var tokens = 0;
                foreach (var (textPath, text) in texts)
                {
                    if (text.Length == 0)
                    {
                        Add(BedrockFindingCodes.EmptyText, FindingSeverity.Error, lineNumber, textPath, "Empty text.");
                    }

                    foreach (var reserved in _family.ReservedStrings)
                    {
                        if (text.Contains(reserved, StringComparison.OrdinalIgnoreCase))
                        {
                            Add(BedrockFindingCodes.ReservedString, FindingSeverity.Error, lineNumber, textPath, $"Contains '{reserved}', reserved by {_family.DisplayName} (the job would fail).");
                        }
                    }

                    tokens += Count(text);
                }

                if (tokens > _family.MaxTokensPerRecord)
                {
                    Add(BedrockFindingCodes.RecordTooLong, FindingSeverity.Error, lineNumber, "$", $"About {tokens} tokens ({Method}); {_family.DisplayName} accepts at most {_family.MaxTokensPerRecord} per record.");
                }

                totalTokens += tokens;
                maxTokens = Math.Max(maxTokens, tokens);
            }
        }

        if (records < _family.MinRecords)
        {
            Add(BedrockFindingCodes.TooFewRecords, FindingSeverity.Error, 0, "$", $"{records} record(s); {_family.DisplayName} needs at least {_family.MinRecords}.");
        }

        if (records > _family.MaxRecords)
        {
            Add(BedrockFindingCodes.TooManyRecords, FindingSeverity.Error, 0, "$", $"{records} records; {_family.DisplayName} accepts at most {_family.MaxRecords} by default (an adjustable quota for some families).");
        }

        return new BedrockValidationReport(_family, records, findings, totalTokens, maxTokens, Method, _tokens is null);
    }

    private string Method => _tokens is null
        ? $"estimate: characters / {EstimatedCharactersPerToken} (AWS guidance; supply an ITokenCounter for the family for exact counts)"
        : $"counted with {_tokens.EncodingName} (supplied tokenizer)";

    private int Count(string text) => _tokens is null ? (text.Length + EstimatedCharactersPerToken - 1) / EstimatedCharactersPerToken : _tokens.CountTokens(text);

    private void CheckRecord(JsonElement root, long line, List<(string, string)> texts, Action<string, FindingSeverity, long, string, string> add)
    {
        switch (_family.Format)
        {
            case BedrockDataFormat.PromptCompletion:
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name is not ("prompt" or "completion"))
                    {
                        add(BedrockFindingCodes.UnexpectedKey, FindingSeverity.Error, line, "$." + property.Name, $"Unexpected key '{property.Name}': {_family.DisplayName} records are {{\"prompt\", \"completion\"}}.");
                    }
                }

                foreach (var name in new[] { "prompt", "completion" })
                {
                    if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
                    {
                        add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, "$." + name, $"'{name}' must be a string.");
                    }
                    else
                    {
                        texts.Add(("$." + name, value.GetString()!));
                    }
                }

                break;

            case BedrockDataFormat.ClaudeMessages:
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name is not ("system" or "messages"))
                    {
                        add(BedrockFindingCodes.UnexpectedKey, FindingSeverity.Error, line, "$." + property.Name, $"Unexpected key '{property.Name}': Claude records hold only 'system' and 'messages'.");
                    }
                }

                if (root.TryGetProperty("system", out var system))
                {
                    if (system.ValueKind != JsonValueKind.String)
                    {
                        add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, "$.system", "'system' must be a string.");
                    }
                    else
                    {
                        texts.Add(("$.system", system.GetString()!));
                    }
                }

                CheckMessages(root, line, texts, add, contentIsString: true);
                break;

            default:
                if (!root.TryGetProperty("schemaVersion", out var schema) || schema.ValueKind != JsonValueKind.String)
                {
                    add(BedrockFindingCodes.MissingField, FindingSeverity.Warning, line, "$.schemaVersion", "'schemaVersion' should be \"bedrock-conversation-2024\".");
                }

                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name is not ("schemaVersion" or "system" or "messages"))
                    {
                        add(BedrockFindingCodes.UnexpectedKey, FindingSeverity.Error, line, "$." + property.Name, $"Unexpected key '{property.Name}' in a bedrock-conversation-2024 record.");
                    }
                }

                if (root.TryGetProperty("system", out var blocks))
                {
                    if (blocks.ValueKind != JsonValueKind.Array)
                    {
                        add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, "$.system", "'system' must be an array of {\"text\"} blocks.");
                    }
                    else
                    {
                        var i = 0;
                        foreach (var block in blocks.EnumerateArray())
                        {
                            var blockPath = $"$.system[{i++}]";
                            if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                            {
                                add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, blockPath + ".text", "System blocks must be {\"text\": string}.");
                            }
                            else
                            {
                                texts.Add((blockPath + ".text", text.GetString()!));
                            }
                        }
                    }
                }

                CheckMessages(root, line, texts, add, contentIsString: false);
                break;
        }
    }

    private static void CheckMessages(JsonElement root, long line, List<(string, string)> texts, Action<string, FindingSeverity, long, string, string> add, bool contentIsString)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, "$.messages", "'messages' must be an array.");
            return;
        }

        var count = messages.GetArrayLength();
        if (count < 2)
        {
            add(BedrockFindingCodes.RoleOrder, FindingSeverity.Error, line, "$.messages", $"At least 2 messages (a user turn and the assistant's answer) are needed; found {count}.");
        }

        var index = 0;
        string? lastRole = null;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"$.messages[{index}]";
            var expected = index % 2 == 0 ? "user" : "assistant";
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var roleElement) || roleElement.ValueKind != JsonValueKind.String)
            {
                add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, path + ".role", "Each message needs a string 'role'.");
                index++;
                continue;
            }

            var role = roleElement.GetString()!;
            lastRole = role;
            if (role is not ("user" or "assistant"))
            {
                add(BedrockFindingCodes.RoleOrder, FindingSeverity.Error, line, path + ".role", $"Role '{role}' is not allowed: only user and assistant (put system text in 'system').");
            }
            else if (role != expected)
            {
                add(BedrockFindingCodes.RoleOrder, FindingSeverity.Error, line, path + ".role", $"Expected '{expected}': roles must alternate user, assistant, … starting with user.");
            }

            if (!message.TryGetProperty("content", out var content))
            {
                add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, path + ".content", "Each message needs 'content'.");
            }
            else if (contentIsString)
            {
                if (content.ValueKind != JsonValueKind.String)
                {
                    add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, path + ".content", "Claude content must be a plain string.");
                }
                else
                {
                    texts.Add((path + ".content", content.GetString()!));
                }
            }
            else if (content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0)
            {
                add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, path + ".content", "Content must be a non-empty array of blocks such as {\"text\": string}.");
            }
            else
            {
                var b = 0;
                foreach (var block in content.EnumerateArray())
                {
                    var blockPath = $"{path}.content[{b++}]";
                    if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        texts.Add((blockPath + ".text", text.GetString()!));
                    }
                    else if (block.ValueKind != JsonValueKind.Object || !(block.TryGetProperty("image", out _) || block.TryGetProperty("video", out _)))
                    {
                        add(BedrockFindingCodes.MissingField, FindingSeverity.Error, line, blockPath, "Content blocks must be {\"text\"}, {\"image\"} or {\"video\"}.");
                    }
                }
            }

            index++;
        }

        if (lastRole is not null && lastRole != "assistant")
        {
            add(BedrockFindingCodes.LastTurnNotAssistant, FindingSeverity.Error, line, $"$.messages[{index - 1}].role", "The last message must be the assistant's (the answer to train on).");
        }
    }

    internal static string Describe(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
