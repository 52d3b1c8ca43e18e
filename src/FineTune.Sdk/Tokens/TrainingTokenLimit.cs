namespace FineTune.Sdk;

/// <summary>The most tokens a model trains on per example; longer examples are truncated (from the end), not rejected.</summary>
/// <param name="ModelFamily">The model or family the figure applies to.</param>
/// <param name="MaxTokensPerExample">The limit in tokens.</param>
/// <param name="IsVerified"><see langword="false"/> when the figure is assumed rather than published by the provider.</param>
/// <param name="Source">Where the figure comes from.</param>
public sealed record TrainingTokenLimit(string ModelFamily, int MaxTokensPerExample, bool IsVerified, string Source)
{
    private const string OlderGuide = "OpenAI fine-tuning guide (token limits table)";

    // First match wins: longer, more specific prefixes first.
    private static readonly TrainingTokenLimit[] Known =
    [
        new("gpt-4o-mini-2024-07-18", 65_536, true, OlderGuide),
        new("gpt-4o-2024-08-06", 65_536, true, OlderGuide),
        new("gpt-4o-mini", 65_536, true, OlderGuide + "; alias of gpt-4o-mini-2024-07-18"),
        new("gpt-4o", 65_536, true, OlderGuide + "; alias of gpt-4o-2024-08-06"),
        new("gpt-4.1", 65_536, false, "unverified: assumed equal to gpt-4o; OpenAI's 2026 guide gives no figure"),
        new("gpt-3.5-turbo-0613", 4_096, true, OlderGuide),
        new("gpt-3.5-turbo-1106", 16_385, true, OlderGuide),
        new("gpt-3.5-turbo-0125", 16_385, true, OlderGuide),
        new("gpt-3.5-turbo", 16_385, true, OlderGuide + "; alias of gpt-3.5-turbo-0125"),
        new("gpt-4-0613", 8_192, false, "unverified: the model's context length"),
    ];

    /// <summary>Gets the limits the SDK knows, most specific first.</summary>
    /// <value>A fixed list; <see cref="IsVerified"/> says which figures the provider published.</value>
    public static IReadOnlyList<TrainingTokenLimit> KnownLimits => Known;

    /// <summary>Finds the limit of a model (base, snapshot or <c>ft:</c> name).</summary>
    /// <param name="model">The model name.</param>
    /// <param name="limit">The limit, when known.</param>
    /// <returns><see langword="true"/> when a limit is known.</returns>
    public static bool TryGet(string model, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TrainingTokenLimit? limit)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = ModelEncodings.BaseModel(model.Trim());
        foreach (var candidate in Known)
        {
            if (name.StartsWith(candidate.ModelFamily, StringComparison.OrdinalIgnoreCase)
                && (name.Length == candidate.ModelFamily.Length || name[candidate.ModelFamily.Length] is '-' or ':'))
            {
                limit = candidate;
                return true;
            }
        }

        limit = null;
        return false;
    }
}
