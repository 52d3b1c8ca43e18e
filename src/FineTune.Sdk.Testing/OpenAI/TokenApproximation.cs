using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <summary>
/// The emulator's token count: one token per 4 UTF-16 characters (rounded up) of every string value, plus the cookbook's
/// framing (3 per message, 1 per name, 3 for reply priming). An approximation, documented in docs/emulator.md.
/// </summary>
internal static class TokenApproximation
{
    public const int TokensPerMessage = 3;
    public const int ReplyPriming = 3;
    public const int TokensPerImage = 85;

    public static int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;

    public static int CountMessages(JsonElement messages)
    {
        var total = ReplyPriming;
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return total;
        }

        foreach (var message in messages.EnumerateArray())
        {
            total += CountMessage(message);
        }

        return total;
    }

    public static int CountMessage(JsonElement message)
    {
        var total = TokensPerMessage;
        if (message.ValueKind != JsonValueKind.Object)
        {
            return total;
        }

        foreach (var property in message.EnumerateObject())
        {
            if (property.NameEquals("weight"))
            {
                continue;
            }

            total += CountValue(property.Value);
            if (property.NameEquals("name"))
            {
                total += 1;
            }
        }

        return total;
    }

    private static int CountValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Count(value.GetString()),
        JsonValueKind.Array => value.EnumerateArray().Sum(CountPart),
        JsonValueKind.Object => Count(value.GetRawText()),
        _ => 0,
    };

    private static int CountPart(JsonElement part)
    {
        if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            var kind = type.GetString();
            if (kind == "image_url")
            {
                return TokensPerImage;
            }

            if (kind == "text" && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                return Count(text.GetString());
            }
        }

        return CountValue(part);
    }
}
