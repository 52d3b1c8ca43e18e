using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// FT1120 (info: per-class counts in <see cref="ValidationFinding.AdditionalProperties"/>) and FT1121 (warning: a
/// class under the minimum share), when the answers are labels: short plain answers or JSON objects with a
/// label-like field. Keeps at most <see cref="ClassBalanceGateOptions.MaxClasses"/> short labels and their counts.
/// </summary>
internal sealed class ClassBalanceGate(ClassBalanceGateOptions options) : IDatasetGate
{
    public const string CountsCode = "FT1120";
    public const string MinorityCode = "FT1121";

    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private long _rows;
    private long _labeled;
    private bool _overflow;

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        _rows++;
        var label = row.AssistantPath.EndsWith(".content", StringComparison.Ordinal) ? LabelExtractor.TryGetLabel(row.AssistantText, options) : null;
        if (label is null)
        {
            return;
        }

        _labeled++;
        if (_counts.TryGetValue(label, out var count))
        {
            _counts[label] = count + 1;
        }
        else if (_counts.Count < options.MaxClasses)
        {
            _counts.Add(label, 1);
        }
        else
        {
            _overflow = true;
        }
    }

    public void Complete(FindingCollector findings)
    {
        if (_overflow || _counts.Count < 2 || _rows == 0 || (double)_labeled / _rows < options.MinLabeledShare || _counts.Count * 2 > _labeled)
        {
            return;
        }

        var classes = _counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        findings.Add(CountsCode, FindingSeverity.Info, 0, "$", string.Create(CultureInfo.InvariantCulture,
            $"The answers are class labels: {classes.Count} classes over {_labeled} labeled rows; per-class counts are in AdditionalProperties[\"classes\"]."),
            new Dictionary<string, object?> { ["classes"] = classes, ["labeledRows"] = _labeled });
        foreach (var (label, count) in classes)
        {
            var share = (double)count / _labeled;
            if (share < options.MinClassShare)
            {
                findings.Add(MinorityCode, FindingSeverity.Warning, 0, "$", string.Create(CultureInfo.InvariantCulture,
                    $"A class has {count} of {_labeled} labeled rows ({share * 100:0.0}%), under the {options.MinClassShare * 100:0.0}% minimum; the class is named in AdditionalProperties[\"class\"]."),
                    new Dictionary<string, object?> { ["class"] = label, ["count"] = count, ["share"] = share });
            }
        }
    }
}
