namespace FineTune.Sdk;

/// <summary>
/// Computes MinHash signatures over word shingles of normalized text. Words are runs of letters and digits;
/// a shingle is <see cref="ShingleSize"/> consecutive words (a shorter text is one shingle). The hash family
/// is <c>h_i(x) = high32((x XOR seed_i) * odd_i)</c> with constants drawn from a fixed SplitMix64 stream, so
/// signatures are identical across processes and machines.
/// </summary>
internal sealed class MinHasher
{
    private readonly ulong[] _seeds;
    private readonly ulong[] _multipliers;

    public MinHasher(int hashCount, int shingleSize, int maxShingles)
    {
        HashCount = hashCount;
        ShingleSize = shingleSize;
        MaxShingles = maxShingles;
        _seeds = new ulong[hashCount];
        _multipliers = new ulong[hashCount];
        var state = 0x5DEECE66DUL;
        for (var i = 0; i < hashCount; i++)
        {
            _seeds[i] = SplitMix(ref state);
            _multipliers[i] = SplitMix(ref state) | 1UL;
        }
    }

    public int HashCount { get; }

    public int ShingleSize { get; }

    public int MaxShingles { get; }

    /// <summary>Fills <paramref name="signature"/> (length <see cref="HashCount"/>); returns false when the text has no words.</summary>
    public bool Sketch(ReadOnlySpan<char> normalizedText, Span<uint> signature)
    {
        signature.Fill(uint.MaxValue);
        Span<ulong> window = stackalloc ulong[ShingleSize];
        var words = 0;
        var shingles = 0;
        var position = 0;
        while (shingles < MaxShingles && NextWord(normalizedText, ref position, out var word))
        {
            window[words % ShingleSize] = TextFingerprint.Hash(word);
            words++;
            if (words >= ShingleSize)
            {
                Add(ShingleHash(window, words), signature);
                shingles++;
            }
        }

        if (words == 0)
        {
            return false;
        }

        if (words < ShingleSize)
        {
            Add(ShingleHash(window[..words], words), signature);
        }

        return true;
    }

    private static ulong ShingleHash(ReadOnlySpan<ulong> window, int words)
    {
        // The window is a ring: start at the oldest word so the shingle hash is order-sensitive.
        var hash = 0xCBF29CE484222325UL;
        var length = window.Length;
        for (var i = 0; i < length; i++)
        {
            hash = TextFingerprint.Combine(hash, window[(words + i) % length]);
        }

        return hash;
    }

    private void Add(ulong shingle, Span<uint> signature)
    {
        var seeds = _seeds;
        var multipliers = _multipliers;
        for (var i = 0; i < signature.Length; i++)
        {
            var h = (uint)(((shingle ^ seeds[i]) * multipliers[i]) >> 32);
            if (h < signature[i])
            {
                signature[i] = h;
            }
        }
    }

    private static bool NextWord(ReadOnlySpan<char> text, ref int position, out ReadOnlySpan<char> word)
    {
        while (position < text.Length && !char.IsLetterOrDigit(text[position]))
        {
            position++;
        }

        var start = position;
        while (position < text.Length && char.IsLetterOrDigit(text[position]))
        {
            position++;
        }

        word = text[start..position];
        return position > start;
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
