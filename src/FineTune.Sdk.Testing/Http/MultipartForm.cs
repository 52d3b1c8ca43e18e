using System.Text;

namespace FineTune.Sdk.Testing;

/// <summary>One part of a <c>multipart/form-data</c> body.</summary>
internal sealed record MultipartPart(string Name, string? FileName, string? ContentType, byte[] Content)
{
    public string Text => Encoding.UTF8.GetString(Content);
}

/// <summary>Parses <c>multipart/form-data</c> bodies (RFC 7578) as the OpenAI clients send them.</summary>
internal static class MultipartForm
{
    public static IReadOnlyList<MultipartPart>? TryParse(string? contentType, byte[] body)
    {
        if (contentType is null || !contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var boundary = Parameter(contentType, "boundary");
        if (string.IsNullOrEmpty(boundary))
        {
            return null;
        }

        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var parts = new List<MultipartPart>();
        var position = IndexOf(body, delimiter, 0);
        if (position < 0)
        {
            return null;
        }

        while (true)
        {
            position += delimiter.Length;
            if (position + 1 < body.Length && body[position] == '-' && body[position + 1] == '-')
            {
                return parts;
            }

            position = SkipLineBreak(body, position);
            var headerEnd = IndexOf(body, "\r\n\r\n"u8.ToArray(), position);
            var separatorLength = 4;
            if (headerEnd < 0)
            {
                headerEnd = IndexOf(body, "\n\n"u8.ToArray(), position);
                separatorLength = 2;
                if (headerEnd < 0)
                {
                    return null;
                }
            }

            var headerText = Encoding.UTF8.GetString(body, position, headerEnd - position);
            var contentStart = headerEnd + separatorLength;
            var next = IndexOf(body, delimiter, contentStart);
            if (next < 0)
            {
                return null;
            }

            var contentEnd = next;
            if (contentEnd >= 2 && body[contentEnd - 2] == '\r' && body[contentEnd - 1] == '\n')
            {
                contentEnd -= 2;
            }
            else if (contentEnd >= 1 && body[contentEnd - 1] == '\n')
            {
                contentEnd -= 1;
            }

            string? name = null;
            string? fileName = null;
            string? partType = null;
            foreach (var line in headerText.Split('\n'))
            {
                var trimmed = line.TrimEnd('\r');
                var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }

                var headerName = trimmed[..colon].Trim();
                var value = trimmed[(colon + 1)..].Trim();
                if (headerName.Equals("Content-Disposition", StringComparison.OrdinalIgnoreCase))
                {
                    name = Parameter(value, "name");
                    var extended = Parameter(value, "filename*");
                    fileName = extended is not null ? DecodeExtended(extended) : Parameter(value, "filename");
                }
                else if (headerName.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    partType = value;
                }
            }

            parts.Add(new MultipartPart(name ?? string.Empty, fileName, partType, body[contentStart..Math.Max(contentStart, contentEnd)]));
            position = next;
        }
    }

    private static int SkipLineBreak(byte[] body, int position)
    {
        if (position < body.Length && body[position] == '\r')
        {
            position++;
        }

        if (position < body.Length && body[position] == '\n')
        {
            position++;
        }

        return position;
    }

    private static string? Parameter(string header, string name)
    {
        foreach (var raw in SplitParameters(header))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            if (raw[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                var value = raw[(eq + 1)..].Trim();
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                {
                    value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal);
                }

                return value;
            }
        }

        return null;
    }

    private static IEnumerable<string> SplitParameters(string header)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i] == '"' && (i == 0 || header[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (header[i] == ';' && !quoted)
            {
                yield return header[start..i];
                start = i + 1;
            }
        }

        yield return header[start..];
    }

    private static string DecodeExtended(string value)
    {
        // RFC 5987: charset'language'percent-encoded
        var first = value.IndexOf('\'', StringComparison.Ordinal);
        var second = first >= 0 ? value.IndexOf('\'', first + 1) : -1;
        return second >= 0 ? Uri.UnescapeDataString(value[(second + 1)..]) : value;
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int start)
    {
        return start > haystack.Length ? -1 : haystack.AsSpan(start).IndexOf(needle) is var i and >= 0 ? i + start : -1;
    }
}
