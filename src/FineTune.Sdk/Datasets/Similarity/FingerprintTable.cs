namespace FineTune.Sdk;

/// <summary>
/// A compact open-addressing table from 64-bit fingerprints to the line of their first occurrence (and an
/// optional 64-bit value), in flat arrays that double as rows arrive (at a load of 7/8: the keys are well-mixed
/// hashes, so a probe runs a few slots) up to a fixed capacity: at most <c>12</c> (or <c>20</c> with values) bytes ×
/// the next power of two ≥ 1.25 × capacity. Once full, new keys are
/// not added (<see cref="TryAdd"/> returns false) and the caller falls back to a <see cref="BloomFilter"/>; so are
/// keys first seen past line 4,294,967,295 (lines are kept in 32 bits).
/// </summary>
internal sealed class FingerprintTable
{
    private const int InitialSlots = 1024;
    private readonly int _capacity;
    private readonly int _maxSlots;
    private readonly bool _withValues;
    private ulong[] _keys;
    private uint[] _lines;
    private ulong[] _values;

    /// <summary>Creates a table holding at most <paramref name="capacity"/> keys.</summary>
    public FingerprintTable(int capacity, bool withValues)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _withValues = withValues;
        _maxSlots = (int)Math.Min(1L << 30, Math.Max(InitialSlots, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)capacity + ((ulong)capacity / 4) + 1)));
        var slots = Math.Min(InitialSlots, _maxSlots);
        _keys = new ulong[slots];
        _lines = new uint[slots];
        _values = withValues ? new ulong[slots] : [];
    }

    /// <summary>Gets the number of keys held.</summary>
    public int Count { get; private set; }

    /// <summary>Gets a value indicating whether the table holds its capacity of keys.</summary>
    public bool IsFull => Count >= _capacity;

    /// <summary>Gets the bytes held by the table's arrays now.</summary>
    public long Bytes => (long)_keys.Length * (_withValues ? 20 : 12);

    /// <summary>Gets the bytes the table's arrays hold at capacity.</summary>
    public long MaxBytes => (long)_maxSlots * (_withValues ? 20 : 12);

    /// <summary>Looks a key up.</summary>
    public bool TryGet(ulong key, out long line, out ulong value)
    {
        key = key == 0 ? 1 : key;
        var slot = Find(_keys, key);
        if (_keys[slot] == key)
        {
            line = _lines[slot];
            value = _withValues ? _values[slot] : 0;
            return true;
        }

        line = 0;
        value = 0;
        return false;
    }

    /// <summary>Adds a key that <see cref="TryGet"/> did not find; returns false (and adds nothing) when the table is full or the line does not fit in 32 bits.</summary>
    public bool TryAdd(ulong key, long line, ulong value = 0)
    {
        if (IsFull || line is < 0 or > uint.MaxValue)
        {
            return false;
        }

        key = key == 0 ? 1 : key;
        if ((long)(Count + 1) * 8 > (long)_keys.Length * 7 && _keys.Length < _maxSlots)
        {
            Grow();
        }

        var slot = Find(_keys, key);
        if (_keys[slot] == 0)
        {
            _keys[slot] = key;
            _lines[slot] = (uint)line;
            if (_withValues)
            {
                _values[slot] = value;
            }

            Count++;
        }

        return true;
    }

    private static int Find(ulong[] keys, ulong key)
    {
        var mask = keys.Length - 1;
        var slot = (int)(key >> 7) & mask; // keys are already well-mixed hashes
        while (keys[slot] != 0 && keys[slot] != key)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private void Grow()
    {
        var oldKeys = _keys;
        var oldLines = _lines;
        var oldValues = _values;
        // Double, never past the cap's slots. (Going straight to the cap from a quarter of it saved one copy, but left a
        // file with between 7/16 and 7/8 of the cap's distinct keys holding twice the slots it needs.)
        var slots = Math.Min(_maxSlots, oldKeys.Length * 2);
        _keys = new ulong[slots];
        _lines = new uint[slots];
        _values = _withValues ? new ulong[slots] : [];
        for (var i = 0; i < oldKeys.Length; i++)
        {
            if (oldKeys[i] != 0)
            {
                var slot = Find(_keys, oldKeys[i]);
                _keys[slot] = oldKeys[i];
                _lines[slot] = oldLines[i];
                if (_withValues)
                {
                    _values[slot] = oldValues[i];
                }
            }
        }
    }
}

/// <summary>
/// A fixed-size Bloom filter over 64-bit fingerprints (<see cref="HashCount"/> probes by double hashing of the
/// fingerprint's halves). It answers "seen before?" with no false negatives and a false-positive rate of about
/// (1 − e^(−kn/m))^k for n keys in m bits. Its memory grows with the bits set, never past m bits: the bits live in
/// blocks of 65,536, and a block holds the sorted offsets of its set bits (2 bytes each) until the plain bit array
/// (8 KB) is no larger. The answers are those of the plain m-bit array; only the memory differs while few keys
/// are in (about 14 bytes a key rather than the whole array).
/// </summary>
internal sealed class BloomFilter
{
    /// <summary>The probes per key.</summary>
    public const int HashCount = 7;

    private const int MaxBlockShift = 16; // a bit's offset within its block fits a ushort

    private readonly ulong _mask;
    private readonly int _blockShift;
    private readonly int _blockMask;
    private readonly int _sparseLimit;
    private readonly ushort[]?[] _sparse;
    private readonly int[] _counts;
    private readonly ulong[]?[] _dense;
    private long _bytes;

    /// <summary>Creates a filter of <paramref name="bits"/> bits (a power of two, at least 64).</summary>
    public BloomFilter(long bits)
    {
        if (bits < 64 || (bits & (bits - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "The bit count must be a power of two of at least 64.");
        }

        _mask = (ulong)bits - 1;
        _blockShift = Math.Min(MaxBlockShift, System.Numerics.BitOperations.Log2((ulong)bits));
        _blockMask = (1 << _blockShift) - 1;
        _sparseLimit = (1 << _blockShift) / 16; // offsets of 2 bytes each: at this count they weigh what the bits do
        var blocks = (int)(bits >> _blockShift);
        _sparse = new ushort[blocks][];
        _counts = new int[blocks];
        _dense = new ulong[blocks][];
        MaxBytes = bits / 8;
    }

    /// <summary>Gets the bytes the filter's bits hold now (offsets or bit arrays, without the per-block references).</summary>
    public long Bytes => _bytes;

    /// <summary>Gets the bytes the filter's bits hold at most: <c>bits / 8</c>.</summary>
    public long MaxBytes { get; }

    /// <summary>Adds a fingerprint; returns true when it was (probably) present already.</summary>
    public bool CheckAndAdd(ulong fingerprint)
    {
        var mixed = TextFingerprint.Mix(fingerprint ^ 0x9E3779B97F4A7C15UL);
        var h1 = (ulong)(uint)mixed;
        var h2 = (mixed >> 32) | 1;
        var present = true;
        for (var i = 0UL; i < HashCount; i++)
        {
            if (!TestAndSet((h1 + (i * h2)) & _mask))
            {
                present = false;
            }
        }

        return present;
    }

    /// <summary>Sets a bit; returns whether it was set already.</summary>
    private bool TestAndSet(ulong bit)
    {
        var block = (int)(bit >> _blockShift);
        var offset = (int)bit & _blockMask;
        if (_dense[block] is { } words)
        {
            ref var word = ref words[offset >> 6];
            var flag = 1UL << (offset & 63);
            var was = (word & flag) != 0;
            word |= flag;
            return was;
        }

        var count = _counts[block];
        var offsets = _sparse[block];
        var index = offsets is null ? ~0 : Array.BinarySearch(offsets, 0, count, (ushort)offset);
        if (index >= 0)
        {
            return true;
        }

        if (count == _sparseLimit)
        {
            // As many offsets as the block's bits weigh: switch the block to its bit array.
            words = new ulong[(_blockMask + 1) / 64];
            for (var j = 0; j < count; j++)
            {
                words[offsets![j] >> 6] |= 1UL << (offsets[j] & 63);
            }

            words[offset >> 6] |= 1UL << (offset & 63);
            _dense[block] = words;
            _sparse[block] = null;
            _bytes += (words.Length * 8L) - (offsets!.Length * 2L);
            return false;
        }

        index = ~index;
        if (offsets is null || count == offsets.Length)
        {
            var grown = new ushort[Math.Min(_sparseLimit, Math.Max(8, count * 2))];
            if (offsets is not null)
            {
                Array.Copy(offsets, grown, count);
                _bytes -= offsets.Length * 2L;
            }

            _bytes += grown.Length * 2L;
            _sparse[block] = offsets = grown;
        }

        Array.Copy(offsets, index, offsets, index + 1, count - index);
        offsets[index] = (ushort)offset;
        _counts[block] = count + 1;
        return false;
    }
}
