namespace FineTune.Sdk;

/// <summary>Counts the tokens a model's tokenizer produces for a text.</summary>
/// <remarks>
/// Implementations are thread-safe: one instance is shared by every caller (it is registered as a singleton by
/// <c>AddFineTuning</c>). The built-in implementation is <see cref="TiktokenTokenizer"/>; an adapter over another
/// tokenizer library can replace it in one file.
/// </remarks>
public interface ITokenCounter
{
    /// <summary>Gets the name of the encoding, for example <c>o200k_base</c>.</summary>
    /// <value>A tiktoken encoding name.</value>
    string EncodingName { get; }

    /// <summary>Counts the tokens of <paramref name="text"/> encoded as plain text (special-token text is ordinary text).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number of tokens; zero for an empty text.</returns>
    int CountTokens(ReadOnlySpan<char> text);

    /// <summary>Asks for a service the counter can supply, such as the underlying tokenizer.</summary>
    /// <param name="serviceType">The type of service requested.</param>
    /// <param name="serviceKey">An optional key; <see langword="null"/> for none.</param>
    /// <returns>The service, or <see langword="null"/> when the counter has none of that type.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
