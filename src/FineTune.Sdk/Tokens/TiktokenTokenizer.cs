using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace FineTune.Sdk;

/// <summary>
/// A byte-level BPE tokenizer that produces the same token ids as OpenAI's tiktoken for the <c>o200k_base</c> and
/// <c>cl100k_base</c> encodings. The vocabularies ship inside the assembly (generated from the npm package
/// <c>tiktoken</c> 1.0.22) and are loaded on first use; nothing is downloaded.
/// </summary>
/// <remarks>
/// Instances are immutable and thread-safe. Text is encoded as UTF-8 before the merges; a lone surrogate becomes
/// U+FFFD, as it does when JavaScript or Rust encodes such a string.
/// </remarks>
public sealed class TiktokenTokenizer : ITokenCounter
{
    /// <summary>The name of the encoding used by gpt-4o, gpt-4.1, gpt-5 and the o-series models.</summary>
    public const string O200kBaseName = "o200k_base";

    /// <summary>The name of the encoding used by gpt-4 and gpt-3.5-turbo.</summary>
    public const string Cl100kBaseName = "cl100k_base";

    // Pieces longer than this (in bytes) are merged with a priority queue instead of repeated linear scans.
    internal const int LinearMergeLimit = 48;

    private static readonly Lazy<TiktokenTokenizer> O200k = new(() => new TiktokenTokenizer(O200kBaseName), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<TiktokenTokenizer> Cl100k = new(() => new TiktokenTokenizer(Cl100kBaseName), LazyThreadSafetyMode.ExecutionAndPublication);

    // Outside a run, texts at least this long are counted with caches of their own call.
    private const int OwnCachesMinChars = 16 * 1024;

    private readonly Lazy<BpeVocabulary> _vocabulary;
    private readonly bool _o200k;

    private TiktokenTokenizer(string encodingName)
    {
        EncodingName = encodingName;
        _o200k = encodingName == O200kBaseName;
        _vocabulary = new Lazy<BpeVocabulary>(() => BpeVocabulary.Load(encodingName), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Gets the <c>o200k_base</c> tokenizer (gpt-4o, gpt-4.1, o-series).</summary>
    /// <value>A shared instance; its vocabulary loads on first use.</value>
    public static TiktokenTokenizer O200kBase => O200k.Value;

    /// <summary>Gets the <c>cl100k_base</c> tokenizer (gpt-4, gpt-3.5-turbo).</summary>
    /// <value>A shared instance; its vocabulary loads on first use.</value>
    public static TiktokenTokenizer Cl100kBase => Cl100k.Value;

    /// <inheritdoc />
    public string EncodingName { get; }

    /// <summary>Gets the special tokens of this encoding and their ids.</summary>
    /// <value>For example <c>&lt;|endoftext|&gt;</c>.</value>
    public IReadOnlyDictionary<string, int> SpecialTokens => Vocabulary.SpecialTokens;

    internal BpeVocabulary Vocabulary => _vocabulary.Value;

    /// <summary>Returns the shared tokenizer of an encoding.</summary>
    /// <param name="encodingName"><c>o200k_base</c> or <c>cl100k_base</c> (case-insensitive).</param>
    /// <returns>The shared instance.</returns>
    /// <exception cref="ArgumentException">The encoding is not one of the two supported.</exception>
    public static TiktokenTokenizer ForEncoding(string encodingName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        if (string.Equals(encodingName, O200kBaseName, StringComparison.OrdinalIgnoreCase))
        {
            return O200kBase;
        }

        if (string.Equals(encodingName, Cl100kBaseName, StringComparison.OrdinalIgnoreCase))
        {
            return Cl100kBase;
        }

        throw new ArgumentException($"Unknown encoding '{encodingName}'; supported encodings are {O200kBaseName} and {Cl100kBaseName}.", nameof(encodingName));
    }

    /// <summary>Returns the shared tokenizer of a model, including fine-tuned <c>ft:</c> names.</summary>
    /// <param name="model">A model name such as <c>gpt-4o-mini</c> or <c>ft:gpt-4o-mini-2024-07-18:org::abc123</c>.</param>
    /// <returns>The shared instance.</returns>
    /// <exception cref="ArgumentException">The model is unknown; the message lists the known model families.</exception>
    public static TiktokenTokenizer ForModel(string model) => ForEncoding(ModelEncodings.GetEncodingName(model));

    /// <summary>Encodes <paramref name="text"/> as plain text: special-token text is encoded as ordinary text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The token ids.</returns>
    public int[] Encode(ReadOnlySpan<char> text)
    {
        var tokens = new List<int>(Math.Max(4, text.Length / 3));
        EncodeOrdinary(text, tokens);
        return [.. tokens];
    }

    /// <summary>
    /// Encodes <paramref name="text"/>, turning the special tokens named in <paramref name="allowedSpecial"/> into
    /// their ids; every other special-token text is encoded as ordinary text.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="allowedSpecial">The special tokens to recognise, for example <c>&lt;|endoftext|&gt;</c>; <see langword="null"/> for none.</param>
    /// <returns>The token ids.</returns>
    public int[] Encode(ReadOnlySpan<char> text, IEnumerable<string>? allowedSpecial)
    {
        var tokens = new List<int>(Math.Max(4, text.Length / 3));
        var specials = allowedSpecial?.Where(s => Vocabulary.SpecialTokens.ContainsKey(s)).Distinct(StringComparer.Ordinal).ToArray() ?? [];
        while (specials.Length > 0)
        {
            var next = -1;
            string? found = null;
            foreach (var special in specials)
            {
                var index = text.IndexOf(special.AsSpan(), StringComparison.Ordinal);
                if (index >= 0 && (next < 0 || index < next || (index == next && special.Length > found!.Length)))
                {
                    next = index;
                    found = special;
                }
            }

            if (found is null)
            {
                break;
            }

            EncodeOrdinary(text[..next], tokens);
            tokens.Add(Vocabulary.SpecialTokens[found]);
            text = text[(next + found.Length)..];
        }

        EncodeOrdinary(text, tokens);
        return [.. tokens];
    }

    /// <summary>Appends the token ids of <paramref name="text"/> (plain text) to <paramref name="destination"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="destination">The list the ids are added to.</param>
    public void Encode(ReadOnlySpan<char> text, List<int> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        EncodeOrdinary(text, destination);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Keeps nothing between calls: within a dataset validation pieces are counted through that run's caches, which
    /// go when the run returns; outside one, a long text gets caches of its own call.
    /// </remarks>
    public int CountTokens(ReadOnlySpan<char> text) => EncodeOrdinary(text, null);

    /// <summary>Decodes token ids (ordinary and special) back to text; invalid UTF-8 becomes U+FFFD.</summary>
    /// <param name="tokens">The token ids.</param>
    /// <returns>The text.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An id is not a token of this encoding.</exception>
    public string Decode(ReadOnlySpan<int> tokens)
    {
        var vocabulary = Vocabulary;
        var bytes = new ArrayBufferWriter<byte>(Math.Max(16, tokens.Length * 4));
        foreach (var token in tokens)
        {
            if ((uint)token < (uint)vocabulary.Count)
            {
                bytes.Write(vocabulary.GetBytes(token));
                continue;
            }

            var special = vocabulary.SpecialTokens.FirstOrDefault(p => p.Value == token).Key
                ?? throw new ArgumentOutOfRangeException(nameof(tokens), token, $"{token} is not a token of {EncodingName}.");
            bytes.Write(Encoding.UTF8.GetBytes(special));
        }

        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public override string ToString() => EncodingName;

    // Encodes plain text; adds ids to output when given, and returns the number of tokens.
    private int EncodeOrdinary(ReadOnlySpan<char> text, List<int>? output)
    {
        if (output is null)
        {
            return CountOrdinary(text);
        }

        var caches = RunCaches.Current;
        return EncodePieces(text, output, caches is null ? null : _o200k ? (caches.O200kPieces ??= new PieceCache()) : (caches.Cl100kPieces ??= new PieceCache()));
    }

    // Every piece through EncodePiece, with the given cache of merged pieces (or none).
    private int EncodePieces(ReadOnlySpan<char> text, List<int>? output, PieceCache? cache)
    {
        var state = new PieceState(stackalloc byte[512], stackalloc int[PieceCache.MaxTokens]) { Cache = cache };
        var count = 0;
        var position = 0;
        while (position < text.Length)
        {
            var length = _o200k ? PreTokenizer.NextO200k(text, position) : PreTokenizer.NextCl100k(text, position);
            count += EncodePiece(text.Slice(position, length), output, ref state);
            position += length;
        }

        return count;
    }

    // A long text outside a run: caches of this call alone pay for themselves, and go with it.
    private int CountWithOwnCaches(ReadOnlySpan<char> text)
    {
        using (RunCaches.Enter(new RunCaches()))
        {
            return CountOrdinary(text);
        }
    }

    private int CountUncached(ReadOnlySpan<char> text) => EncodePieces(text, null, null);

    // The counting loop: short ASCII pieces are counted from the run's table of piece counts (most pieces); the
    // rest, and the table's misses, go through EncodePiece. No exception handling or buffers in this loop, so its
    // locals stay in registers. Outside a run (no caches) every piece goes through EncodePiece.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private int CountOrdinary(ReadOnlySpan<char> text)
    {
        if (RunCaches.Current is not { } caches)
        {
            return text.Length < OwnCachesMinChars ? CountUncached(text) : CountWithOwnCaches(text);
        }

        var counts = _o200k ? (caches.O200kCounts ??= new PieceCountCache()) : (caches.Cl100kCounts ??= new PieceCountCache());
        var state = new PieceState(stackalloc byte[512], stackalloc int[PieceCache.MaxTokens]) { Cache = _o200k ? (caches.O200kPieces ??= new PieceCache()) : (caches.Cl100kPieces ??= new PieceCache()) };
        var count = 0;
        var position = 0;
        while (position < text.Length)
        {
            var length = _o200k ? PreTokenizer.NextO200k(text, position) : PreTokenizer.NextCl100k(text, position);
            if (PieceCountCache.TryPack(text, position, length, out var low, out var high))
            {
                var known = counts.TryGet(low, high, length, out var slot);
                if (known < 0)
                {
                    known = EncodePiece(text.Slice(position, length), null, ref state);
                    counts.Set(slot, low, high, length, known);
                }

                count += known;
            }
            else
            {
                count += EncodePiece(text.Slice(position, length), null, ref state);
            }

            position += length;
        }

        return count;
    }

    // One pre-tokenized piece: UTF-8, then the whole piece in the vocabulary (most pieces are one token), then the
    // run's cache of pieces that needed merges (when there is one), then the merges themselves. Adds ids to output when given.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private int EncodePiece(ReadOnlySpan<char> piece, List<int>? output, ref PieceState state)
    {
        var vocabulary = Vocabulary;
        var length = piece.Length;
        byte[]? rented = null;
        var maxBytes = length * 3;
        var buffer = maxBytes <= state.Bytes.Length ? state.Bytes : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var bytes = buffer[..Utf8(piece, buffer)];
            var whole = vocabulary.Lookup(bytes);
            if (whole >= 0)
            {
                output?.Add(whole);
                return 1;
            }

            if (length > PieceCache.MaxPieceChars)
            {
                return BytePairEncoder.Encode(vocabulary, bytes, output);
            }

            var cache = state.Cache;
            if (cache is null)
            {
                return BytePairEncoder.Encode(vocabulary, bytes, output);
            }

            var cached = cache.TryGet(piece, out var ids, out var slot);
            if (cached >= 0)
            {
                if (output is not null)
                {
                    foreach (var id in ids)
                    {
                        output.Add(id);
                    }
                }

                return cached;
            }

            // Merge into a scratch list so the result can be cached, then copy it out.
            var scratch = state.Scratch ??= new List<int>(16);
            scratch.Clear();
            var pieceCount = BytePairEncoder.Encode(vocabulary, bytes, scratch);
            output?.AddRange(scratch);
            if (pieceCount <= PieceCache.MaxTokens)
            {
                var pieceIds = state.Ids;
                for (var i = 0; i < pieceCount; i++)
                {
                    pieceIds[i] = scratch[i];
                }

                cache.Set(slot, piece, pieceIds[..pieceCount]);
            }

            return pieceCount;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true); // it held user text
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Utf8(ReadOnlySpan<char> piece, Span<byte> destination)
    {
        // Fast path for ASCII pieces, the common case.
        if (piece.Length <= 16)
        {
            var i = 0;
            for (; i < piece.Length; i++)
            {
                var c = piece[i];
                if (c >= 128)
                {
                    break;
                }

                destination[i] = (byte)c;
            }

            if (i == piece.Length)
            {
                return i;
            }
        }

        // Encoding.UTF8 replaces lone surrogates with U+FFFD (EF BF BD).
        return Encoding.UTF8.GetBytes(piece, destination);
    }

    // Scratch space of one EncodeOrdinary call, handed to EncodePiece.
    private ref struct PieceState(Span<byte> bytes, Span<int> ids)
    {
        public readonly Span<byte> Bytes = bytes;
        public readonly Span<int> Ids = ids;
        public List<int>? Scratch;
        public PieceCache? Cache;
    }
}
