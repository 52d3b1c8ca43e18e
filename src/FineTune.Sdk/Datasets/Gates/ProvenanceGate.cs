using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// FT1150 a <c>metadata.source</c> outside human | synthetic | prod_sample; FT1151 synthetic rows above the cap
/// (share of rows with a known source).
/// </summary>
internal sealed class ProvenanceGate(ProvenanceGateOptions options) : IDatasetGate
{
    public const string UnknownCode = "FT1150";
    public const string SyntheticCode = "FT1151";

    private readonly ProvenanceCounts _counts = new();

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        if (!_counts.Add(row.Source))
        {
            findings.Add(UnknownCode, FindingSeverity.Warning, row.Line, "$.metadata.source",
                "metadata.source has an unrecognised value; expected human, synthetic or prod_sample.");
        }
    }

    public void Complete(FindingCollector findings)
    {
        var known = _counts.Human + _counts.Synthetic + _counts.ProdSample;
        if (known == 0)
        {
            return;
        }

        var share = (double)_counts.Synthetic / known;
        if (share > options.MaxSyntheticShare)
        {
            findings.Add(SyntheticCode, options.SyntheticShareSeverity, 0, "$", string.Create(CultureInfo.InvariantCulture,
                $"Synthetic rows are {share * 100:0.0}% of rows with a known source ({_counts.Synthetic} of {known}), above the Provenance.MaxSyntheticShare cap of {options.MaxSyntheticShare * 100:0.0}%."),
                new Dictionary<string, object?> { ["human"] = _counts.Human, ["synthetic"] = _counts.Synthetic, ["prod_sample"] = _counts.ProdSample });
        }
    }
}

/// <summary>Counts rows per <c>metadata.source</c> value.</summary>
internal sealed class ProvenanceCounts
{
    public long Human { get; private set; }

    public long Synthetic { get; private set; }

    public long ProdSample { get; private set; }

    public long Unknown { get; private set; }

    public long Missing { get; private set; }

    /// <summary>Counts a source; returns false when the value is not one of the known ones.</summary>
    public bool Add(string? source)
    {
        switch (source)
        {
            case null:
                Missing++;
                return true;
            case "human":
                Human++;
                return true;
            case "synthetic":
                Synthetic++;
                return true;
            case "prod_sample":
                ProdSample++;
                return true;
            default:
                Unknown++;
                return false;
        }
    }
}
