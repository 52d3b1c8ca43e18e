using System.Runtime.CompilerServices;
namespace FineTune.Sdk;

/// <summary>
/// LSH index over MinHash signatures with bounded memory per row: each row keeps a b-bit (8-bit) copy of its
/// signature for verification and one 32-bit bucket key per band. Finding candidates is O(bands) per row, so
/// indexing n rows is O(n) — never pairwise.
/// </summary>
internal sealed class NearDuplicateIndex
{
    private const int ChunkRows = 4096;
    private readonly int _hashCount;
    private readonly int _bands;
    private readonly int _rowsPerBand;
    private readonly List<byte[]> _signatures = [];
    private readonly List<long[]> _tags = [];
    private uint[] _keys = new uint[1024];
    private int[] _values = new int[1024];
    private int _used;
    private uint _touched; // keeps the prefetching loads of FindCandidates alive

    public NearDuplicateIndex(int hashCount, int bands, int rowsPerBand)
    {
        _hashCount = hashCount;
        _bands = bands;
        _rowsPerBand = rowsPerBand;
    }

    /// <summary>Gets the number of rows indexed.</summary>
    public int Count { get; private set; }

    /// <summary>Gets the approximate bytes held by the index.</summary>
    public long ApproximateBytes => ((long)_keys.Length * 8) + ((long)_signatures.Count * ChunkRows * (_hashCount + 8));

    /// <summary>Gets the tag (for example the line number) stored with a row.</summary>
    public long GetTag(int row) => _tags[row / ChunkRows][row % ChunkRows];

    /// <summary>Adds the distinct rows sharing at least one band bucket with <paramref name="signature"/> to <paramref name="candidates"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public void FindCandidates(ReadOnlySpan<uint> signature, List<int> candidates)
    {
        candidates.Clear();

        // The table is far larger than the cache, so each band's first probe is a cache miss. Read every band's
        // home slot first (independent loads the core overlaps), then probe: one memory latency per row, not one
        // per band.
        Span<uint> keys = stackalloc uint[_bands];
        var mask = _keys.Length - 1;
        uint touched = 0;
        for (var band = 0; band < _bands; band++)
        {
            keys[band] = BandKey(signature, band);
            touched |= _keys[(int)(TextFingerprint.Mix(keys[band]) & (uint)mask)];
        }

        _touched = touched;
        for (var band = 0; band < _bands; band++)
        {
            var key = keys[band];
            var slot = Find(key);
            if (_keys[slot] != 0)
            {
                var row = _values[slot];
                if (!candidates.Contains(row))
                {
                    candidates.Add(row);
                }
            }
        }
    }

    /// <summary>Estimates the Jaccard similarity of a stored row and a signature from their 8-bit MinHash values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public double EstimateJaccard(int row, ReadOnlySpan<uint> signature)
    {
        var stored = _signatures[row / ChunkRows].AsSpan((row % ChunkRows) * _hashCount, _hashCount);
        var matches = 0;
        for (var i = 0; i < _hashCount; i++)
        {
            if (stored[i] == Compact(signature[i]))
            {
                matches++;
            }
        }

        // b-bit MinHash: unrelated values collide with probability 1/256; correct for it.
        const double collision = 1.0 / 256;
        var fraction = (double)matches / _hashCount;
        return Math.Clamp((fraction - collision) / (1 - collision), 0, 1);
    }

    /// <summary>Adds a row; bands whose bucket already has a row keep the first one. Returns the row id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public int Add(ReadOnlySpan<uint> signature, long tag)
    {
        var row = Count;
        if (row % ChunkRows == 0)
        {
            _signatures.Add(new byte[ChunkRows * _hashCount]);
            _tags.Add(new long[ChunkRows]);
        }

        var stored = _signatures[row / ChunkRows].AsSpan((row % ChunkRows) * _hashCount, _hashCount);
        for (var i = 0; i < _hashCount; i++)
        {
            stored[i] = Compact(signature[i]);
        }

        _tags[row / ChunkRows][row % ChunkRows] = tag;
        Count++;
        for (var band = 0; band < _bands; band++)
        {
            var key = BandKey(signature, band);
            var slot = Find(key);
            if (_keys[slot] == 0)
            {
                _keys[slot] = key;
                _values[slot] = row;
                _used++;
                if (_used * 10 > _keys.Length * 7)
                {
                    Grow();
                }
            }
        }

        return row;
    }

    private static byte Compact(uint value) => (byte)(value >> 24);

    private uint BandKey(ReadOnlySpan<uint> signature, int band)
    {
        var hash = TextFingerprint.Mix((ulong)band + 1);
        var start = band * _rowsPerBand;
        for (var i = start; i < start + _rowsPerBand; i++)
        {
            hash = TextFingerprint.Combine(hash, signature[i]);
        }

        var key = (uint)(hash >> 32);
        return key == 0 ? 1 : key;
    }

    private int Find(uint key)
    {
        var mask = _keys.Length - 1;
        var slot = (int)(TextFingerprint.Mix(key) & (uint)mask);
        while (_keys[slot] != 0 && _keys[slot] != key)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private void Grow()
    {
        var oldKeys = _keys;
        var oldValues = _values;
        _keys = new uint[oldKeys.Length * 2];
        _values = new int[oldKeys.Length * 2];
        for (var i = 0; i < oldKeys.Length; i++)
        {
            if (oldKeys[i] != 0)
            {
                var slot = Find(oldKeys[i]);
                _keys[slot] = oldKeys[i];
                _values[slot] = oldValues[i];
            }
        }
    }
}
