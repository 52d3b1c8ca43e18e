namespace FineTune.Sdk;

/// <summary>Options of token counting: the encoding of the registered <see cref="ITokenCounter"/>.</summary>
public sealed class TokenCountingOptions
{
    /// <summary>Gets or sets the encoding of the <see cref="ITokenCounter"/> registered by <c>AddFineTuning</c>.</summary>
    /// <value>Defaults to <c>o200k_base</c> (gpt-4o, gpt-4.1, o-series); <c>cl100k_base</c> is the other choice.</value>
    public string Encoding { get; set; } = TiktokenTokenizer.O200kBaseName;

    internal void Validate(List<string> failures)
    {
        if (!string.Equals(Encoding, TiktokenTokenizer.O200kBaseName, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Encoding, TiktokenTokenizer.Cl100kBaseName, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Tokens.{nameof(Encoding)} must be {TiktokenTokenizer.O200kBaseName} or {TiktokenTokenizer.Cl100kBaseName}; it was '{Encoding}'.");
        }
    }
}
