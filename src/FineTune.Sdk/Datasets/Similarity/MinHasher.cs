using System.Numerics;
using System.Runtime.CompilerServices;

namespace FineTune.Sdk;

/// <summary>
/// Computes MinHash signatures over word shingles of normalized text. Words are runs of letters and digits;
/// a shingle is <see cref="ShingleSize"/> consecutive words (a shorter text is one shingle). The hash family
/// works on 32-bit lanes so it vectorizes: with <c>lo</c>, <c>hi</c> the halves of the shingle's 64-bit hash,
/// <c>h_i = fmix((lo XOR a_i) * b_i XOR (hi XOR c_i) * d_i)</c> (odd multipliers, an xorshift-multiply finalizer),
/// constants drawn from a fixed SplitMix64 stream. Integer lane arithmetic is exact, so the vector and scalar
/// paths agree and signatures are identical across processes and machines.
/// </summary>
internal sealed class MinHasher
{
    private const uint Finalizer = 0x2C1B3C6Du;
    private readonly uint[] _a;
    private readonly uint[] _b;
    private readonly uint[] _c;
    private readonly uint[] _d;

    public MinHasher(int hashCount, int shingleSize, int maxShingles)
    {
        HashCount = hashCount;
        ShingleSize = shingleSize;
        MaxShingles = maxShingles;
        _a = new uint[hashCount];
        _b = new uint[hashCount];
        _c = new uint[hashCount];
        _d = new uint[hashCount];
        var state = 0x5DEECE66DUL;
        for (var i = 0; i < hashCount; i++)
        {
            var first = SplitMix(ref state);
            var second = SplitMix(ref state);
            _a[i] = (uint)first;
            _b[i] = (uint)(first >> 32) | 1u;
            _c[i] = (uint)second;
            _d[i] = (uint)(second >> 32) | 1u;
        }
    }

    public int HashCount { get; }

    public int ShingleSize { get; }

    public int MaxShingles { get; }

    /// <summary>Fills <paramref name="signature"/> (length <see cref="HashCount"/>); returns false when the text has no words.</summary>
    public bool Sketch(ReadOnlySpan<char> normalizedText, Span<uint> signature) => Sketch(normalizedText, [], signature);

    /// <summary>
    /// Sketches <paramref name="first"/> and <paramref name="second"/> as if they were one text joined by a space
    /// (the same signature, without building the joined string); returns false when neither has words.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public bool Sketch(ReadOnlySpan<char> first, ReadOnlySpan<char> second, Span<uint> signature)
    {
        // First the row's shingle hashes, then each block of hash functions over all of them with its running
        // minimum in a register: the same values as adding shingle by shingle, in fewer loads and stores.
        var caches = RunCaches.Current;
        var shingles = caches?.Shingles ?? new ulong[256];
        Span<ulong> window = stackalloc ulong[ShingleSize];
        var words = 0;
        var count = 0;
        var position = 0;
        var slot = 0;
        var text = first;
        var inSecond = false;
        while (count < MaxShingles)
        {
            if (!NextWordHash(text, ref position, out var wordHash))
            {
                if (inSecond || second.IsEmpty)
                {
                    break;
                }

                text = second;
                inSecond = true;
                position = 0;
                continue;
            }

            window[slot] = wordHash;
            slot = slot + 1 == window.Length ? 0 : slot + 1; // words % ShingleSize, without a division per word
            words++;
            if (words >= ShingleSize)
            {
                if (count == shingles.Length)
                {
                    Array.Resize(ref shingles, shingles.Length * 2);
                }

                shingles[count++] = ShingleHash(window, slot);
            }
        }

        if (caches is not null)
        {
            caches.Shingles = shingles; // kept for the run's next row (grown, when it grew)
        }

        if (words == 0)
        {
            signature.Fill(uint.MaxValue);
            return false;
        }

        if (words < ShingleSize)
        {
            shingles[count++] = ShingleHash(window[..words], 0);
        }

        AddAll(shingles.AsSpan(0, count), signature);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private void AddAll(ReadOnlySpan<ulong> shingles, Span<uint> signature)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && signature.Length >= Vector<uint>.Count)
        {
            var finalizer = new Vector<uint>(Finalizer);
            for (; i <= signature.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                var a = new Vector<uint>(_a, i);
                var b = new Vector<uint>(_b, i);
                var c = new Vector<uint>(_c, i);
                var d = new Vector<uint>(_d, i);
                var min = new Vector<uint>(uint.MaxValue);
                foreach (var shingle in shingles)
                {
                    var h = ((new Vector<uint>((uint)shingle) ^ a) * b) ^ ((new Vector<uint>((uint)(shingle >> 32)) ^ c) * d);
                    h ^= Vector.ShiftRightLogical(h, 15);
                    h *= finalizer;
                    h ^= Vector.ShiftRightLogical(h, 13);
                    min = Vector.Min(min, h);
                }

                min.CopyTo(signature.Slice(i, Vector<uint>.Count));
            }
        }

        for (; i < signature.Length; i++)
        {
            var min = uint.MaxValue;
            foreach (var shingle in shingles)
            {
                var h = (((uint)shingle ^ _a[i]) * _b[i]) ^ (((uint)(shingle >> 32) ^ _c[i]) * _d[i]);
                h ^= h >> 15;
                h *= Finalizer;
                h ^= h >> 13;
                if (h < min)
                {
                    min = h;
                }
            }

            signature[i] = min;
        }
    }

    // The window is a ring and oldest is where its oldest word sits: start there so the shingle hash is order-sensitive.
    private static ulong ShingleHash(ReadOnlySpan<ulong> window, int oldest)
    {
        var hash = 0xCBF29CE484222325UL;
        var length = window.Length;
        var at = oldest;
        for (var i = 0; i < length; i++)
        {
            hash = TextFingerprint.Combine(hash, window[at]);
            at = at + 1 == length ? 0 : at + 1;
        }

        return hash;
    }

    // NextWord and TextFingerprint.Hash(word) in one pass over the chars (the same value).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static bool NextWordHash(ReadOnlySpan<char> text, ref int position, out ulong hash)
    {
        while (position < text.Length && !IsWordChar(text[position]))
        {
            position++;
        }

        var start = position;
        var h = TextFingerprint.HashStart(0);
        while (position < text.Length)
        {
            var c = text[position];
            if (!IsWordChar(c))
            {
                break;
            }

            h = TextFingerprint.HashStep(h, c);
            position++;
        }

        hash = TextFingerprint.HashEnd(h, position - start);
        return position > start;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWordChar(char c) => c < 128 ? (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 : char.IsLetterOrDigit(c);

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
