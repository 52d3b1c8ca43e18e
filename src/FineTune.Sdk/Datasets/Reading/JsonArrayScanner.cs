namespace FineTune.Sdk;

/// <summary>
/// Scans a file that is one JSON array (often pretty-printed over many lines) line by line, in constant memory,
/// to count its elements and learn their top-level keys, so the finding can say what format it looks like.
/// It is a tolerant byte scanner, not a validator: JSON strings cannot hold raw line breaks, so every string and
/// key sits within one line.
/// </summary>
internal sealed class JsonArrayScanner
{
    private int _depth;
    private bool _inString;
    private bool _escaped;

    /// <summary>Gets whether the document's outer value is an object (a pretty-printed JSON object) rather than an array.</summary>
    public bool IsObject { get; private set; }

    /// <summary>Gets the number of elements of the outer array seen so far.</summary>
    public long Elements { get; private set; }

    /// <summary>Gets the number of those elements that are objects.</summary>
    public long ObjectElements { get; private set; }

    /// <summary>Gets the recognised top-level keys of the object elements.</summary>
    public RowShapeKeys Keys { get; private set; }

    /// <summary>Scans one line.</summary>
    /// <param name="line">The line's bytes.</param>
    public void Feed(ReadOnlySpan<byte> line)
    {
        var stringStart = -1;
        for (var i = 0; i < line.Length; i++)
        {
            var b = line[i];
            if (_inString)
            {
                if (_escaped)
                {
                    _escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    _escaped = true;
                }
                else if (b == (byte)'"')
                {
                    _inString = false;
                    if (_depth == 2 && stringStart >= 0 && IsFollowedByColon(line[(i + 1)..]))
                    {
                        Keys |= RowShapes.KeyOf(line[stringStart..i]);
                    }
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    _inString = true;
                    stringStart = i + 1;
                    CountValueAtDepthOne();
                    break;
                case (byte)'{':
                    if (_depth == 0 && Elements == 0 && ObjectElements == 0)
                    {
                        IsObject = true;
                    }

                    CountValueAtDepthOne();
                    if (_depth == 1)
                    {
                        ObjectElements++;
                    }

                    _depth++;
                    break;
                case (byte)'[':
                    CountValueAtDepthOne();
                    _depth++;
                    break;
                case (byte)'}' or (byte)']':
                    _depth--;
                    break;
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)',' or (byte)':':
                    break;
                default:
                    // A number or literal directly in the outer array: count it at its first byte.
                    if (_depth == 1 && (i == 0 || line[i - 1] is (byte)',' or (byte)'[' or (byte)' ' or (byte)'\t'))
                    {
                        Elements++;
                    }

                    break;
            }
        }

        // A string cut by a line break is broken JSON; do not let it swallow the rest of the file.
        _inString = false;
        _escaped = false;
    }

    private void CountValueAtDepthOne()
    {
        if (_depth == 1)
        {
            Elements++;
        }
    }

    private static bool IsFollowedByColon(ReadOnlySpan<byte> rest)
    {
        foreach (var b in rest)
        {
            if (b is (byte)' ' or (byte)'\t')
            {
                continue;
            }

            return b == (byte)':';
        }

        return false;
    }

    /// <summary>Describes what the elements look like.</summary>
    /// <returns>A plain sentence fragment.</returns>
    public string Describe()
    {
        if (ObjectElements == 0)
        {
            return Elements == 0 ? "It is empty." : "Its elements are plain values, not objects.";
        }

        var shape = RowShapes.Classify(Keys);
        return shape switch
        {
            RowShape.Chat => "Its elements look like chat rows: write each element on its own line.",
            RowShape.Preference => "Its elements look like preference (DPO) rows: write each element on its own line.",
            _ when RowShapes.Describe(shape) is { } description => $"Its elements look like {description}.",
            _ => "Its elements are objects in no recognised format.",
        };
    }
}
