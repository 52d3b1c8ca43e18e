using System.Runtime.CompilerServices;
namespace FineTune.Sdk;

/// <summary>
/// LSH index over MinHash signatures with bounded memory per row: each row keeps a b-bit (8-bit) copy of its
/// signature for verification and one 32-bit bucket key per band. Finding candidates is O(bands) per row, so
/// indexing n rows is O(n) — never pairwise. The bucket table doubles as rows arrive, but when the caller caps the
/// rows it will add, its last step goes to the slots that cap needs (load ≤ 0.8) rather than the next power of two.
/// </summary>
internal sealed class NearDuplicateIndex
{
    private const int ChunkRows = 4096;
    private readonly int _hashCount;
    private readonly int _bands;
    private readonly int _rowsPerBand;
    private readonly int _maxSlots;
    private readonly List<byte[]> _signatures = [];
    private readonly List<long[]> _tags = [];

    // Open addressing with linear probing; a bucket's key and row sit side by side, so a probe is one cache line.
    private Bucket[] _buckets = new Bucket[1024];
    private int _used;
    private uint _touched; // keeps the prefetching loads of FindCandidates alive

    // The band keys and probe results of the last FindCandidates, so that adding the same signature next does not
    // probe the (far larger than cache) table a second time. Only Add changes the table, and it checks each slot.
    private readonly uint[] _lastKeys;
    private readonly int[] _lastSlots;
    private bool _lastValid;

    /// <summary>Creates an index; <paramref name="maxRows"/> is the most rows the caller will add (it sizes the table's last step).</summary>
    public NearDuplicateIndex(int hashCount, int bands, int rowsPerBand, int maxRows = int.MaxValue)
    {
        _hashCount = hashCount;
        _bands = bands;
        _rowsPerBand = rowsPerBand;
        var needed = ((long)maxRows * bands * 10 / 8) + 2; // Add grows the table past a load of 0.8
        _maxSlots = needed <= 1 << 30 ? (int)needed : int.MaxValue;
        _lastKeys = new uint[bands];
        _lastSlots = new int[bands];
    }

    /// <summary>Gets the number of rows indexed.</summary>
    public int Count { get; private set; }

    /// <summary>Gets the number of bucket slots (8 bytes each).</summary>
    public int Slots => _buckets.Length;

    /// <summary>Gets the approximate bytes held by the index.</summary>
    public long ApproximateBytes => ((long)_buckets.Length * 8) + ((long)_signatures.Count * ChunkRows * (_hashCount + 8));

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
        var keys = _lastKeys;
        var buckets = _buckets;
        uint touched = 0;
        for (var band = 0; band < _bands; band++)
        {
            keys[band] = BandKey(signature, band);
            touched |= buckets[Home(keys[band], buckets.Length)].Key;
        }

        _touched = touched;
        for (var band = 0; band < _bands; band++)
        {
            var slot = _lastSlots[band] = Find(keys[band]);
            ref readonly var bucket = ref _buckets[slot];
            if (bucket.Key != 0 && !candidates.Contains(bucket.Row))
            {
                candidates.Add(bucket.Row);
            }
        }

        _lastValid = true;
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
            var slot = _lastValid && _lastKeys[band] == key ? _lastSlots[band] : -1;
            if (slot < 0 || (_buckets[slot].Key != 0 && _buckets[slot].Key != key))
            {
                slot = Find(key); // not probed for this signature, or an earlier band of this row took the slot
            }

            if (_buckets[slot].Key == 0)
            {
                _buckets[slot] = new Bucket(key, row);
                _used++;
                if ((long)_used * 10 > (long)_buckets.Length * 8)
                {
                    Grow();
                }
            }
        }

        _lastValid = false;
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

    /// <summary>A key's home slot in a table of <paramref name="slots"/> (any size): the mixed key scaled to the table.</summary>
    private static int Home(uint key, int slots) => (int)(((ulong)(uint)TextFingerprint.Mix(key) * (uint)slots) >> 32);

    private int Find(uint key)
    {
        var buckets = _buckets;
        var slot = Home(key, buckets.Length);
        while (buckets[slot].Key != 0 && buckets[slot].Key != key)
        {
            if (++slot == buckets.Length)
            {
                slot = 0;
            }
        }

        return slot;
    }

    private void Grow()
    {
        var old = _buckets;
        // Double, but never past the slots the row cap needs. (Going straight to them from a quarter of them saved one
        // copy, but gave a file with a third of the cap's rows twice the table it needs.)
        var slots = old.Length < _maxSlots ? (int)Math.Min(_maxSlots, old.Length * 2L) : old.Length * 2;
        _buckets = new Bucket[slots];
        _lastValid = false; // every slot moves
        foreach (var bucket in old)
        {
            if (bucket.Key != 0)
            {
                _buckets[Find(bucket.Key)] = bucket;
            }
        }
    }

    // Key 0 marks an empty bucket: band keys are never 0.
    private readonly record struct Bucket(uint Key, int Row);
}
