using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// Reads a class label from an assistant answer: the first configured field of a JSON object answer
/// (<c>{"intent": "refund"}</c>), or a short plain answer of at most three words.
/// </summary>
internal static class LabelExtractor
{
    public static string? TryGetLabel(string? answer, ClassBalanceGateOptions options)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return null;
        }

        var trimmed = answer.AsSpan().Trim();
        string? label = null;
        if (trimmed.Length > 0 && trimmed[0] == '{')
        {
            label = FromJson(answer, options.LabelFields);
        }
        else if (trimmed.Length <= options.MaxLabelLength && trimmed.IndexOfAny('\n', '\r') < 0 && CountWords(trimmed) <= 3)
        {
            label = trimmed.ToString();
        }

        if (label is null)
        {
            return null;
        }

        label = TextFingerprint.Normalize(label);
        return label.Length == 0 || label.Length > options.MaxLabelLength || PiiDetector.Detect(label).Count > 0 ? null : label;
    }

    private static string? FromJson(string answer, List<string> fields)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var field in fields)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (string.Equals(property.Name, field, StringComparison.OrdinalIgnoreCase))
                    {
                        return property.Value.ValueKind switch
                        {
                            JsonValueKind.String => property.Value.GetString(),
                            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                            _ => null,
                        };
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string in it holds a lone-surrogate escape (decoding it throws): no label.
        }

        return null;
    }

    private static int CountWords(ReadOnlySpan<char> text)
    {
        var words = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var space = char.IsWhiteSpace(c);
            if (!space && !inWord)
            {
                words++;
            }

            inWord = !space;
        }

        return words;
    }
}
