using System.Globalization;

namespace FineTune.Sdk;

/// <summary>FT1130 too many distinct system prompts; FT1131 a row without a system prompt when most rows have one.</summary>
internal sealed class SystemPromptGate(SystemPromptGateOptions options, RowFingerprints keys) : IDatasetGate
{
    public const string DistinctCode = "FT1130";
    public const string MissingCode = "FT1131";
    private const int MaxTracked = 10_000;

    private readonly HashSet<ulong> _distinct = [];
    private readonly List<long> _missingLines = [];
    private long _rows;
    private long _missing;

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        _rows++;
        if (row.SystemPrompt is null)
        {
            _missing++;
            if (_missingLines.Count < MaxTracked)
            {
                _missingLines.Add(row.Line);
            }

            return;
        }

        if (_distinct.Count < MaxTracked)
        {
            _distinct.Add(keys.For(row).SystemPrompt);
        }
    }

    public void Complete(FindingCollector findings)
    {
        if (_distinct.Count > options.MaxDistinctPrompts)
        {
            var count = _distinct.Count >= MaxTracked ? $"at least {MaxTracked}" : _distinct.Count.ToString(CultureInfo.InvariantCulture);
            findings.Add(DistinctCode, FindingSeverity.Warning, 0, "$", string.Create(CultureInfo.InvariantCulture,
                $"The file has {count} distinct system prompts (more than SystemPrompts.MaxDistinctPrompts = {options.MaxDistinctPrompts}); the model learns best from one consistent prompt per task."),
                new Dictionary<string, object?> { ["distinctPrompts"] = _distinct.Count });
        }

        if (_missing == 0 || _rows == 0)
        {
            return;
        }

        var withPrompt = (double)(_rows - _missing) / _rows;
        if (withPrompt < options.MissingPromptMajority)
        {
            return;
        }

        foreach (var line in _missingLines)
        {
            findings.Add(MissingCode, FindingSeverity.Warning, line, "$.messages", string.Create(CultureInfo.InvariantCulture,
                $"Row has no system prompt while {withPrompt * 100:0.0}% of rows have one."));
        }
    }
}
