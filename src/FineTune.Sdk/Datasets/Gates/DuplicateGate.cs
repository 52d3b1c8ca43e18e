using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// FT1100 exact duplicates (after NFKC, case and whitespace normalization) and FT1101 near-duplicates
/// (MinHash over word shingles, LSH banding, verified by estimated Jaccard). Keeps 64-bit hashes and compact
/// signatures, never text.
/// </summary>
internal sealed class DuplicateGate : IPreparingDatasetGate
{
    public const string ExactCode = "FT1100";
    public const string NearCode = "FT1101";
    public const string IndexFullCode = "FT1102";

    private readonly DuplicateGateOptions _options;
    private readonly RowFingerprints _keys;
    /// <summary>Bits of the Bloom filter that takes over once the exact table is full (8 MB).</summary>
    internal const long OverflowBits = 1L << 26;

    private readonly FingerprintTable? _exact;
    private BloomFilter? _overflow;
    private readonly MinHasher? _hasher;
    private readonly NearDuplicateIndex? _index;
    private readonly uint[] _signature;
    private readonly List<int> _candidates = [];
    private bool _indexFullReported;

    public DuplicateGate(DuplicateGateOptions options, RowFingerprints keys)
    {
        _options = options;
        _keys = keys;
        _signature = new uint[options.MinHashCount];
        if (options.ExactEnabled)
        {
            _exact = new FingerprintTable(options.MaxExactRows, withValues: false);
        }

        if (options.NearEnabled)
        {
            _hasher = new MinHasher(options.MinHashCount, options.ShingleSize, options.MaxShinglesPerRow);
            _index = new NearDuplicateIndex(options.MinHashCount, options.Bands, options.RowsPerBand, options.MaxIndexedRows);
        }
    }

    public void Prepare(DatasetRow row)
    {
        var keys = (row.Fingerprints ??= row.OwnFingerprints).For(row);
        if (_hasher is not null)
        {
            var signature = row.Signature ??= new uint[_hasher.HashCount];
            row.SignatureState = _hasher.Sketch(keys.NearUser, keys.NearAnswer, signature) ? PreparedState.Set : PreparedState.Empty;
        }
    }

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        var keys = _keys.For(row);
        if (_exact is not null)
        {
            if (_exact.TryGet(keys.Exact, out var first, out _))
            {
                if (findings.TallyPastCap(ExactCode, FindingSeverity.Warning))
                {
                    return;
                }

                findings.Add(ExactCode, FindingSeverity.Warning, row.Line, "$", string.Create(CultureInfo.InvariantCulture,
                    $"Row is an exact duplicate of line {first} (after case, whitespace and Unicode NFKC normalization)."));
                return;
            }

            if (!_exact.TryAdd(keys.Exact, row.Line) && (_overflow ??= new BloomFilter(OverflowBits)).CheckAndAdd(keys.Exact))
            {
                findings.Add(ExactCode, FindingSeverity.Warning, row.Line, "$",
                    "Row is an exact duplicate of an earlier row (after case, whitespace and Unicode NFKC normalization; past Duplicates.MaxExactRows the first line is not kept).");
                return;
            }
        }

        if (_hasher is null || _index is null)
        {
            return;
        }

        ReadOnlySpan<uint> signature;
        if (row.SignatureState == PreparedState.None)
        {
            if (!_hasher.Sketch(keys.NearUser, keys.NearAnswer, _signature))
            {
                return;
            }

            signature = _signature;
        }
        else if (row.SignatureState == PreparedState.Set)
        {
            signature = row.Signature;
        }
        else
        {
            return;
        }

        _index.FindCandidates(signature, _candidates);
        var bestSimilarity = 0.0;
        var bestLine = 0L;
        foreach (var candidate in _candidates)
        {
            var similarity = _index.EstimateJaccard(candidate, signature);
            if (similarity > bestSimilarity)
            {
                bestSimilarity = similarity;
                bestLine = _index.GetTag(candidate);
            }
        }

        if (bestSimilarity >= _options.NearDuplicateThreshold && !findings.TallyPastCap(NearCode, FindingSeverity.Warning))
        {
            findings.Add(NearCode, FindingSeverity.Warning, row.Line, "$", string.Create(CultureInfo.InvariantCulture,
                $"Row is a near-duplicate of line {bestLine} (estimated Jaccard similarity {bestSimilarity:0.00} >= {_options.NearDuplicateThreshold:0.00})."));
        }

        if (_index.Count < _options.MaxIndexedRows)
        {
            _index.Add(signature, row.Line);
        }
        else if (!_indexFullReported)
        {
            _indexFullReported = true;
            findings.Add(IndexFullCode, FindingSeverity.Info, row.Line, "$", string.Create(CultureInfo.InvariantCulture,
                $"The near-duplicate index is full ({_options.MaxIndexedRows} rows, Duplicates.MaxIndexedRows); rows from here on are checked against it but not added."));
        }
    }

    public void Complete(FindingCollector findings)
    {
    }
}
