namespace FineTune.Sdk;

/// <summary>
/// Decides whether a text is one JSON value exactly as <see cref="System.Text.Json.JsonDocument.Parse(string, System.Text.Json.JsonDocumentOptions)"/>
/// with default options would (RFC 8259, no comments, no trailing commas, depth at most 64, well-formed UTF-16), without
/// throwing.
/// </summary>
/// <remarks>
/// Model outputs are often not JSON ("A12", a cut-off object): parsing each of them only to catch the exception costs
/// tens of microseconds of exception dispatch per case, which adds up across thousands of cases and several scorers.
/// Checking first keeps the exception for the rare disagreement the caller still guards against.
/// </remarks>
internal static class JsonSyntax
{
    /// <summary>The nesting limit of <see cref="System.Text.Json.JsonDocumentOptions.MaxDepth"/>'s default.</summary>
    public const int MaxDepth = 64;

    /// <summary>True when <paramref name="text"/> is exactly one JSON value, surrounded by optional whitespace.</summary>
    public static bool IsValid(ReadOnlySpan<char> text)
    {
        // containers[d] is true for an object, false for an array, for each open level.
        Span<bool> containers = stackalloc bool[MaxDepth];
        var depth = 0;
        var i = SkipWhitespace(text, 0);
        while (true)
        {
            // A value is expected at i.
            if (i >= text.Length)
            {
                return false;
            }

            var c = text[i];
            if (c is '{' or '[')
            {
                if (depth == MaxDepth)
                {
                    return false;
                }

                containers[depth++] = c == '{';
                i = SkipWhitespace(text, i + 1);
                if (i < text.Length && text[i] == (c == '{' ? '}' : ']'))
                {
                    depth--;
                    i++;
                }
                else if (c == '{' && !TryMember(text, ref i))
                {
                    return false;
                }
                else
                {
                    continue;
                }
            }
            else if (!TryScalar(text, ref i))
            {
                return false;
            }

            // After a value: close containers or move to the next element.
            while (true)
            {
                i = SkipWhitespace(text, i);
                if (depth == 0)
                {
                    return i == text.Length;
                }

                if (i >= text.Length)
                {
                    return false;
                }

                var isObject = containers[depth - 1];
                if (text[i] == (isObject ? '}' : ']'))
                {
                    depth--;
                    i++;
                    continue;
                }

                if (text[i] != ',')
                {
                    return false;
                }

                i = SkipWhitespace(text, i + 1);
                if (isObject && !TryMember(text, ref i))
                {
                    return false;
                }

                break;
            }
        }
    }

    /// <summary>Reads <c>"name" :</c> and the whitespace after it; <paramref name="i"/> then points at the value.</summary>
    private static bool TryMember(ReadOnlySpan<char> text, ref int i)
    {
        if (i >= text.Length || text[i] != '"' || !TryString(text, ref i))
        {
            return false;
        }

        i = SkipWhitespace(text, i);
        if (i >= text.Length || text[i] != ':')
        {
            return false;
        }

        i = SkipWhitespace(text, i + 1);
        return true;
    }

    private static bool TryScalar(ReadOnlySpan<char> text, ref int i)
    {
        switch (text[i])
        {
            case '"':
                return TryString(text, ref i);
            case 't':
                return TryLiteral(text, ref i, "true");
            case 'f':
                return TryLiteral(text, ref i, "false");
            case 'n':
                return TryLiteral(text, ref i, "null");
            default:
                return TryNumber(text, ref i);
        }
    }

    private static bool TryLiteral(ReadOnlySpan<char> text, ref int i, string literal)
    {
        if (!text[i..].StartsWith(literal, StringComparison.Ordinal))
        {
            return false;
        }

        i += literal.Length;
        return true;
    }

    private static bool TryString(ReadOnlySpan<char> text, ref int i)
    {
        i++; // the opening quote
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                i++;
                return true;
            }

            if (c < ' ')
            {
                return false;
            }

            if (c == '\\')
            {
                if (++i >= text.Length)
                {
                    return false;
                }

                switch (text[i])
                {
                    case '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't':
                        i++;
                        break;
                    case 'u':
                        if (i + 4 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2])
                            || !char.IsAsciiHexDigit(text[i + 3]) || !char.IsAsciiHexDigit(text[i + 4]))
                        {
                            return false;
                        }

                        i += 5;
                        break;
                    default:
                        return false;
                }

                continue;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i += 2;
                continue;
            }

            if (char.IsLowSurrogate(c))
            {
                return false;
            }

            i++;
        }

        return false;
    }

    private static bool TryNumber(ReadOnlySpan<char> text, ref int i)
    {
        if (text[i] == '-')
        {
            i++;
        }

        if (i >= text.Length || !char.IsAsciiDigit(text[i]))
        {
            return false;
        }

        if (text[i] == '0')
        {
            i++;
        }
        else
        {
            i = SkipDigits(text, i);
        }

        if (i < text.Length && text[i] == '.')
        {
            var start = ++i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var start = i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }

        // A number must end at a delimiter ("12a" is not JSON).
        return i >= text.Length || text[i] is ',' or ']' or '}' or ' ' or '\t' or '\n' or '\r';
    }

    private static int SkipDigits(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    private static int SkipWhitespace(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\n' or '\r')
        {
            i++;
        }

        return i;
    }
}
