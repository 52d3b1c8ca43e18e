using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FineTune.Sdk;

/// <summary>
/// The counting path's first stop: a small two-way set-associative table (one per thread of a run, in <see cref="RunCaches"/>) from short ASCII pieces (up to
/// <see cref="MaxChars"/> chars, packed one byte per char into two 64-bit words) to their token count. A few
/// thousand words make up most running text, so most pieces are counted from a table that stays in the core's
/// cache, without UTF-8 encoding, the multi-megabyte vocabulary table or merges. A slot holds the whole key, so
/// a hit is exact; a third piece in a set evicts the one stored longest ago. 32,768 slots × 24 bytes = 768 KB per thread of a run (larger than the core's cache: a miss costs far more than a slower hit).
/// </summary>
internal sealed class PieceCountCache
{
    /// <summary>The longest piece (in chars) the table holds.</summary>
    public const int MaxChars = 16;

    private const int Bits = 15;

    private readonly Entry[] _entries = new Entry[1 << Bits];

    /// <summary>
    /// Packs an ASCII piece of at most <see cref="MaxChars"/> chars starting at <paramref name="start"/>; returns
    /// false for longer or non-ASCII pieces.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPack(ReadOnlySpan<char> text, int start, int length, out ulong low, out ulong high)
    {
        if (length > MaxChars)
        {
            low = high = 0;
            return false;
        }

        if (Vector128.IsHardwareAccelerated && start + MaxChars <= text.Length)
        {
            // Load 16 chars (the piece plus whatever follows it), keep the piece's lanes, check ASCII, narrow.
            ref var origin = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            var first = Vector128.LoadUnsafe(ref origin, (nuint)start);
            var second = Vector128.LoadUnsafe(ref origin, (nuint)(start + 8));
            var limit = Vector128.Create((ushort)length);
            first &= Vector128.LessThan(Lanes, limit);
            second &= Vector128.LessThan(Lanes + Vector128.Create((ushort)8), limit);
            if (((first | second) & Vector128.Create((ushort)0xFF80)) != Vector128<ushort>.Zero)
            {
                low = high = 0;
                return false;
            }

            var packed = Vector128.Narrow(first, second).AsUInt64();
            low = packed.GetElement(0);
            high = packed.GetElement(1);
            return true;
        }

        low = high = 0;
        for (var i = 0; i < length; i++)
        {
            var c = text[start + i];
            if (c >= 128)
            {
                return false;
            }

            if (i < 8)
            {
                low |= (ulong)c << (8 * i);
            }
            else
            {
                high |= (ulong)c << (8 * (i - 8));
            }
        }

        return true;
    }

    /// <summary>Returns the token count of a packed piece, or -1 on a miss; <paramref name="slot"/> is where to store it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TryGet(ulong low, ulong high, int length, out int slot)
    {
        // Two-way sets: the pair of adjacent entries at slot, the most recently stored first.
        slot = (int)(((low ^ (high * 0x9E3779B97F4A7C15UL) ^ (ulong)length) * 0xC2B2AE3D27D4EB4FUL) >> (64 - Bits + 1)) << 1;
        ref readonly var first = ref _entries[slot];
        if (first.Low == low && first.High == high && first.Length == length)
        {
            return first.Count;
        }

        ref readonly var second = ref _entries[slot + 1];
        return second.Low == low && second.High == high && second.Length == length ? second.Count : -1;
    }

    /// <summary>Stores the token count of a packed piece in the set <see cref="TryGet"/> returned, evicting its older entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int slot, ulong low, ulong high, int length, int count)
    {
        _entries[slot + 1] = _entries[slot];
        _entries[slot] = new Entry(low, high, length, count);
    }

    private static Vector128<ushort> Lanes => Vector128.Create((ushort)0, 1, 2, 3, 4, 5, 6, 7);

    // Length 0 marks an empty slot: pieces are never empty.
    private readonly record struct Entry(ulong Low, ulong High, int Length, int Count);
}
