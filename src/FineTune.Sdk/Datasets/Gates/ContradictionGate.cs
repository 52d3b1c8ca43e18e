using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// FT1110: rows with the same normalized system prompt and user input as an earlier row but a different answer.
/// The first <see cref="ContradictionGateOptions.MaxTrackedInputs"/> distinct inputs are kept with their first
/// answer and line in a <see cref="FingerprintTable"/>; later new inputs go to two fixed-size Bloom filters
/// (inputs, input-answer pairs), so memory is bounded whatever the file size.
/// </summary>
internal sealed class ContradictionGate : IDatasetGate
{
    public const string Code = "FT1110";

    /// <summary>Bits of the Bloom filter of inputs past the table (8 MB): a false positive here is a false finding.</summary>
    internal const long OverflowInputBits = 1L << 26;

    /// <summary>Bits of the Bloom filter of input-answer pairs past the table (4 MB): a false positive only hides a finding.</summary>
    internal const long OverflowPairBits = 1L << 25;

    private readonly RowFingerprints _keys;
    private readonly FingerprintTable _firstByInput;
    private BloomFilter? _overflowInputs;
    private BloomFilter? _overflowPairs;

    public ContradictionGate(RowFingerprints keys, ContradictionGateOptions? options = null)
    {
        _keys = keys;
        _firstByInput = new FingerprintTable((options ?? new ContradictionGateOptions()).MaxTrackedInputs, withValues: true);
    }

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        if (row.AssistantText is null || string.IsNullOrWhiteSpace(row.UserText))
        {
            return;
        }

        var k = _keys.For(row);
        if (_firstByInput.TryGet(k.Input, out var firstLine, out var firstAnswer))
        {
            if (firstAnswer != k.Answer && !findings.TallyPastCap(Code, FindingSeverity.Warning))
            {
                findings.Add(Code, FindingSeverity.Warning, row.Line, row.AssistantPath, string.Create(CultureInfo.InvariantCulture,
                    $"Same system prompt and user input as line {firstLine}, but a different assistant answer: the model is taught two answers to one question."));
            }
        }
        else if (!_firstByInput.TryAdd(k.Input, row.Line, k.Answer))
        {
            var seenInput = (_overflowInputs ??= new BloomFilter(OverflowInputBits)).CheckAndAdd(k.Input);
            var seenPair = (_overflowPairs ??= new BloomFilter(OverflowPairBits)).CheckAndAdd(k.Exact);
            if (seenInput && !seenPair)
            {
                findings.Add(Code, FindingSeverity.Warning, row.Line, row.AssistantPath,
                    "Same system prompt and user input as an earlier row, but a different assistant answer: the model is taught two answers to one question (past Contradictions.MaxTrackedInputs the first line is not kept).");
            }
        }
    }

    public void Complete(FindingCollector findings)
    {
    }
}
