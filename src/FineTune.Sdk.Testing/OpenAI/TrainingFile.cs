using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.Sdk.Testing;

/// <summary>A trained assistant answer: <c>text</c>, <c>tool_calls</c> (raw JSON array) or <c>function_call</c> (raw JSON object).</summary>
internal sealed record LearnedAnswer(string Kind, string Value)
{
    public const string Text = "text";
    public const string ToolCalls = "tool_calls";
    public const string FunctionCall = "function_call";

    public string Key => Kind + "\n" + Value;
}

/// <summary>One prompt/answer pair learned from a training example.</summary>
internal sealed record LearnedPair(string Prompt, LearnedAnswer Answer);

/// <summary>The outcome of checking a training or validation file against a job's method and model.</summary>
internal sealed class TrainingFileReport
{
    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public int ExampleCount { get; init; }

    /// <summary>Gets Σ min(cap, tokens) over examples: the tokens one epoch trains on.</summary>
    public long TokensPerEpoch { get; init; }

    public int TruncatedExamples { get; init; }

    public IReadOnlyList<LearnedPair> Pairs { get; init; } = [];
}

/// <summary>
/// Validates fine-tuning JSONL the way the service does (openai.md 1.6, 2.1-2.4): JSON per line, the format must match the
/// method (chat for supervised, preference for dpo, messages for reinforcement), at least 10 examples, per-example token
/// cap with truncation. Tokens are counted by the SDK's own <see cref="ChatTokenAccounting"/> (the model's tiktoken
/// encoding and the billing formula of docs/tokens.md), so the emulator's <c>trained_tokens</c> equals what the SDK
/// estimates.
/// </summary>
internal static partial class TrainingFile
{
    public const int MinimumExamples = 10;
    private const string InvalidFilePrefix = "The job failed due to an invalid training file. Invalid file format. ";
    private static readonly HashSet<string> ChatRoles = new(StringComparer.Ordinal) { "system", "developer", "user", "assistant", "tool", "function" };

    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    /// <summary>Gets the text of a message's <c>content</c> (a string or text parts joined by new lines).</summary>
    public static string? ContentText(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content", out var content))
        {
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind == JsonValueKind.Array)
        {
            var texts = new List<string>();
            foreach (var part in content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    texts.Add(text.GetString()!);
                }
            }

            return string.Join("\n", texts);
        }

        return null;
    }

    /// <summary>Gets the normalized content of the last <c>user</c> message, or <see langword="null"/>.</summary>
    public static string? LastUserPrompt(JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? prompt = null;
        foreach (var message in messages.EnumerateArray())
        {
            if (Role(message) == "user")
            {
                var text = ContentText(message);
                if (text is not null)
                {
                    prompt = Normalize(text);
                }
            }
        }

        return prompt;
    }

    /// <summary>Reads every pair it can from a file, ignoring malformed lines (the emulator's "world knowledge").</summary>
    public static IReadOnlyList<LearnedPair> ExtractPairs(byte[] content) => Check(content, method: null, "training_file", accounting: null, requireMinimum: false).Pairs;

    /// <summary>Checks a file; <paramref name="accounting"/> counts each example's tokens (billed = truncated to its limit), <see langword="null"/> to skip counting.</summary>
    public static TrainingFileReport Check(byte[] content, string? method, string param, ChatTokenAccounting? accounting, bool requireMinimum)
    {
        var pairs = new List<LearnedPair>();
        var examples = 0;
        long tokens = 0;
        var truncated = 0;
        var lineNumber = 0;
        foreach (var line in SplitLines(content))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            examples++;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                if (method is null)
                {
                    continue;
                }

                return Failure(param, $"Example {examples} cannot be parsed as JSON: invalid json.");
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    if (method is null)
                    {
                        continue;
                    }

                    return Failure(param, $"Example {examples} is not a JSON object.");
                }

                var kind = Kind(root);
                if (method is not null)
                {
                    var expected = method == "dpo" ? "preference" : "chat";
                    if (kind != expected)
                    {
                        var found = kind switch
                        {
                            "preference" => "the preference (DPO) format",
                            "chat" => "the chat format",
                            "completion" => "the legacy prompt-completion format",
                            _ => "an unrecognised format",
                        };
                        return Failure(param, $"Example {examples} is in {found}, but the job's method is {method}, which needs {(expected == "preference" ? "the preference format (input, preferred_output, non_preferred_output)" : "the chat format (messages)")}.");
                    }

                    var problem = kind == "preference" ? CheckPreference(root) : CheckChat(root, method);
                    if (problem is not null)
                    {
                        return Failure(param, $"Example {examples} {problem}");
                    }
                }

                if (accounting is not null)
                {
                    var exampleTokens = accounting.CountExample(root);
                    if (exampleTokens.IsOverLimit)
                    {
                        truncated++;
                    }

                    tokens += exampleTokens.Billed;
                }

                var pair = Pair(root, kind);
                if (pair is not null)
                {
                    pairs.Add(pair);
                }
            }
        }

        if (method is not null && requireMinimum && examples < MinimumExamples)
        {
            return new TrainingFileReport
            {
                ErrorCode = "invalid_n_examples",
                ErrorMessage = $"Training file has {examples} example(s), but must have at least {MinimumExamples} examples",
                ExampleCount = examples,
            };
        }

        return new TrainingFileReport { ExampleCount = examples, TokensPerEpoch = tokens, TruncatedExamples = truncated, Pairs = pairs };
    }

    private static TrainingFileReport Failure(string param, string detail) => new()
    {
        ErrorCode = param == "validation_file" ? "invalid_validation_file" : "invalid_training_file",
        ErrorMessage = (param == "validation_file" ? InvalidFilePrefix.Replace("training file", "validation file", StringComparison.Ordinal) : InvalidFilePrefix) + detail,
    };

    private static string Kind(JsonElement root)
    {
        if (root.TryGetProperty("input", out _) && (root.TryGetProperty("preferred_output", out _) || root.TryGetProperty("non_preferred_output", out _)))
        {
            return "preference";
        }

        if (root.TryGetProperty("messages", out _))
        {
            return "chat";
        }

        return root.TryGetProperty("prompt", out _) && root.TryGetProperty("completion", out _) ? "completion" : "unknown";
    }

    private static string? Role(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String ? role.GetString() : null;

    private static string? CheckChat(JsonElement root, string method)
    {
        var messages = root.GetProperty("messages");
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            return "has no messages: 'messages' must be a non-empty array.";
        }

        var index = 0;
        var hasAssistant = false;
        foreach (var message in messages.EnumerateArray())
        {
            index++;
            if (message.ValueKind != JsonValueKind.Object)
            {
                return $"message {index} is not an object.";
            }

            var role = Role(message);
            if (role is null || !ChatRoles.Contains(role))
            {
                return $"message {index} has an unrecognised role '{role}'.";
            }

            hasAssistant |= role == "assistant";
            var hasContent = message.TryGetProperty("content", out var content) && content.ValueKind is JsonValueKind.String or JsonValueKind.Array;
            var hasCalls = message.TryGetProperty("tool_calls", out _) || message.TryGetProperty("function_call", out _);
            if (!hasContent && !hasCalls)
            {
                return $"message {index} is missing content.";
            }

            if (message.TryGetProperty("weight", out var weight))
            {
                if (role != "assistant")
                {
                    return $"message {index} has a weight, which only assistant messages may carry.";
                }

                if (!(weight.ValueKind == JsonValueKind.Number && weight.TryGetInt32(out var w) && w is 0 or 1))
                {
                    return $"message {index} has an invalid weight: it must be 0 or 1.";
                }
            }

            var text = ContentText(message);
            if (text is not null && SpecialToken().Match(text) is { Success: true } match)
            {
                return $"message contains an invalid token: {match.Value}";
            }
        }

        if (method != "reinforcement" && !hasAssistant)
        {
            return "is missing an assistant message.";
        }

        return null;
    }

    private static string? CheckPreference(JsonElement root)
    {
        if (!root.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object
            || !input.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            return "has no input messages: 'input.messages' must be a non-empty array.";
        }

        foreach (var name in (string[])["preferred_output", "non_preferred_output"])
        {
            if (!root.TryGetProperty(name, out var output) || output.ValueKind != JsonValueKind.Array || output.GetArrayLength() != 1)
            {
                return $"must have exactly one message in '{name}'.";
            }

            var message = output[0];
            if (Role(message) != "assistant" || ContentText(message) is null)
            {
                return $"must have an assistant message with content in '{name}'.";
            }
        }

        return null;
    }

    private static LearnedPair? Pair(JsonElement root, string kind)
    {
        if (kind == "preference")
        {
            if (root.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object && input.TryGetProperty("messages", out var inputMessages)
                && root.TryGetProperty("preferred_output", out var preferred) && preferred.ValueKind == JsonValueKind.Array && preferred.GetArrayLength() > 0)
            {
                var prompt = LastUserPrompt(inputMessages);
                var answer = AnswerOf(preferred[0]);
                return prompt is not null && answer is not null ? new LearnedPair(prompt, answer) : null;
            }

            return null;
        }

        if (kind != "chat" || root.GetProperty("messages") is not { ValueKind: JsonValueKind.Array } messages)
        {
            return null;
        }

        string? lastPrompt = null;
        LearnedPair? pair = null;
        foreach (var message in messages.EnumerateArray())
        {
            var role = Role(message);
            if (role == "user" && ContentText(message) is { } userText)
            {
                lastPrompt = Normalize(userText);
            }
            else if (role == "assistant" && lastPrompt is not null && AnswerOf(message) is { } answer
                && !(message.TryGetProperty("weight", out var weight) && weight.ValueKind == JsonValueKind.Number && weight.GetDouble() == 0))
            {
                pair = new LearnedPair(lastPrompt, answer);
            }
        }

        return pair;
    }

    private static LearnedAnswer? AnswerOf(JsonElement message)
    {
        if (ContentText(message) is { Length: > 0 } text)
        {
            return new LearnedAnswer(LearnedAnswer.Text, text);
        }

        if (message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array && toolCalls.GetArrayLength() > 0)
        {
            return new LearnedAnswer(LearnedAnswer.ToolCalls, toolCalls.GetRawText());
        }

        if (message.TryGetProperty("function_call", out var functionCall) && functionCall.ValueKind == JsonValueKind.Object)
        {
            return new LearnedAnswer(LearnedAnswer.FunctionCall, functionCall.GetRawText());
        }

        return null;
    }

    private static IEnumerable<string> SplitLines(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        return text.Split('\n').Select(l => l.TrimEnd('\r'));
    }

    [GeneratedRegex(@"<\|[a-z_]+\|>", RegexOptions.CultureInvariant)]
    private static partial Regex SpecialToken();
}
