using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// Finds <c>\uD800</c>–<c>\uDFFF</c> escapes that are not half of a high-low pair. JSON's grammar accepts them, but
/// they are not Unicode text: <see cref="JsonElement.GetString"/>, <see cref="JsonProperty.Name"/>,
/// <see cref="JsonElement.ValueEquals(ReadOnlySpan{byte})"/> and <see cref="JsonElement.WriteTo"/> throw
/// <see cref="InvalidOperationException"/> on them. Every reader of user JSON rejects such a line up front with a
/// finding, so nothing after it ever decodes one.
/// </summary>
internal static class JsonUnicode
{
    /// <summary>Finds the first lone-surrogate escape in raw JSON text.</summary>
    /// <param name="json">The UTF-8 JSON text (one line or one value).</param>
    /// <returns>The byte offset of the escape's backslash, or -1 when there is none.</returns>
    public static int IndexOfLoneSurrogate(ReadOnlySpan<byte> json)
    {
        var offset = 0;
        while (true)
        {
            var slash = json[offset..].IndexOf((byte)'\\');
            if (slash < 0)
            {
                return -1;
            }

            var i = offset + slash;
            if (i + 1 >= json.Length)
            {
                return -1;
            }

            if (json[i + 1] != (byte)'u')
            {
                offset = i + 2; // a two-character escape such as \\ or \"; its second character is not a backslash
                continue;
            }

            if (!TryHex(json, i + 2, out var unit))
            {
                offset = i + 2;
                continue;
            }

            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return i; // a low half with no high half before it
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 7 < json.Length && json[i + 6] == (byte)'\\' && json[i + 7] == (byte)'u'
                    && TryHex(json, i + 8, out var low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    offset = i + 12;
                    continue;
                }

                return i; // a high half not followed by a low half
            }

            offset = i + 6;
        }
    }

    /// <summary>
    /// Whether decoding some string or key of a parsed value would throw: it holds a lone-surrogate escape, or bytes
    /// that are not UTF-8 (the parser accepts those inside strings and fails only when one is decoded).
    /// </summary>
    /// <param name="element">The value.</param>
    /// <returns><see langword="true"/> when the value is not all text.</returns>
    public static bool HasUndecodableText(JsonElement element)
    {
        if (element.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.String))
        {
            return false;
        }

        var raw = RawUtf8(element);
        return IndexOfLoneSurrogate(raw) >= 0 || !System.Text.Unicode.Utf8.IsValid(raw);
    }

    /// <summary>
    /// A copy of raw JSON text with each lone-surrogate escape replaced by <c>\uFFFD</c> and each invalid UTF-8
    /// sequence by U+FFFD (the replacement character), the way JavaScript's <c>TextDecoder</c> and tiktoken's peers see
    /// such text.
    /// </summary>
    /// <param name="json">The UTF-8 JSON text.</param>
    /// <returns>The repaired text.</returns>
    public static byte[] Repair(ReadOnlySpan<byte> json)
    {
        var copy = System.Text.Unicode.Utf8.IsValid(json) ? json.ToArray() : System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(json));
        var offset = 0;
        int found;
        while ((found = IndexOfLoneSurrogate(copy.AsSpan(offset))) >= 0)
        {
            "\\ufffd"u8.CopyTo(copy.AsSpan(offset + found));
            offset += found + 6;
        }

        return copy;
    }

    /// <summary>A parsed value with its undecodable text replaced by U+FFFD (see <see cref="Repair"/>).</summary>
    /// <param name="element">The value.</param>
    /// <returns>A new document the caller disposes.</returns>
    public static JsonDocument Repaired(JsonElement element) =>
        JsonDocument.Parse(Repair(RawUtf8(element)), new JsonDocumentOptions { MaxDepth = 1024 });

    /// <summary>The JSON path of the first string or property name that holds a lone-surrogate escape.</summary>
    /// <param name="root">The parsed value.</param>
    /// <returns>The path (<c>$.messages[0].content</c>; a key that is not a short identifier is <c>[?]</c>), or <c>$</c>.</returns>
    public static string PathOfLoneSurrogate(JsonElement root) => Find(root, "$", 0) ?? "$";

    private static string? Find(JsonElement element, string path, int depth)
    {
        if (depth > 256)
        {
            return null;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IndexOfLoneSurrogate(RawUtf8(element)) >= 0 ? path : null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Find(item, $"{path}[{index}]", depth + 1) is { } found)
                    {
                        return found;
                    }

                    index++;
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path + "[?]"; // the key itself is the broken string
                    }

                    if (Find(property.Value, path + DatasetRowRules.Member(name), depth + 1) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    internal static ReadOnlySpan<byte> RawUtf8(JsonElement element)
    {
#if NET9_0_OR_GREATER
        return System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
#else
        return System.Text.Encoding.UTF8.GetBytes(element.GetRawText());
#endif
    }

    private static bool TryHex(ReadOnlySpan<byte> json, int start, out int value)
    {
        value = 0;
        if (start + 4 > json.Length)
        {
            return false;
        }

        for (var k = start; k < start + 4; k++)
        {
            var digit = HexDigit(json[k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
