using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>
/// FT1160–FT1167: personal data and secrets in any string of the row (message text, tool-call arguments,
/// metadata). One finding per JSON path and kind; messages give the kind, the count and the path, never the value.
/// </summary>
internal sealed class PiiGate(PiiGateOptions options) : IPreparingDatasetGate
{
    private readonly int[] _perKind = new int[Enum.GetValues<PiiKind>().Length];

    public static string CodeOf(PiiKind kind) => kind switch
    {
        PiiKind.Email => "FT1160",
        PiiKind.Phone => "FT1161",
        PiiKind.CardNumber => "FT1162",
        PiiKind.Ssn => "FT1163",
        PiiKind.Iban => "FT1164",
        PiiKind.IpAddress => "FT1165",
        PiiKind.ApiKey => "FT1166",
        _ => "FT1167",
    };

    public void Prepare(DatasetRow row)
    {
        row.PiiFindings.Clear();
        if (row.Root.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            // One recorder, path and tally per thread of the run, reused row after row (rows are many, findings few).
            var caches = RunCaches.Current;
            var scratch = caches?.Pii is { } kept && kept.PerKind.Length == _perKind.Length ? kept : new Scratch(_perKind.Length);
            if (caches is not null)
            {
                caches.Pii = scratch;
            }

            scratch.Path.Clear(); // empty after every whole walk; cleared in case an earlier walk was cut short
            Walk(row.Root, scratch.Path, row.Line, scratch.Recorder, scratch.PerKind);
            scratch.Recorder.MoveTo(row.PiiFindings);
        }

        row.PiiPrepared = true;
    }

    /// <summary>The recorder, path and tally of one thread of a run (see <see cref="RunCaches"/>).</summary>
    internal sealed class Scratch(int kinds)
    {
        public FindingCollector Recorder { get; } = new(int.MaxValue, file: null);

        public List<PathStep> Path { get; } = new(8);

        public int[] PerKind { get; } = new int[kinds];
    }

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        if (row.PiiPrepared)
        {
            foreach (var finding in row.PiiFindings)
            {
                findings.Add(finding.Code, finding.Severity, finding.Line, finding.Path, finding.Message);
            }
        }
        else if (row.Root.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            Walk(row.Root, [], row.Line, findings, _perKind);
        }
    }

    public void Complete(FindingCollector findings)
    {
    }

    // The path to the current value is kept as steps (a property or an array index) and only spelled out when a
    // string has a finding: most strings have none, so no property name or path string is built for them.
    private void Walk(JsonElement element, List<PathStep> path, long line, FindingCollector findings, int[] perKind)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    path.Add(new PathStep(property, -1));
                    Walk(property.Value, path, line, findings, perKind);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Add(new PathStep(default, index++));
                    Walk(item, path, line, findings, perKind);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            case JsonValueKind.String:
#if NET9_0_OR_GREATER
                if (PiiDetector.CannotMatch(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element), options.DetectIpAddresses))
                {
                    break;
                }
#endif
                Report(element.GetString()!, path, line, findings, perKind);
                break;
        }
    }

    private static string Spell(List<PathStep> steps)
    {
        var path = new StringBuilder("$");
        foreach (var step in steps)
        {
            if (step.Index >= 0)
            {
                path.Append('[').Append(step.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                JsonPaths.AppendProperty(path, step.Property.Name);
            }
        }

        return path.ToString();
    }

    private void Report(string text, List<PathStep> steps, long line, FindingCollector findings, int[] perKind)
    {
        var spans = PiiDetector.Detect(text, options.DetectIpAddresses);
        if (spans.Count == 0)
        {
            return;
        }

        var path = Spell(steps);
        Array.Clear(perKind);
        foreach (var span in spans)
        {
            perKind[(int)span.Kind]++;
        }

        for (var k = 0; k < perKind.Length; k++)
        {
            if (perKind[k] == 0)
            {
                continue;
            }

            var kind = (PiiKind)k;
            var secret = kind is PiiKind.ApiKey or PiiKind.BearerToken;
            var noun = PiiDetector.Describe(kind);
            var what = perKind[k] == 1 ? noun : string.Create(CultureInfo.InvariantCulture, $"{perKind[k]} values, each {noun}");
            var advice = secret ? "revoke it and remove it" : "replace it with `finetune redact`";
            findings.Add(CodeOf(kind), secret ? options.SecretSeverity : options.PersonalDataSeverity, line, path,
                $"Text contains {what}; {advice}.");
        }
    }
}

/// <summary>One step of a JSON path: a property, or an array index (when <see cref="Index"/> is not negative).</summary>
internal readonly record struct PathStep(JsonProperty Property, int Index);

/// <summary>Builds JSONPath strings: <c>$.messages[1].content</c>, <c>$['odd key']</c>.</summary>
internal static class JsonPaths
{
    public static void AppendProperty(StringBuilder path, string name)
    {
        var simple = name.Length > 0 && !char.IsAsciiDigit(name[0]);
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                simple = false;
                break;
            }
        }

        if (simple)
        {
            path.Append('.').Append(name);
        }
        else
        {
            path.Append("['").Append(name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
        }
    }
}
