using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// Writes a JSON value the way JavaScript's <c>JSON.stringify</c> does (compact, non-ASCII kept literally, short
/// escapes), so the peer's token counts of non-string values can be reproduced.
/// </summary>
internal static class JsonText
{
    public static void Append(StringBuilder builder, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                var firstProperty = true;
                foreach (var property in element.EnumerateObject())
                {
                    if (!firstProperty)
                    {
                        builder.Append(',');
                    }

                    firstProperty = false;
                    AppendString(builder, property.Name);
                    builder.Append(':');
                    Append(builder, property.Value);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        builder.Append(',');
                    }

                    firstItem = false;
                    Append(builder, item);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(builder, element.GetString()!);
                break;
            case JsonValueKind.Number:
                AppendNumber(builder, element);
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    private static void AppendNumber(StringBuilder builder, JsonElement element)
    {
        var raw = element.GetRawText();
        if (element.TryGetInt64(out var integer) && !raw.Contains('.', StringComparison.Ordinal) && !raw.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            builder.Append(integer.ToString(CultureInfo.InvariantCulture));
            return;
        }

        // JavaScript prints the shortest round-trip form; "R" is the same for the values datasets hold.
        var value = element.GetDouble();
        builder.Append(value == Math.Floor(value) && Math.Abs(value) < 1e21
            ? value.ToString("F0", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal));
    }

    private static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (c < ' ' || (char.IsSurrogate(c) && !IsPairedAt(value, i)))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    private static bool IsPairedAt(string value, int i) =>
        char.IsHighSurrogate(value[i])
            ? i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
            : i > 0 && char.IsHighSurrogate(value[i - 1]);
}
