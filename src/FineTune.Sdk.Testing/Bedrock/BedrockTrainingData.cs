using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <summary>The outcome of reading a training or validation file for a job.</summary>
internal sealed record BedrockDataReport(string? FailureMessage, int RecordCount, IReadOnlyList<LearnedPair> Pairs);

/// <summary>
/// Checks customization data the way the service does after a job starts (bedrock.md §3): one JSON object per line in
/// the base model family's format, roles alternating from <c>user</c> to a final <c>assistant</c>, Nova's reserved
/// strings, the family's record limits. The first problem fails the job with a message naming the file and line.
/// </summary>
internal static class BedrockTrainingData
{
    private static readonly string[] ReservedStrings = ["System:", "User:", "Bot:", "Assistant:", "Thought:", "[EOS]", "<image>", "<video>"];

    /// <summary>Reads every prompt/answer pair it can (the emulator's world knowledge), ignoring malformed lines.</summary>
    public static IReadOnlyList<LearnedPair> ExtractPairs(byte[] content)
    {
        var pairs = new List<LearnedPair>(TrainingFile.ExtractPairs(content));
        foreach (var (_, line) in Lines(content))
        {
            if (PromptCompletionPair(line) is { } pair)
            {
                pairs.Add(pair);
            }
        }

        return pairs;
    }

    public static BedrockDataReport Check(byte[] content, string s3Uri, BedrockFoundationModel model, bool validation)
    {
        var records = 0;
        var pairs = new List<LearnedPair>();
        foreach (var (number, line) in Lines(content))
        {
            records++;
            var problem = CheckRecord(line, model.Format);
            if (problem is not null)
            {
                return new BedrockDataReport($"Input data at {s3Uri} must follow the {FormatName(model.Format)} format: line {number}: {problem}", records, []);
            }

            var pair = model.Format == BedrockDataFormat.PromptCompletion ? PromptCompletionPair(line) : TrainingFile.ExtractPairs(Encoding.UTF8.GetBytes(line)) is { Count: > 0 } found ? found[^1] : null;
            if (pair is not null)
            {
                pairs.Add(pair);
            }
        }

        if (!validation && records < model.MinRecords)
        {
            return new BedrockDataReport($"The training data at {s3Uri} has {records} records; {model.Name} needs at least {model.MinRecords}.", records, []);
        }

        if (records > model.MaxRecords)
        {
            return new BedrockDataReport($"The {(validation ? "validation" : "training")} data at {s3Uri} has {records} records; {model.Name} accepts at most {model.MaxRecords}.", records, []);
        }

        return new BedrockDataReport(null, records, pairs);
    }

    private static string FormatName(BedrockDataFormat format) => format switch
    {
        BedrockDataFormat.PromptCompletion => "'{\"prompt\": \"<input text>\", \"completion\": \"<output text>\"}'",
        BedrockDataFormat.ClaudeMessages => "'{\"system\": \"<optional>\", \"messages\": [{\"role\": \"user\", \"content\": \"<text>\"}, {\"role\": \"assistant\", \"content\": \"<text>\"}]}'",
        _ => "bedrock-conversation-2024 ('{\"schemaVersion\": \"bedrock-conversation-2024\", \"system\": [{\"text\": …}], \"messages\": [{\"role\": \"user\", \"content\": [{\"text\": …}]}, …]}')",
    };

    private static string? CheckRecord(string line, BedrockDataFormat format)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return "not valid JSON.";
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "not a JSON object.";
            }

            return format switch
            {
                BedrockDataFormat.PromptCompletion => CheckPromptCompletion(root),
                BedrockDataFormat.ClaudeMessages => CheckMessages(root, stringContent: true),
                _ => CheckMessages(root, stringContent: false),
            };
        }
    }

    private static string? CheckPromptCompletion(JsonElement root)
    {
        foreach (var name in (string[])["prompt", "completion"])
        {
            if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
            {
                return $"'{name}' must be a string.";
            }
        }

        return root.EnumerateObject().FirstOrDefault(p => p.Name is not ("prompt" or "completion")) is { Name: { } extra } && extra.Length > 0 ? $"unexpected key '{extra}'." : null;
    }

    private static string? CheckMessages(JsonElement root, bool stringContent)
    {
        foreach (var property in root.EnumerateObject())
        {
            var allowed = stringContent ? property.Name is "system" or "messages" : property.Name is "schemaVersion" or "system" or "messages";
            if (!allowed)
            {
                return $"unexpected key '{property.Name}'.";
            }
        }

        if (root.TryGetProperty("system", out var system))
        {
            var ok = stringContent ? system.ValueKind == JsonValueKind.String : system.ValueKind == JsonValueKind.Array && system.EnumerateArray().All(b => TextOf(b) is not null);
            if (!ok)
            {
                return stringContent ? "'system' must be a string." : "'system' must be an array of {\"text\": …} blocks.";
            }

            if (!stringContent && Reserved(string.Concat(system.EnumerateArray().Select(TextOf))) is { } reserved)
            {
                return $"'system' contains the reserved string '{reserved}'.";
            }
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() < 2)
        {
            return "'messages' must be an array of at least 2 messages.";
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var expected = index % 2 == 0 ? "user" : "assistant";
            var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (role != expected)
            {
                return $"messages[{index}].role must be '{expected}' (roles alternate, starting with 'user'), not '{role}'.";
            }

            if (!message.TryGetProperty("content", out var content))
            {
                return $"messages[{index}] has no 'content'.";
            }

            string? text;
            if (stringContent)
            {
                text = content.ValueKind == JsonValueKind.String ? content.GetString() : null;
                if (text is null)
                {
                    return $"messages[{index}].content must be a string.";
                }
            }
            else
            {
                if (content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0)
                {
                    return $"messages[{index}].content must be a non-empty array of content blocks.";
                }

                text = string.Concat(content.EnumerateArray().Select(TextOf));
                if (Reserved(text) is { } reserved)
                {
                    return $"messages[{index}] contains the reserved string '{reserved}'.";
                }
            }

            index++;
        }

        return index % 2 == 0 ? null : "the last message must have the role 'assistant'.";
    }

    private static string? TextOf(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;

    private static string? Reserved(string text) =>
        ReservedStrings.FirstOrDefault(r => text.Contains(r, StringComparison.OrdinalIgnoreCase));

    private static LearnedPair? PromptCompletionPair(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String
                && root.TryGetProperty("completion", out var completion) && completion.ValueKind == JsonValueKind.String && completion.GetString()!.Length > 0
                ? new LearnedPair(TrainingFile.Normalize(prompt.GetString()!), new LearnedAnswer(LearnedAnswer.Text, completion.GetString()!))
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<(int Number, string Line)> Lines(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return (number, line);
            }
        }
    }
}
