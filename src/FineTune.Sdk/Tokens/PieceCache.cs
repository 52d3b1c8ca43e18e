using System.Runtime.CompilerServices;

namespace FineTune.Sdk;

/// <summary>
/// A small direct-mapped cache (one per thread of a run, in <see cref="RunCaches"/>) from short pre-tokenized pieces (as UTF-16) to their token ids. Text
/// repeats the same words, so most pieces skip UTF-8 encoding and the large vocabulary table entirely.
/// </summary>
internal sealed class PieceCache
{
    public const int MaxPieceChars = 64;
    public const int MaxTokens = 8;
    private const int Slots = 16384;

    private readonly string?[] _keys = new string?[Slots];
    private readonly int[] _ids = new int[Slots * MaxTokens];
    private readonly byte[] _counts = new byte[Slots];

    /// <summary>Looks a piece up; returns the token count, or -1 on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TryGet(ReadOnlySpan<char> piece, out ReadOnlySpan<int> ids, out int slot)
    {
        slot = Slot(piece);
        var key = _keys[slot];
        if (key is not null && piece.SequenceEqual(key))
        {
            int count = _counts[slot];
            ids = _ids.AsSpan(slot * MaxTokens, count);
            return count;
        }

        ids = default;
        return -1;
    }

    /// <summary>Stores the ids of a piece in the slot <see cref="TryGet"/> returned.</summary>
    public void Set(int slot, ReadOnlySpan<char> piece, ReadOnlySpan<int> ids)
    {
        _keys[slot] = piece.ToString();
        _counts[slot] = (byte)ids.Length;
        ids.CopyTo(_ids.AsSpan(slot * MaxTokens, MaxTokens));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(ReadOnlySpan<char> piece)
    {
        // FNV-1a over UTF-16 code units; pieces are short.
        var hash = 2166136261u;
        foreach (var c in piece)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)((hash ^ (hash >> 13)) & (Slots - 1));
    }
}
