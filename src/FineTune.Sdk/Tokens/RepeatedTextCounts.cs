using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FineTune.Sdk;

/// <summary>
/// A small memo (one per thread of a run, in <see cref="RunCaches"/>; none outside a run) of the token counts of texts that come back row after row: the system prompt and the
/// <c>tools</c> definitions are usually the same on every row of a dataset, and often its longest texts. A text is
/// remembered on its second sighting in a slot, so texts seen once (most user and assistant messages) cost a
/// constant-time probe and never a copy; a hit is verified char by char, so a count is never another text's.
/// </summary>
internal sealed class RepeatedTextCounts
{
    /// <summary>Shorter texts are counted directly: the tokenizer's own caches make them cheap.</summary>
    public const int MinChars = 32;

    /// <summary>Longer texts are counted directly and never kept.</summary>
    public const int MaxChars = 1 << 16;

    private const int Slots = 64;

    private readonly ITokenCounter _counter;
    private readonly string?[] _texts = new string?[Slots];
    private readonly int[] _counts = new int[Slots];
    private readonly ulong[] _pending = new ulong[Slots];

    private RepeatedTextCounts(ITokenCounter counter) => _counter = counter;

    /// <summary>Counts the tokens of <paramref name="text"/> with <paramref name="counter"/>, from the memo when the text repeats.</summary>
    public static int CountTokens(ITokenCounter counter, ReadOnlySpan<char> text)
    {
        if (text.Length is < MinChars or > MaxChars || RunCaches.Current is not { } caches)
        {
            return counter.CountTokens(text);
        }

        var memo = caches.RepeatedTexts;
        if (memo is null || !ReferenceEquals(memo._counter, counter))
        {
            caches.RepeatedTexts = memo = new RepeatedTextCounts(counter); // counting for another encoding starts afresh
        }

        return memo.Count(text);
    }

    private int Count(ReadOnlySpan<char> text)
    {
        var key = Key(text);
        var slot = (int)(key >> 58); // 64 slots
        if (_texts[slot] is { } known && known.Length == text.Length && text.SequenceEqual(known))
        {
            return _counts[slot];
        }

        var count = _counter.CountTokens(text);
        if (_pending[slot] == key)
        {
            _texts[slot] = text.ToString();
            _counts[slot] = count;
        }

        _pending[slot] = key;
        return count;
    }

    // Constant time whatever the length: the length and the first and last 16 chars. Equal texts have equal keys;
    // unequal texts with equal keys are told apart by the comparison above.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Key(ReadOnlySpan<char> text)
    {
        var bytes = MemoryMarshal.AsBytes(text);
        var hash = (ulong)text.Length * 0x9E3779B97F4A7C15UL;
        hash = TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes));
        hash = TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes[8..]));
        hash = TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes[16..]));
        hash = TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes[24..]));
        hash = TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes[^32..]));
        hash = TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes[^24..]));
        hash = TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes[^16..]));
        return TextFingerprint.Mix(hash ^ MemoryMarshal.Read<ulong>(bytes[^8..]));
    }
}
