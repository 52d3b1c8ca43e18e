namespace FineTune.Sdk;

/// <summary>Turns a pipeline file's <c>gates</c> list into validator options with the unnamed gates switched off.</summary>
internal static class PipelineGates
{
    private static readonly Dictionary<string, Action<DatasetValidationOptions, bool>> Switches = new(StringComparer.Ordinal)
    {
        ["exact-duplicates"] = (o, on) => o.Duplicates.ExactEnabled = on,
        ["near-duplicates"] = (o, on) => o.Duplicates.NearEnabled = on,
        ["contradictions"] = (o, on) => o.Contradictions.Enabled = on,
        ["class-balance"] = (o, on) => o.ClassBalance.Enabled = on,
        ["system-prompts"] = (o, on) => o.SystemPrompts.Enabled = on,
        ["output-format"] = (o, on) => o.OutputFormat.Enabled = on,
        ["provenance"] = (o, on) => o.Provenance.Enabled = on,
        ["pii"] = (o, on) => o.Pii.Enabled = on,
    };

    public static DatasetValidationOptions ToOptions(IEnumerable<string> gates)
    {
        var enabled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var gate in gates)
        {
            if (gate == "all")
            {
                enabled.UnionWith(Switches.Keys);
            }
            else if (gate == "duplicates")
            {
                enabled.UnionWith(["exact-duplicates", "near-duplicates"]);
            }
            else if (gate != "none")
            {
                enabled.Add(gate);
            }
        }

        var options = new DatasetValidationOptions();
        foreach (var (name, apply) in Switches)
        {
            apply(options, enabled.Contains(name));
        }

        return options;
    }
}
