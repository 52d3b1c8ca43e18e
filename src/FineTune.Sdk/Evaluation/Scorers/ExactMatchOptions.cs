namespace FineTune.Sdk;

/// <summary>How outputs and expected answers are normalized before an exact-match comparison.</summary>
public sealed class ExactMatchOptions
{
    /// <summary>Gets or sets a value indicating whether leading and trailing whitespace is ignored.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Trim { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether case is ignored (invariant culture).</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool IgnoreCase { get; set; }

    /// <summary>Gets or sets a value indicating whether runs of whitespace compare as one space.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool CollapseWhitespace { get; set; }

    /// <summary>Gets or sets a value indicating whether punctuation characters are removed before comparing.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool IgnorePunctuation { get; set; }

    internal string Normalize(string text)
    {
        var value = text;
        if (IgnorePunctuation)
        {
            value = string.Concat(value.Where(c => !char.IsPunctuation(c)));
        }

        if (CollapseWhitespace)
        {
            value = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        }

        if (Trim)
        {
            value = value.Trim();
        }

        return IgnoreCase ? value.ToUpperInvariant() : value;
    }
}
