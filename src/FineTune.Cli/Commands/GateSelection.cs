using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary>
/// The quality gates <c>finetune validate --gates</c> runs: <c>all</c> (the default), <c>none</c> (format checks, token
/// counts and cost only: the work of the OpenAI cookbook's checker) or a comma-separated list of gate names.
/// </summary>
internal sealed class GateSelection
{
    /// <summary>Every gate name, in the order the help and the reports list them.</summary>
    internal static readonly IReadOnlyList<string> Names =
    [
        "exact-duplicates", "near-duplicates", "contradictions", "class-balance", "system-prompts", "output-format", "provenance", "pii",
    ];

    private GateSelection(IReadOnlySet<string> enabled) => Enabled = enabled;

    /// <summary>Gets the gates that run.</summary>
    public IReadOnlySet<string> Enabled { get; }

    /// <summary>Gets a value indicating whether every gate runs.</summary>
    public bool IsAll => Enabled.Count == Names.Count;

    /// <summary>Gets the gates that run, in <see cref="Names"/> order.</summary>
    public IEnumerable<string> Selected => Names.Where(Enabled.Contains);

    /// <summary>Gets the gates that do not run, in <see cref="Names"/> order.</summary>
    public IEnumerable<string> Skipped => Names.Where(name => !Enabled.Contains(name));

    /// <summary>Every gate.</summary>
    public static GateSelection All { get; } = new(new HashSet<string>(Names, StringComparer.Ordinal));

    /// <summary>
    /// Parses <c>all</c>, <c>none</c> or a comma-separated list of names (<c>duplicates</c> stands for both duplicate gates);
    /// returns null with a message naming the known names for anything else.
    /// </summary>
    public static GateSelection? TryParse(string? value, out string? error)
    {
        error = null;
        if (value is null)
        {
            return All;
        }

        var parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            error = "--gates is empty; use all, none, duplicates or a comma-separated list of gate names.";
            return null;
        }

        var enabled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            var name = part.ToLowerInvariant();
            switch (name)
            {
                case "all":
                    enabled.UnionWith(Names);
                    break;
                case "none":
                    break;
                case "duplicates":
                    enabled.Add("exact-duplicates");
                    enabled.Add("near-duplicates");
                    break;
                case var _ when Names.Contains(name):
                    enabled.Add(name);
                    break;
                default:
                    error = $"unknown gate '{part}' in --gates; use all, none, duplicates or a comma-separated list of: {string.Join(", ", Names)}.";
                    return null;
            }
        }

        return new GateSelection(enabled);
    }

    /// <summary>Validator options with the unselected gates switched off (everything else at its default).</summary>
    public DatasetValidationOptions ToOptions()
    {
        var options = new DatasetValidationOptions();
        options.Duplicates.ExactEnabled = Enabled.Contains("exact-duplicates");
        options.Duplicates.NearEnabled = Enabled.Contains("near-duplicates");
        options.Contradictions.Enabled = Enabled.Contains("contradictions");
        options.ClassBalance.Enabled = Enabled.Contains("class-balance");
        options.SystemPrompts.Enabled = Enabled.Contains("system-prompts");
        options.OutputFormat.Enabled = Enabled.Contains("output-format");
        options.Provenance.Enabled = Enabled.Contains("provenance");
        options.Pii.Enabled = Enabled.Contains("pii");
        return options;
    }
}
