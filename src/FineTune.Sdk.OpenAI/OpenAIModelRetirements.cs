namespace FineTune.Sdk.OpenAI;

/// <summary>
/// Published shutdown dates of OpenAI base models that could be fine-tuned; a fine-tuned model stops answering when
/// its base model shuts down. Override or extend with <see cref="OpenAIFineTuneProviderOptions.ModelRetirements"/>.
/// </summary>
internal static class OpenAIModelRetirements
{
    // OpenAI deprecations page, entry "2026-04-22: Legacy GPT model snapshots" (read through a public change-tracking mirror).
    // gpt-4.1-nano's date is reported by third parties quoting the same page; kept, and documented as such.
    private static readonly KeyValuePair<string, DateOnly>[] Known =
    [
        new("gpt-3.5-turbo-0125", new DateOnly(2026, 10, 23)),
        new("gpt-3.5-turbo", new DateOnly(2026, 10, 23)),
        new("gpt-4-0613", new DateOnly(2026, 10, 23)),
        new("gpt-4", new DateOnly(2026, 10, 23)),
        new("gpt-4.1-nano-2025-04-14", new DateOnly(2026, 10, 23)),
    ];

    public static ModelRetirementSchedule Create(IEnumerable<KeyValuePair<string, DateOnly>> overrides)
        => new(Known.Concat(overrides));
}
