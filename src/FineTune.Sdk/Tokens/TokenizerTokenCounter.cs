using Microsoft.ML.Tokenizers;

namespace FineTune.Sdk;

/// <summary>
/// Counts tokens with any <see cref="Tokenizer"/> from Microsoft.ML.Tokenizers, so datasets can be counted with
/// encodings and model families the SDK does not embed (Llama, Phi, SentencePiece, BERT-style vocabularies...).
/// </summary>
/// <remarks>
/// The built-in <see cref="TiktokenTokenizer"/> stays the default for OpenAI encodings: it counts o200k_base several
/// times faster with identical ids (docs/tokens.md). This package references Microsoft.ML.Tokenizers only, never its
/// <c>.Data.*</c> vocabulary packages: reference the vocabulary you need in the application.
/// </remarks>
public static class TokenizerTokenCounterExtensions
{
    /// <summary>Wraps a Microsoft.ML.Tokenizers <see cref="Tokenizer"/> as an <see cref="ITokenCounter"/>.</summary>
    /// <param name="tokenizer">The tokenizer; thread-safe as Microsoft.ML.Tokenizers' tokenizers are.</param>
    /// <param name="encodingName">The name reported by <see cref="ITokenCounter.EncodingName"/>, for example <c>llama3</c>.</param>
    /// <returns>The counter. It counts as the tokenizer does with its own normalization and pre-tokenization; a
    /// Microsoft.ML.Tokenizers tiktoken tokenizer recognises special-token text (for example <c>&lt;|endoftext|&gt;</c>) as
    /// one special token, where <see cref="TiktokenTokenizer.CountTokens"/> counts it as ordinary text.</returns>
    /// <exception cref="ArgumentException"><paramref name="encodingName"/> is empty.</exception>
    public static ITokenCounter AsTokenCounter(this Tokenizer tokenizer, string encodingName)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        return new TokenizerTokenCounter(tokenizer, encodingName);
    }
}

/// <summary>The <see cref="ITokenCounter"/> over a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>.</summary>
internal sealed class TokenizerTokenCounter(Tokenizer tokenizer, string encodingName) : ITokenCounter
{
    public string EncodingName { get; } = encodingName;

    public int CountTokens(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : tokenizer.CountTokens(text);

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(tokenizer) ? tokenizer : null;
    }

    public override string ToString() => EncodingName;
}
