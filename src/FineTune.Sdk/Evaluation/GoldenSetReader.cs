using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>Options of <see cref="GoldenSetReader"/>.</summary>
public sealed class GoldenSetReadOptions
{
    /// <summary>
    /// Gets or sets the training file (chat JSONL) checked for leakage: a golden case whose normalized prompt also
    /// opens a training row is a finding <c>FT3006</c>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no leakage check.</value>
    public string? TrainingFile { get; set; }

    /// <summary>Gets or sets how many findings of one code are kept (all are counted).</summary>
    /// <value>Defaults to 100.</value>
    public int MaxFindingsPerCode { get; set; } = 100;

    /// <summary>
    /// Gets or sets the longest line read, in UTF-8 bytes: a longer golden row is a finding <c>FT3008</c> and is skipped
    /// while streaming, never buffered whole (a longer training row is skipped by the leakage check).
    /// </summary>
    /// <value>Defaults to 16 MiB; at least 1024.</value>
    public int MaxLineBytes { get; set; } = JsonlReader.DefaultMaxLineBytes;
}

/// <summary>
/// Reads golden sets: JSONL rows <c>{"id", "input", "expected", "tags"}</c> (input a string or a messages array,
/// expected a string or any JSON value), or held-out chat JSONL rows <c>{"messages": [...]}</c> whose final
/// assistant message is the expected answer. Findings use codes <c>FT3001</c>-<c>FT3007</c> (docs/eval.md).
/// </summary>
public static class GoldenSetReader
{
    /// <summary>Reads a golden set from a file.</summary>
    /// <param name="path">The JSONL file.</param>
    /// <param name="options">Options; <see langword="null"/> uses the defaults.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The cases and findings.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static async Task<GoldenSet> ReadAsync(string path, GoldenSetReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsync(stream, Path.GetFileName(path), options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a golden set from a stream.</summary>
    /// <param name="content">The JSONL content.</param>
    /// <param name="fileName">The name findings refer to.</param>
    /// <param name="options">Options; <see langword="null"/> uses the defaults.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The cases and findings.</returns>
    public static async Task<GoldenSet> ReadAsync(Stream content, string? fileName = null, GoldenSetReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        options ??= new GoldenSetReadOptions();
        var findings = new FindingCollector(Math.Max(1, options.MaxFindingsPerCode), fileName);
        var cases = new List<GoldenCase>();
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        if (options.MaxLineBytes < 1024)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{nameof(GoldenSetReadOptions)}.{nameof(GoldenSetReadOptions.MaxLineBytes)} must be at least 1024; it was {options.MaxLineBytes}."), nameof(options));
        }

        var reader = new JsonlReader(content, options.MaxLineBytes);
        await using var readerScope = reader.ConfigureAwait(false);
        await foreach (var jsonl in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var line = jsonl.Number;
            if ((jsonl.Problems & JsonlLineProblems.TooLong) != 0)
            {
                findings.Add("FT3008", FindingSeverity.Error, line, "$", string.Create(CultureInfo.InvariantCulture,
                    $"The line is {jsonl.Length} bytes, over the {options.MaxLineBytes}-byte limit (GoldenSetReadOptions.MaxLineBytes); it is left out."));
                continue;
            }

            if ((jsonl.Problems & JsonlLineProblems.InvalidUtf8) != 0)
            {
                // Checked here: the parser accepts invalid UTF-8 inside strings and only fails when one is read.
                findings.Add("FT3001", FindingSeverity.Error, line, "$", "The line is not valid UTF-8.");
                continue;
            }

            JsonDocument document;
            try
            {
                // The document borrows the reader's buffer: it is disposed before the next line, and ReadRow copies what it keeps.
                document = JsonDocument.Parse(jsonl.Bytes);
            }
            catch (JsonException)
            {
                findings.Add("FT3001", FindingSeverity.Error, line, "$", "The line is not valid JSON.");
                continue;
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    findings.Add("FT3001", FindingSeverity.Error, line, "$", "The line is not a JSON object.");
                    continue;
                }

                if (JsonUnicode.IndexOfLoneSurrogate(jsonl.Bytes.Span) >= 0)
                {
                    findings.Add("FT3001", FindingSeverity.Error, line, JsonUnicode.PathOfLoneSurrogate(root), "The string holds a \\u escape of half a UTF-16 surrogate pair without its other half; it is not text. The row is left out.");
                    continue;
                }

                var goldenCase = ReadRow(root, line, findings);
                if (goldenCase is null)
                {
                    continue;
                }

                if (ids.TryGetValue(goldenCase.Id, out var firstLine))
                {
                    findings.Add("FT3003", FindingSeverity.Error, line, "$.id", $"Duplicate id; first seen on line {firstLine}. The row is left out.");
                    continue;
                }

                ids[goldenCase.Id] = line;
                cases.Add(goldenCase);
            }
        }

        if (options.TrainingFile is { } training)
        {
            await CheckLeakageAsync(cases, training, options.MaxLineBytes, findings, cancellationToken).ConfigureAwait(false);
        }

        return new GoldenSet(cases, findings.Findings);
    }

    private static GoldenCase? ReadRow(JsonElement root, long line, FindingCollector findings)
    {
        string? id = root.TryGetProperty("id", out var idElement) ? idElement.ValueKind switch
        {
            JsonValueKind.String => idElement.GetString(),
            JsonValueKind.Number => idElement.GetRawText(),
            _ => null,
        } : null;

        List<ChatMessage>? messages;
        string? expected = null;
        JsonElement? expectedJson = null;
        if (root.TryGetProperty("input", out var input))
        {
            messages = input.ValueKind switch
            {
                JsonValueKind.String => [new ChatMessage(ChatRole.User, input.GetString())],
                JsonValueKind.Array => ReadMessages(input),
                _ => null,
            };
            if (root.TryGetProperty("expected", out var exp) && exp.ValueKind != JsonValueKind.Null)
            {
                if (exp.ValueKind == JsonValueKind.String)
                {
                    expected = exp.GetString();
                }
                else
                {
                    expectedJson = exp.Clone();
                    expected = exp.GetRawText();
                }
            }
        }
        else if (root.TryGetProperty("messages", out var chat) && chat.ValueKind == JsonValueKind.Array)
        {
            messages = ReadMessages(chat);
            if (messages is { Count: > 1 } && messages[^1].Role == ChatRole.Assistant)
            {
                expected = messages[^1].Text;
                messages.RemoveAt(messages.Count - 1);
            }

            id ??= "line-" + line.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            findings.Add("FT3004", FindingSeverity.Error, line, "$", "The row has neither 'input' nor 'messages'.");
            return null;
        }

        if (string.IsNullOrEmpty(id))
        {
            findings.Add("FT3002", FindingSeverity.Error, line, "$.id", "The row has no id (a non-empty string or number); it is left out.");
            return null;
        }

        if (messages is null || messages.Count == 0)
        {
            findings.Add("FT3007", FindingSeverity.Error, line, "$.input", "The prompt is not a string or an array of {role, content} messages.");
            return null;
        }

        if (expected is null)
        {
            findings.Add("FT3005", FindingSeverity.Warning, line, "$.expected", "The row has no expected answer; only scorers that need none can score it.");
        }

        var tags = new List<string>();
        if (root.TryGetProperty("tags", out var tagsElement))
        {
            if (tagsElement.ValueKind == JsonValueKind.Array)
            {
                tags.AddRange(tagsElement.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).Where(t => t.Length > 0));
            }
            else if (tagsElement.ValueKind == JsonValueKind.String && tagsElement.GetString() is { Length: > 0 } single)
            {
                tags.Add(single);
            }
        }

        return new GoldenCase(id, messages, expected) { ExpectedJson = expectedJson, Tags = tags.Distinct(StringComparer.Ordinal).ToList(), Line = line };
    }

    private static List<ChatMessage>? ReadMessages(JsonElement array)
    {
        var messages = new List<ChatMessage>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(role.GetString()))
            {
                return null; // a blank role is no role (ChatRole rejects it)
            }

            string? content = null;
            if (item.TryGetProperty("content", out var c))
            {
                content = c.ValueKind switch
                {
                    JsonValueKind.String => c.GetString(),
                    JsonValueKind.Array => string.Concat(c.EnumerateArray()
                        .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                        .Select(p => p.GetProperty("text").GetString())),
                    _ => null,
                };
            }

            messages.Add(new ChatMessage(new ChatRole(role.GetString()!), content));
        }

        return messages;
    }

    private static async Task CheckLeakageAsync(List<GoldenCase> cases, string trainingFile, int maxLineBytes, FindingCollector findings, CancellationToken cancellationToken)
    {
        var trainingPrompts = new HashSet<string>(StringComparer.Ordinal);
        var trainingUserPrompts = new HashSet<string>(StringComparer.Ordinal);
        var reader = JsonlReader.OpenFile(trainingFile, maxLineBytes);
        await using (reader.ConfigureAwait(false))
        {
            await foreach (var line in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (line.Problems != JsonlLineProblems.None || JsonUnicode.IndexOfLoneSurrogate(line.Bytes.Span) >= 0)
                {
                    continue; // over-long or broken training rows are the dataset validator's business, not leakage
                }

                try
                {
                    using var document = JsonDocument.Parse(line.Bytes);
                    if (document.RootElement.ValueKind == JsonValueKind.Object
                        && document.RootElement.TryGetProperty("messages", out var chat) && chat.ValueKind == JsonValueKind.Array
                        && ReadMessages(chat) is { Count: > 0 } messages)
                    {
                        var last = messages.FindLastIndex(m => m.Role == ChatRole.Assistant);
                        var prompt = (last > 0 ? messages.Take(last) : messages).ToList();
                        trainingPrompts.Add(PromptHash(prompt));
                        if (UserPromptHash(prompt) is { } user)
                        {
                            trainingUserPrompts.Add(user);
                        }
                    }
                }
                catch (JsonException)
                {
                    // Malformed training rows are the dataset validator's business, not leakage.
                }
            }
        }

        foreach (var goldenCase in cases)
        {
            if (trainingPrompts.Contains(PromptHash(goldenCase.Messages)))
            {
                findings.Add("FT3006", FindingSeverity.Error, goldenCase.Line, "$.input", $"Case '{goldenCase.Id}' also appears in the training file (same normalized prompt): its score would be inflated.");
            }
            else if (UserPromptHash(goldenCase.Messages) is { } user && trainingUserPrompts.Contains(user))
            {
                // A golden set copied from training rows without their system message is the same leak.
                findings.Add("FT3006", FindingSeverity.Error, goldenCase.Line, "$.input", $"Case '{goldenCase.Id}' also appears in the training file (same normalized user prompt, whatever the system message): its score would be inflated.");
            }
        }
    }

    /// <summary>SHA-256 of the last user message alone (text lower-cased, whitespace collapsed); null when there is none.</summary>
    internal static string? UserPromptHash(IReadOnlyList<ChatMessage> messages)
    {
        var user = messages.LastOrDefault(m => m.Role == ChatRole.User);
        return user is null ? null : PromptHash([user]);
    }

    /// <summary>SHA-256 of the prompt with roles kept, text lower-cased and whitespace collapsed.</summary>
    internal static string PromptHash(IEnumerable<ChatMessage> messages)
    {
        var builder = new StringBuilder();
        foreach (var message in messages)
        {
            builder.Append(message.Role.Value.ToUpperInvariant()).Append('\u001f');
            builder.Append(string.Join(' ', message.Text.ToUpperInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).Append('\u001e');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
