using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;

namespace FineTune.Sdk;

/// <summary>
/// One tiktoken vocabulary (ranks of byte sequences plus special tokens), read once from an embedded, Brotli-compressed
/// resource produced by <c>tools/tokenizer-data/generate.mjs</c>. Immutable after construction, so thread-safe.
/// </summary>
internal sealed class BpeVocabulary
{
    private const int NotFound = -1;

    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly int[] _table;
    private readonly int _mask;
    private readonly int[] _pairRanks;
    private readonly int[] _byteRanks = new int[256];
    private readonly ShortEntry[] _short;
    private readonly int _shortShift;

    private BpeVocabulary(string name, byte[] bytes, int[] offsets, IReadOnlyDictionary<string, int> specialTokens, string pattern)
    {
        Name = name;
        _bytes = bytes;
        _offsets = offsets;
        SpecialTokens = specialTokens;
        Pattern = pattern;
        var count = offsets.Length - 1;
        var longCount = 0;
        for (var rank = 0; rank < count; rank++)
        {
            if (offsets[rank + 1] - offsets[rank] > 8)
            {
                longCount++;
            }
        }

        var capacity = 1;
        while (capacity < longCount * 2)
        {
            capacity <<= 1;
        }

        _table = new int[capacity];
        _mask = capacity - 1;
        var shortCapacity = 1;
        var bits = 0;
        while (shortCapacity < (count - longCount) * 2)
        {
            shortCapacity <<= 1;
            bits++;
        }

        _short = new ShortEntry[shortCapacity];
        _shortShift = 64 - bits;
        _pairRanks = new int[65536];
        Array.Fill(_pairRanks, NotFound);
        Array.Fill(_byteRanks, NotFound);
        for (var rank = 0; rank < count; rank++)
        {
            var token = GetBytes(rank);
            if (token.Length == 1)
            {
                _byteRanks[token[0]] = rank;
            }
            else if (token.Length == 2)
            {
                _pairRanks[(token[0] << 8) | token[1]] = rank;
            }

            if (token.Length <= 8)
            {
                var packed = Pack(token);
                var index = ShortSlot(packed, token.Length);
                while (_short[index].Length != 0)
                {
                    index = (index + 1) & (_short.Length - 1);
                }

                _short[index] = new ShortEntry(packed, rank, token.Length);
                continue;
            }

            var slot = (int)Hash(token) & _mask;
            while (_table[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _table[slot] = rank + 1;
        }

        Span<byte> single = stackalloc byte[1];
        for (var b = 0; b < 256; b++)
        {
            single[0] = (byte)b;
            if (Lookup(single) < 0)
            {
                throw new InvalidDataException($"The {name} vocabulary has no token for byte {b}.");
            }
        }
    }

    /// <summary>Gets the encoding name, for example <c>o200k_base</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the number of ordinary (mergeable) tokens.</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>Gets the special tokens and their ids.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>Gets the pre-tokenization pattern shipped with the data (the code re-implements it by hand).</summary>
    public string Pattern { get; }

    /// <summary>Gets the bytes of an ordinary token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> GetBytes(int rank) => _bytes.AsSpan(_offsets[rank], _offsets[rank + 1] - _offsets[rank]);

    /// <summary>Returns the rank of a byte sequence, or -1 when it is not a token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Lookup(ReadOnlySpan<byte> key)
    {
        switch (key.Length)
        {
            case 1:
                return _byteRanks[key[0]];
            case 2:
                return _pairRanks[(key[0] << 8) | key[1]];
            case <= 8:
                return LookupShort(key);
            default:
                return LookupLong(key);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int LookupShort(ReadOnlySpan<byte> key)
    {
        var packed = Pack(key);
        var index = ShortSlot(packed, key.Length);
        while (true)
        {
            ref readonly var entry = ref _short[index];
            if (entry.Length == 0)
            {
                return NotFound;
            }

            if (entry.Key == packed && entry.Length == key.Length)
            {
                return entry.Rank;
            }

            index = (index + 1) & (_short.Length - 1);
        }
    }

    private int LookupLong(ReadOnlySpan<byte> key)
    {
        var slot = (int)Hash(key) & _mask;
        while (true)
        {
            var entry = _table[slot];
            if (entry == 0)
            {
                return NotFound;
            }

            var rank = entry - 1;
            var start = _offsets[rank];
            if (_offsets[rank + 1] - start == key.Length && key.SequenceEqual(_bytes.AsSpan(start, key.Length)))
            {
                return rank;
            }

            slot = (slot + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(ReadOnlySpan<byte> key)
    {
        if (key.Length == 8)
        {
            return BinaryPrimitives.ReadUInt64LittleEndian(key);
        }

        ulong packed = 0;
        for (var i = 0; i < key.Length; i++)
        {
            packed |= (ulong)key[i] << (8 * i);
        }

        return packed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShortSlot(ulong packed, int length) =>
        (int)(((packed ^ ((ulong)length << 59)) * 0x9E3779B97F4A7C15UL) >> _shortShift);

    private readonly record struct ShortEntry(ulong Key, int Rank, int Length);

    /// <summary>Loads a vocabulary from its embedded resource.</summary>
    public static BpeVocabulary Load(string name)
    {
        var resource = $"FineTune.Sdk.Tokens.Data.{name}.bpe.br";
        using var stream = typeof(BpeVocabulary).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded tokenizer data '{resource}' is missing from FineTune.Sdk.");
        using var brotli = new BrotliStream(stream, CompressionMode.Decompress);
        using var buffer = new MemoryStream(4 * 1024 * 1024);
        brotli.CopyTo(buffer);
        return Parse(name, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static BpeVocabulary Parse(string name, ReadOnlySpan<byte> data)
    {
        if (!data.StartsWith("FTBPE1"u8))
        {
            throw new InvalidDataException($"The {name} tokenizer data has an unknown format.");
        }

        var position = 6;
        var count = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(data[position..]));
        position += 4;
        var offsets = new int[count + 1];
        var total = 0;
        for (var rank = 0; rank < count; rank++)
        {
            offsets[rank] = total;
            total += data[position + rank];
        }

        offsets[count] = total;
        position += count;
        var bytes = data.Slice(position, total).ToArray();
        position += total;
        var specialCount = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
        position += 4;
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < specialCount; i++)
        {
            var text = ReadString(data, ref position);
            specials[text] = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
            position += 4;
        }

        var pattern = ReadString(data, ref position);
        return new BpeVocabulary(name, bytes, offsets, specials, pattern);
    }

    private static string ReadString(ReadOnlySpan<byte> data, ref int position)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(data[position..]);
        position += 2;
        var text = Encoding.UTF8.GetString(data.Slice(position, length));
        position += length;
        return text;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> key)
    {
        // FNV-1a; keys are short (most are 1 to 10 bytes).
        var hash = 2166136261u;
        foreach (var b in key)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash ^ (hash >> 15);
    }
}
