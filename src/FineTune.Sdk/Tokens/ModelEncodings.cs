namespace FineTune.Sdk;

/// <summary>Maps model names (base, dated snapshots and fine-tuned <c>ft:</c> names) to tiktoken encodings.</summary>
internal static class ModelEncodings
{
    // Prefixes in match order; a model matches when its name equals the prefix or continues with '-' or ':'.
    private static readonly (string Prefix, string Encoding)[] Families =
    [
        ("gpt-4.1", TiktokenTokenizer.O200kBaseName),
        ("gpt-4.5", TiktokenTokenizer.O200kBaseName),
        ("gpt-4o", TiktokenTokenizer.O200kBaseName),
        ("gpt-5", TiktokenTokenizer.O200kBaseName),
        ("o1", TiktokenTokenizer.O200kBaseName),
        ("o3", TiktokenTokenizer.O200kBaseName),
        ("o4", TiktokenTokenizer.O200kBaseName),
        ("gpt-4", TiktokenTokenizer.Cl100kBaseName),
        ("gpt-3.5-turbo", TiktokenTokenizer.Cl100kBaseName),
        ("gpt-35-turbo", TiktokenTokenizer.Cl100kBaseName),
        ("davinci-002", TiktokenTokenizer.Cl100kBaseName),
        ("babbage-002", TiktokenTokenizer.Cl100kBaseName),
    ];

    /// <summary>Gets the known model families, for messages and docs.</summary>
    public static IEnumerable<string> KnownFamilies => Families.Select(f => f.Prefix + "*");

    /// <summary>Returns the encoding name of a model.</summary>
    /// <exception cref="ArgumentException">The model is unknown.</exception>
    public static string GetEncodingName(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return TryGetEncodingName(model, out var encoding)
            ? encoding
            : throw new ArgumentException(
                $"No tokenizer is known for model '{model}'. Known model families: {string.Join(", ", KnownFamilies)} (and their 'ft:' fine-tuned names).",
                nameof(model));
    }

    /// <summary>Tries to find the encoding name of a model.</summary>
    public static bool TryGetEncodingName(string model, out string encoding)
    {
        var name = BaseModel(model.Trim());
        foreach (var (prefix, value) in Families)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && (name.Length == prefix.Length || name[prefix.Length] is '-' or ':'))
            {
                encoding = value;
                return true;
            }
        }

        encoding = string.Empty;
        return false;
    }

    /// <summary>Strips the <c>ft:</c> prefix and the organisation/suffix/id tail of a fine-tuned model name.</summary>
    public static string BaseModel(string model)
    {
        if (!model.StartsWith("ft:", StringComparison.OrdinalIgnoreCase))
        {
            return model;
        }

        var rest = model[3..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? rest : rest[..colon];
    }
}
