using System.Runtime.CompilerServices;
using System.Text;

namespace FineTune.Sdk;

/// <summary>
/// Text normalization (Unicode NFKC, lower case, collapsed whitespace) and a stable 64-bit hash: the same text
/// hashes the same in every process and on every machine, which splits and manifests rely on.
/// </summary>
internal static class TextFingerprint
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>Returns the text in NFKC, lower-cased (invariant), with every whitespace run collapsed to one space and trimmed.</summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        char[]? buffer = null;
        var result = Normalize(text, ref buffer, seed: 0, out _);
        return result.SequenceEqual(text) ? text : new string(result);
    }

    /// <summary>
    /// Normalizes like <see cref="Normalize(string?)"/> into <paramref name="buffer"/> (grown as needed, reused
    /// between calls) and returns the normalized chars, without allocating a string; <paramref name="hash"/> is
    /// <see cref="Hash"/> of them with <paramref name="seed"/>, computed in the same pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public static ReadOnlySpan<char> Normalize(string? text, ref char[]? buffer, ulong seed, out ulong hash)
    {
        if (string.IsNullOrEmpty(text))
        {
            hash = HashEnd(HashStart(seed), 0);
            return [];
        }

        // ASCII is already NFKC: skip the (ICU-backed) normalization check for the common case.
        var ascii = Ascii.IsValid(text);
        var nfkc = ascii || text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
        if (buffer is null || buffer.Length < nfkc.Length)
        {
            buffer = new char[Math.Max(nfkc.Length, 256)];
        }

        var length = 0;
        var pendingSpace = false;
        var state = HashStart(seed);
        foreach (var c in nfkc)
        {
            // No char between '!' and DEL is white space: most chars are decided by the first two comparisons.
            if ((c <= ' ' || c >= '\u0080') && char.IsWhiteSpace(c))
            {
                pendingSpace = length > 0;
                continue;
            }

            if (pendingSpace)
            {
                buffer[length++] = ' ';
                state = HashStep(state, ' ');
                pendingSpace = false;
            }

            var lower = c < '\u0080' ? (c is >= 'A' and <= 'Z' ? (char)(c + 32) : c) : char.ToLowerInvariant(c);
            buffer[length++] = lower;
            state = HashStep(state, lower);
        }

        hash = HashEnd(state, length);
        return buffer.AsSpan(0, length);
    }

    /// <summary>Hashes text (FNV-1a over UTF-16 code units with a final avalanche); stable across processes.</summary>
    public static ulong Hash(ReadOnlySpan<char> text, ulong seed = 0)
    {
        var hash = HashStart(seed);
        foreach (var c in text)
        {
            hash = HashStep(hash, c);
        }

        return HashEnd(hash, text.Length);
    }

    /// <summary>The state <see cref="Hash"/> starts from, for hashing text char by char.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashStart(ulong seed) => FnvOffset ^ Mix(seed);

    /// <summary>Adds one char to a hash state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashStep(ulong hash, char c) => (hash ^ c) * FnvPrime;

    /// <summary>Finishes a hash state: equal to <see cref="Hash"/> of the same chars.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashEnd(ulong hash, int length) => Mix(hash ^ (ulong)length);

    /// <summary>Combines two hashes order-dependently.</summary>
    public static ulong Combine(ulong first, ulong second) => Mix(first ^ (second + 0x9E3779B97F4A7C15UL + (first << 6) + (first >> 2)));

    /// <summary>The MurmurHash3 64-bit finalizer: spreads every input bit over every output bit.</summary>
    public static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xFF51AFD7ED558CCDUL;
        value ^= value >> 33;
        value *= 0xC4CEB9FE1A85EC53UL;
        value ^= value >> 33;
        return value;
    }
}
