using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTune.Sdk.Bedrock;

/// <summary>What <see cref="BedrockDatasetConverter"/> did.</summary>
public sealed class BedrockConversionReport
{
    internal BedrockConversionReport(BedrockModelFamily family, long rowsRead, long rowsWritten, IReadOnlyList<ValidationFinding> findings, bool written)
    {
        Family = family;
        RowsRead = rowsRead;
        RowsWritten = rowsWritten;
        Findings = findings;
        OutputWritten = written;
    }

    /// <summary>Gets the target family.</summary>
    public BedrockModelFamily Family { get; }

    /// <summary>Gets the rows read (non-empty lines).</summary>
    public long RowsRead { get; }

    /// <summary>Gets the records written.</summary>
    public long RowsWritten { get; }

    /// <summary>Gets the conversion findings (rows that cannot be carried, turns flattened), with lines and JSON paths.</summary>
    public IReadOnlyList<ValidationFinding> Findings { get; }

    /// <summary>Gets a value indicating whether the output file was written (never partly).</summary>
    public bool OutputWritten { get; }

    /// <summary>Gets a value indicating whether no finding is an error.</summary>
    public bool IsValid => Findings.All(f => f.Severity != FindingSeverity.Error);
}

/// <summary>
/// Converts OpenAI chat fine-tuning JSONL (<c>{"messages": [{"role", "content"}, ...]}</c>) to a Bedrock family's
/// format: prompt/completion (Titan, Llama 3.1), Claude 3 Haiku <c>{system, messages}</c>, or
/// <c>bedrock-conversation-2024</c> (Nova, Llama 3.2/3.3). System messages become the system prompt; rows that the
/// target cannot carry (tool calls, images, no final assistant turn) are findings with line and JSON path. The
/// output is written to a temporary file and renamed, so it exists whole or not at all; with errors and without
/// <c>skipInvalidRows</c> it is not written.
/// </summary>
/// <remarks>Thread-safe; stateless. Never puts row text into findings.</remarks>
public sealed class BedrockDatasetConverter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly BedrockModelFamily _family;

    /// <summary>Initializes a new instance of the <see cref="BedrockDatasetConverter"/> class.</summary>
    /// <param name="family">The target family.</param>
    public BedrockDatasetConverter(BedrockModelFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        _family = family;
    }

    /// <summary>Converts a file.</summary>
    /// <param name="inputPath">The OpenAI chat JSONL file.</param>
    /// <param name="outputPath">The file to write.</param>
    /// <param name="skipInvalidRows">Whether to write the convertible rows when some are not (they stay error findings).</param>
    /// <param name="cancellationToken">Cancels the conversion; nothing is left behind.</param>
    /// <returns>The report.</returns>
    public async Task<BedrockConversionReport> ConvertAsync(string inputPath, string outputPath, bool skipInvalidRows = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        var fileName = Path.GetFileName(inputPath);
        var findings = new List<ValidationFinding>();
        var full = Path.GetFullPath(outputPath);
        var temp = AtomicFile.TempPathFor(full);
        long read = 0, written = 0;
        try
        {
            using (var reader = new StreamReader(inputPath, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true))
            {
                var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    long line = 0;
                    while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
                    {
                        line++;
                        if (text.Trim().Length == 0)
                        {
                            continue;
                        }

                        read++;
                        if (ConvertLine(text, line, fileName, findings) is { } record)
                        {
                            await output.WriteAsync(record, cancellationToken).ConfigureAwait(false);
                            output.WriteByte((byte)'\n');
                            written++;
                        }
                    }

                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    output.Flush(flushToDisk: true);
                }
            }

            var valid = findings.All(f => f.Severity != FindingSeverity.Error);
            if ((valid || skipInvalidRows) && written > 0)
            {
                AtomicFile.Commit(temp, full);
                return new BedrockConversionReport(_family, read, written, findings, written: true);
            }

            return new BedrockConversionReport(_family, read, written, findings, written: false);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Converts one OpenAI chat row to one record of the family (UTF-8 JSON), or null with findings.</summary>
    internal byte[]? ConvertLine(string text, long line, string? fileName, List<ValidationFinding> findings)
    {
        void Fail(string path, string message, string code = BedrockFindingCodes.NotConvertible, FindingSeverity severity = FindingSeverity.Error)
            => findings.Add(new ValidationFinding(code, severity, line, path, message) { File = fileName });

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            Fail("$", $"Not valid JSON (byte {ex.BytePositionInLine}).", BedrockFindingCodes.InvalidRecord);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                Fail("$.messages", "Not an OpenAI chat row: 'messages' must be an array.", BedrockFindingCodes.MissingField);
                return null;
            }

            if (root.TryGetProperty("tools", out _) || root.TryGetProperty("functions", out _))
            {
                Fail("$.tools", $"Rows with tool definitions cannot be converted: {_family.DisplayName} customization trains on text turns only.");
                return null;
            }

            var system = new List<string>();
            var turns = new List<(string Role, string Text)>();
            var index = 0;
            foreach (var message in messages.EnumerateArray())
            {
                var path = $"$.messages[{index++}]";
                var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                if (message.ValueKind == JsonValueKind.Object && (message.TryGetProperty("tool_calls", out _) || message.TryGetProperty("function_call", out _) || role is "tool" or "function"))
                {
                    Fail(path, $"Tool calls and tool results cannot be converted: {_family.DisplayName} customization trains on text turns only.");
                    return null;
                }

                if (role is not ("system" or "developer" or "user" or "assistant"))
                {
                    Fail(path + ".role", $"Role '{role}' cannot be converted (system, user and assistant can).");
                    return null;
                }

                if (ContentText(message, path, Fail) is not { } content)
                {
                    return null;
                }

                if (role is "system" or "developer")
                {
                    system.Add(content);
                }
                else if (turns.Count > 0 && turns[^1].Role == role)
                {
                    turns[^1] = (role, turns[^1].Text + "\n\n" + content);
                    Fail(path, "Consecutive messages of one role were joined into one turn (Bedrock needs alternating roles).", BedrockFindingCodes.RoleOrder, FindingSeverity.Warning);
                }
                else
                {
                    turns.Add((role!, content));
                }
            }

            if (turns.Count < 2 || turns[0].Role != "user" || turns[^1].Role != "assistant")
            {
                Fail("$.messages", "A row needs a user turn first and an assistant turn last to become a training record.", BedrockFindingCodes.LastTurnNotAssistant);
                return null;
            }

            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                switch (_family.Format)
                {
                    case BedrockDataFormat.PromptCompletion:
                        if (turns.Count > 2)
                        {
                            Fail("$.messages", $"{turns.Count} turns were flattened into one prompt; the last assistant turn is the completion.", BedrockFindingCodes.Flattened, FindingSeverity.Warning);
                        }

                        var prompt = new StringBuilder();
                        foreach (var s in system)
                        {
                            prompt.Append(s).Append("\n\n");
                        }

                        for (var i = 0; i < turns.Count - 1; i++)
                        {
                            if (turns.Count > 2)
                            {
                                prompt.Append(turns[i].Role == "user" ? "User: " : "Assistant: ");
                            }

                            prompt.Append(turns[i].Text);
                            if (i < turns.Count - 2)
                            {
                                prompt.Append("\n\n");
                            }
                        }

                        writer.WriteStartObject();
                        writer.WriteString("prompt", prompt.ToString());
                        writer.WriteString("completion", turns[^1].Text);
                        writer.WriteEndObject();
                        break;

                    case BedrockDataFormat.ClaudeMessages:
                        writer.WriteStartObject();
                        if (system.Count > 0)
                        {
                            writer.WriteString("system", string.Join("\n\n", system));
                        }

                        writer.WriteStartArray("messages");
                        foreach (var (role, content) in turns)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("role", role);
                            writer.WriteString("content", content);
                            writer.WriteEndObject();
                        }

                        writer.WriteEndArray();
                        writer.WriteEndObject();
                        break;

                    default:
                        writer.WriteStartObject();
                        writer.WriteString("schemaVersion", "bedrock-conversation-2024");
                        if (system.Count > 0)
                        {
                            writer.WriteStartArray("system");
                            foreach (var s in system)
                            {
                                writer.WriteStartObject();
                                writer.WriteString("text", s);
                                writer.WriteEndObject();
                            }

                            writer.WriteEndArray();
                        }

                        writer.WriteStartArray("messages");
                        foreach (var (role, content) in turns)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("role", role);
                            writer.WriteStartArray("content");
                            writer.WriteStartObject();
                            writer.WriteString("text", content);
                            writer.WriteEndObject();
                            writer.WriteEndArray();
                            writer.WriteEndObject();
                        }

                        writer.WriteEndArray();
                        writer.WriteEndObject();
                        break;
                }
            }

            return buffer.ToArray();
        }
    }

    private static string? ContentText(JsonElement message, string path, Action<string, string, string, FindingSeverity> fail)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            fail(path + ".content", "The message has no content.", BedrockFindingCodes.MissingField, FindingSeverity.Error);
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            fail(path + ".content", "Content must be a string or an array of text parts.", BedrockFindingCodes.MissingField, FindingSeverity.Error);
            return null;
        }

        var text = new StringBuilder();
        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.GetString() == "text" && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
            {
                text.Append(value.GetString());
            }
            else
            {
                fail($"{path}.content[{i}]", "Only text parts can be converted (images, audio and files cannot).", BedrockFindingCodes.NotConvertible, FindingSeverity.Error);
                return null;
            }

            i++;
        }

        return text.ToString();
    }
}
