namespace FineTune.Sdk;

/// <summary>
/// Known retirement dates of models, so a registry or a CLI can warn before a fine-tuned model stops answering.
/// A fine-tuned model id of the form <c>ft:{base}:...</c> retires with its base model. Data, not logic: adapters
/// ship the dates their provider published, and options override or add entries.
/// </summary>
/// <remarks>Instances are immutable and thread-safe.</remarks>
public sealed class ModelRetirementSchedule
{
    private readonly Dictionary<string, DateOnly> _dates;

    /// <summary>Initializes a new instance of the <see cref="ModelRetirementSchedule"/> class.</summary>
    /// <param name="dates">Model ids (case-insensitive) and their retirement dates.</param>
    public ModelRetirementSchedule(IEnumerable<KeyValuePair<string, DateOnly>> dates)
    {
        ArgumentNullException.ThrowIfNull(dates);
        _dates = new Dictionary<string, DateOnly>(StringComparer.OrdinalIgnoreCase);
        foreach (var (model, date) in dates)
        {
            _dates[model] = date;
        }
    }

    /// <summary>Gets the model ids and dates held.</summary>
    /// <value>A read-only view.</value>
    public IReadOnlyDictionary<string, DateOnly> Entries => _dates;

    /// <summary>Looks up the retirement date of a model, or of a fine-tuned model's base.</summary>
    /// <param name="modelId">A model id, for example <c>gpt-4.1-nano-2025-04-14</c> or <c>ft:gpt-4.1-nano-2025-04-14:org::abc12345</c>.</param>
    /// <returns>The date, or <see langword="null"/> when none is known.</returns>
    public DateOnly? GetRetirementDate(string modelId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (_dates.TryGetValue(modelId, out var date))
        {
            return date;
        }

        if (modelId.StartsWith("ft:", StringComparison.OrdinalIgnoreCase))
        {
            var parts = modelId.Split(':');
            if (parts.Length > 1 && parts[1].Length > 0 && _dates.TryGetValue(parts[1], out date))
            {
                return date;
            }
        }

        return null;
    }
}
