using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>Why a line did not parse as JSON.</summary>
internal enum JsonParseFailure
{
    /// <summary>It parsed.</summary>
    None = 0,

    /// <summary>It is not well-formed JSON.</summary>
    Invalid = 1,

    /// <summary>It nests deeper than the configured maximum depth.</summary>
    TooDeep = 2,

    /// <summary>It is well-formed but a string or key holds a <c>\u</c> escape of a lone UTF-16 surrogate, which is not text.</summary>
    LoneSurrogate = 3,
}

/// <summary>Parses a JSONL line into a <see cref="JsonDocument"/> and fills a <see cref="DatasetRow"/> from it.</summary>
internal static class DatasetRowParser
{
    /// <summary>Parses one line. The document borrows <paramref name="utf8"/>: dispose it before the bytes change.</summary>
    /// <param name="utf8">The line's bytes.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <param name="failure">Why it did not parse.</param>
    /// <param name="bytePosition">Where parsing stopped, when it failed (0-based byte offset in the line).</param>
    /// <returns>The document, or <see langword="null"/> when it did not parse.</returns>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> utf8, int maxDepth, out JsonParseFailure failure, out long bytePosition)
    {
        try
        {
            var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = maxDepth });
            var lone = JsonUnicode.IndexOfLoneSurrogate(utf8.Span);
            if (lone >= 0)
            {
                // Nothing downstream may decode it (GetString, ValueEquals, WriteTo throw): the line is rejected here.
                document.Dispose();
                failure = JsonParseFailure.LoneSurrogate;
                bytePosition = lone;
                return null;
            }

            failure = JsonParseFailure.None;
            bytePosition = 0;
            return document;
        }
        catch (JsonException ex)
        {
            bytePosition = ex.BytePositionInLine ?? 0;
            failure = MaxNesting(utf8.Span) > maxDepth ? JsonParseFailure.TooDeep : JsonParseFailure.Invalid;
            return null;
        }
    }

    /// <summary>The JSON path of the first string or key holding a lone-surrogate escape in a line that parses (the rare path: it parses again).</summary>
    /// <param name="utf8">The line's bytes.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The path, or <c>$</c>.</returns>
    public static string LoneSurrogatePath(ReadOnlyMemory<byte> utf8, int maxDepth)
    {
        using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = maxDepth });
        return JsonUnicode.PathOfLoneSurrogate(document.RootElement);
    }

    /// <summary>Fills <paramref name="row"/> from a parsed row of the given format (chat or preference).</summary>
    /// <param name="row">The row to fill (reused between rows).</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="root">The row's JSON.</param>
    /// <param name="format">The row's format.</param>
    /// <param name="readTexts">Whether to decode the texts (prompt, user text, answer, message contents, source); without
    /// them the row carries its line, JSON and format only, for gates that read the JSON themselves.</param>
    public static void Fill(DatasetRow row, long line, JsonElement root, DatasetFormat format, bool readTexts = true)
    {
        row.Line = line;
        row.Root = root;
        row.Format = format;
        row.SystemPrompt = null;
        row.UserText = string.Empty;
        row.AssistantText = null;
        row.AssistantPath = "$";
        row.Source = null;
        row.MessageContents.Clear();
        if (!readTexts || root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String)
        {
            row.Source = source.GetString();
        }

        if (format == DatasetFormat.Preference)
        {
            if (root.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object
                && input.TryGetProperty("messages", out var inputMessages))
            {
                FillConversation(row, inputMessages, "$.input.messages", takeAssistant: false);
            }

            if (root.TryGetProperty("preferred_output", out var preferred) && preferred.ValueKind == JsonValueKind.Array
                && preferred.GetArrayLength() > 0)
            {
                SetAssistant(row, preferred[0], "$.preferred_output", 0);
            }

            return;
        }

        if (root.TryGetProperty("messages", out var messages))
        {
            FillConversation(row, messages, "$.messages", takeAssistant: true);
        }
    }

    /// <summary>Gets the text of a message's <c>content</c>: the string, or the text parts joined with a line feed.</summary>
    /// <param name="content">The content value.</param>
    /// <returns>The text, or <see langword="null"/> when there is none.</returns>
    public static string? ContentText(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString();
            case JsonValueKind.Array:
                StringBuilder? text = null;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var partText) && partText.ValueKind == JsonValueKind.String)
                    {
                        text ??= new StringBuilder();
                        if (text.Length > 0)
                        {
                            text.Append('\n');
                        }

                        text.Append(partText.GetString());
                    }
                }

                return text?.ToString();
            default:
                return null;
        }
    }

    private static void FillConversation(DatasetRow row, JsonElement messages, string path, bool takeAssistant)
    {
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        // Most rows have one user message: keep its string and only join when a second one comes.
        string? firstUser = null;
        StringBuilder? user = null;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String)
            {
                if (role.ValueEquals("system"u8) || role.ValueEquals("developer"u8))
                {
                    if (row.SystemPrompt is null && message.TryGetProperty("content", out var systemContent))
                    {
                        row.SystemPrompt = ContentText(systemContent);
                        Remember(row, takeAssistant, index, systemContent, row.SystemPrompt);
                    }
                }
                else if (role.ValueEquals("user"u8))
                {
                    if (message.TryGetProperty("content", out var userContent) && ContentText(userContent) is { } text)
                    {
                        Remember(row, takeAssistant, index, userContent, text);
                        if (firstUser is null)
                        {
                            firstUser = text;
                        }
                        else
                        {
                            user ??= new StringBuilder(firstUser);
                            if (user.Length > 0)
                            {
                                user.Append('\n');
                            }

                            user.Append(text);
                        }
                    }
                }
                else if (takeAssistant && role.ValueEquals("assistant"u8))
                {
                    if (SetAssistant(row, message, path, index) && message.TryGetProperty("content", out var assistantContent))
                    {
                        Remember(row, takeAssistant, index, assistantContent, row.AssistantText);
                    }
                }
            }

            index++;
        }

        row.UserText = user?.ToString() ?? firstUser ?? string.Empty;
    }

    // Keeps the string of a chat message's string content for the token counter, which would otherwise decode it again.
    private static void Remember(DatasetRow row, bool chat, int index, JsonElement content, string? text)
    {
        if (!chat || content.ValueKind != JsonValueKind.String || text is null)
        {
            return;
        }

        var contents = row.MessageContents;
        while (contents.Count <= index)
        {
            contents.Add(null);
        }

        contents[index] = text;
    }

    // The paths of the first messages' contents, built once instead of for every row.
    private static readonly string[] MessageContentPaths = [.. Enumerable.Range(0, 16).Select(i => $"$.messages[{i}].content")];

    // Sets the row's answer from an assistant message; returns true when it came from the message's content.
    private static bool SetAssistant(DatasetRow row, JsonElement message, string listPath, int index)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (message.TryGetProperty("content", out var content) && ContentText(content) is { Length: > 0 } text)
        {
            row.AssistantText = text;
            row.AssistantPath = listPath == "$.messages" && (uint)index < (uint)MessageContentPaths.Length
                ? MessageContentPaths[index]
                : $"{listPath}[{index}].content";
            return true;
        }

        if (message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
        {
            row.AssistantText = toolCalls.GetRawText();
            row.AssistantPath = $"{listPath}[{index}].tool_calls";
        }
        else if (message.TryGetProperty("function_call", out var functionCall) && functionCall.ValueKind == JsonValueKind.Object)
        {
            row.AssistantText = functionCall.GetRawText();
            row.AssistantPath = $"{listPath}[{index}].function_call";
        }

        return false;
    }

    /// <summary>The deepest nesting of arrays and objects, counting outside strings; used to explain a parse failure.</summary>
    private static int MaxNesting(ReadOnlySpan<byte> utf8)
    {
        int depth = 0, max = 0;
        var inString = false;
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    inString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    depth++;
                    max = Math.Max(max, depth);
                    break;
                case (byte)'}' or (byte)']':
                    depth--;
                    break;
            }
        }

        return max;
    }
}
