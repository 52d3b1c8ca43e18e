using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Tests;

/// <summary>Feeds JSONL lines (line numbers from 1) through gates as the validator does.</summary>
internal static class GateHarness
{
    public static FindingCollector Run(IDatasetGate gate, params string[] lines) => Run([gate], lines);

    public static FindingCollector Run(IReadOnlyList<IDatasetGate> gates, IEnumerable<string> lines)
    {
        var findings = new FindingCollector(10_000);
        var row = new DatasetRow();
        long number = 0;
        foreach (var line in lines)
        {
            number++;
            using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes(line));
            DatasetRowParser.Fill(row, number, document.RootElement, DatasetRowSource.DetectFormat(document.RootElement));
            foreach (var gate in gates)
            {
                gate.Observe(row, findings);
            }
        }

        foreach (var gate in gates)
        {
            gate.Complete(findings);
        }

        return findings;
    }

    /// <summary>A chat row as one JSONL line.</summary>
    public static string Chat(string user, string assistant, string? system = "You are a helpful support agent.", string? source = null)
    {
        var messages = new List<object>();
        if (system is not null)
        {
            messages.Add(new Dictionary<string, string> { ["role"] = "system", ["content"] = system });
        }

        messages.Add(new Dictionary<string, string> { ["role"] = "user", ["content"] = user });
        messages.Add(new Dictionary<string, string> { ["role"] = "assistant", ["content"] = assistant });
        var row = new Dictionary<string, object> { ["messages"] = messages };
        if (source is not null)
        {
            row["metadata"] = new Dictionary<string, string> { ["source"] = source };
        }

        return JsonSerializer.Serialize(row);
    }

    public static IEnumerable<(string Code, long Line)> Of(this FindingCollector findings, string code) =>
        findings.Findings.Where(f => f.Code == code).Select(f => (f.Code, f.Line));
}
