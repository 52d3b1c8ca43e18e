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

    /// <summary>Gets the normalization names <see cref="Parse"/> understands.</summary>
    /// <value><c>ignore-case</c>, <c>collapse-whitespace</c>, <c>ignore-punctuation</c> and <c>no-trim</c>.</value>
    public static IReadOnlyList<string> NormalizationNames { get; } = ["ignore-case", "collapse-whitespace", "ignore-punctuation", "no-trim"];

    /// <summary>Creates options from normalization names (each value may be a comma list); none gives the defaults (trim only).</summary>
    /// <param name="normalizations">Names from <see cref="NormalizationNames"/>, case-insensitive.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">A value is not a known normalization; the message lists the known ones.</exception>
    public static ExactMatchOptions Parse(IEnumerable<string>? normalizations)
    {
        var options = new ExactMatchOptions();
        foreach (var value in (normalizations ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            switch (value.ToLowerInvariant())
            {
                case "ignore-case":
                    options.IgnoreCase = true;
                    break;
                case "collapse-whitespace":
                    options.CollapseWhitespace = true;
                    break;
                case "ignore-punctuation":
                    options.IgnorePunctuation = true;
                    break;
                case "no-trim":
                    options.Trim = false;
                    break;
                default:
                    throw new ArgumentException($"Exact-match normalization must be one of {string.Join(", ", NormalizationNames)}; it was '{value}'.", nameof(normalizations));
            }
        }

        return options;
    }
}
