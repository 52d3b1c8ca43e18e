using System.Globalization;

namespace FineTune.Sdk;

/// <summary>FT1110: rows with the same normalized system prompt and user input as an earlier row but a different answer.</summary>
internal sealed class ContradictionGate(RowFingerprints keys) : IDatasetGate
{
    public const string Code = "FT1110";

    private readonly Dictionary<ulong, (ulong Answer, long Line)> _firstByInput = [];

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        if (row.AssistantText is null || string.IsNullOrWhiteSpace(row.UserText))
        {
            return;
        }

        var k = keys.For(row);
        if (!_firstByInput.TryGetValue(k.Input, out var first))
        {
            _firstByInput.Add(k.Input, (k.Answer, row.Line));
        }
        else if (first.Answer != k.Answer)
        {
            findings.Add(Code, FindingSeverity.Warning, row.Line, row.AssistantPath, string.Create(CultureInfo.InvariantCulture,
                $"Same system prompt and user input as line {first.Line}, but a different assistant answer: the model is taught two answers to one question."));
        }
    }

    public void Complete(FindingCollector findings)
    {
    }
}
